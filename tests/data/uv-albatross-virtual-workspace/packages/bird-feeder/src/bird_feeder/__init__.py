import anyio


def use():
    print("squirrel")

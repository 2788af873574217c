import idna


def seeds():
    print("sunflower")

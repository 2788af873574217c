import iniconfig
from bird_feeder import use


def fly():
    pass


if __name__ == "__main__":
    print("Caw")
    use()

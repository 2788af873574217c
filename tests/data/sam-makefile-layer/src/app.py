import attrs


def handler(event, context):
    return attrs.__version__

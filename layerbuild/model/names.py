"""What a layer name may be: a Lambda layer name, which is also safe as part of a file name.

A layer's name becomes both its Lambda name and the start of its file names (`NAME-python3.12-x86_64.zip`
in the output folder), so one rule serves both: Lambda's own pattern admits no path separator, no `..`,
no leading dot and nothing empty, so a valid name can never write outside the output folder.

Source: AWS Lambda API reference, PublishLayerVersion, request parameter LayerName
(https://docs.aws.amazon.com/lambda/latest/api/API_PublishLayerVersion.html): "Length Constraints:
Minimum length of 1. Maximum length of 140. Pattern: (arn:…:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+".
"""

from __future__ import annotations

import re

from layerbuild.errors import InputError

MAX_LAYER_NAME_LENGTH = 140
LAYER_NAME = re.compile(r"\A[a-zA-Z0-9_-]{1,%d}\Z" % MAX_LAYER_NAME_LENGTH)
_NOT_ALLOWED = re.compile(r"[^a-zA-Z0-9_-]+")


def is_layer_name(name: str) -> bool:
    return isinstance(name, str) and LAYER_NAME.match(name) is not None


def check_layer_name(name: object, where: str) -> str:
    """`name` when it is a valid layer name, else an InputError naming `where` it came from and why."""
    if not isinstance(name, str):
        raise InputError(f"{where}: the layer name must be a string, not {name!r}")
    if is_layer_name(name):
        return name
    if not name:
        why = "is empty"
    elif "/" in name or "\\" in name or ".." in name:
        why = "is a path (it holds '/', '\\' or '..'), which would write outside the output folder"
    elif len(name) > MAX_LAYER_NAME_LENGTH:
        why = f"is {len(name)} characters long, over Lambda's {MAX_LAYER_NAME_LENGTH}"
    else:
        bad = "".join(sorted(set("".join(_NOT_ALLOWED.findall(name)))))
        why = f"holds {bad!r}"
    raise InputError(
        f"{where}: layer name {name!r} {why}: use 1-{MAX_LAYER_NAME_LENGTH} letters, digits, "
        "- and _ (Lambda's rule for layer names)"
    )


def layer_name_from(text: str) -> str:
    """A valid layer name made from a folder's name (the default name): other characters become '-'."""
    name = _NOT_ALLOWED.sub("-", text).strip("-")[:MAX_LAYER_NAME_LENGTH].strip("-")
    return name or "layer"

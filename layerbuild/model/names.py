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
from layerbuild.facts.runtimes import ARCHITECTURES

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


# A built layer's file name: `NAME-RUNTIME-ARCH.zip`, e.g. `api-python3.12-arm64.zip`. `layerbuild build`
# writes it, `publish` takes the layer name from it and target detection reads the target back from it.
_TARGET_IN_NAME = re.compile(r"(python3\.\d+)-(%s)" % "|".join(map(re.escape, ARCHITECTURES)))
_NAME_THEN_TARGET = re.compile(r"(.+)-" + _TARGET_IN_NAME.pattern)


def layer_zip_name(name: str, runtime: str, arch: str) -> str:
    """The file name of layer `name` built for `runtime` and `arch`."""
    return f"{name}-{runtime}-{arch}.zip"


def target_in_name(filename: str) -> tuple[str, str] | None:
    """(runtime, arch) written anywhere in a file name, as `layer_zip_name` writes them."""
    match = _TARGET_IN_NAME.search(filename)
    return (match.group(1), match.group(2)) if match else None


def layer_name_of_zip(filename: str) -> str:
    """`api-python3.12-x86_64.zip` → `api`; a name not made by `layer_zip_name` → its stem."""
    stem = filename.removesuffix(".zip")
    match = _NAME_THEN_TARGET.fullmatch(stem)
    return match.group(1) if match else stem

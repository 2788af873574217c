"""A running build container of the right image for a target: the engine reached, the image pulled
once if missing and checked for the target's architecture, the container created (box.py), and the
image's interpreter of the target's Python minor version found. Removed when the session ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from layerbuild.errors import InputError
from layerbuild.install.container.box import BuildContainer
from layerbuild.install.container.engine import DOCKER_ARCH, default_network, engine_client, short_reason
from layerbuild.model.target import Target
from layerbuild.util.progress import note


@contextmanager
def image_session(
    image: str,
    target: Target,
    purpose: str,
    network: str | None = None,
    environment: dict[str, str] | None = None,
    mounts: dict[str, str] | None = None,
) -> Iterator[tuple[BuildContainer, str]]:
    """A running container of `image`, checked for the target (architecture, Python minor version):
    yields (BuildContainer, the image's python command); the container is removed afterwards."""
    client = engine_client(purpose)
    try:
        _ensure_image(client, image, target)
        with BuildContainer(
            client,
            image,
            network=network or default_network(client),
            environment=environment,
            mounts=mounts,
            platform=f"linux/{DOCKER_ARCH[target.arch]}",
        ) as box:
            yield box, _image_python_command(box, target.python_version)
    finally:
        client.close()


def _ensure_image(client: Any, image: str, target: Target) -> None:
    from docker.errors import APIError, ImageNotFound

    try:
        found = client.images.get(image)
    except ImageNotFound:
        note(f"Pulling {image} (once; later builds reuse it)")
        try:
            found = client.images.pull(image, platform=f"linux/{DOCKER_ARCH[target.arch]}")
        except APIError as exc:
            raise InputError(
                f"cannot pull build image {image} ({short_reason(exc)}): pull it yourself, "
                "or pass --image with an image the engine has"
            ) from None
    arch = found.attrs.get("Architecture")
    if arch and arch != DOCKER_ARCH[target.arch]:
        raise InputError(
            f"image {image} is for {arch}, but the target is {target.arch}: pass --image with "
            f"a {DOCKER_ARCH[target.arch]} image, or --arch to match the image"
        )


def _image_python_command(box: BuildContainer, version: str) -> str:
    """The image's interpreter of the target's minor version, or an error naming what the image has."""
    probe = (
        f"for p in python{version} python3 python; do "
        "if command -v $p >/dev/null 2>&1; then "
        "echo $p $($p -c 'import sys; print(\"%d.%d\" % sys.version_info[:2])'); fi; done"
    )
    _, out = box.run(["sh", "-c", probe])
    found = [line.split() for line in out.splitlines() if len(line.split()) == 2]
    for exe, ver in found:
        if ver == version:
            return exe
    have = ", ".join(sorted({ver for _, ver in found})) or "none"
    raise InputError(
        f"image {box.image} has no Python {version} (found: {have}): pass --image with a "
        f"python{version} build image, e.g. public.ecr.aws/sam/build-python{version}"
    )

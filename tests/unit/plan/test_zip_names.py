"""One zip-name pattern, NAME-RUNTIME-ARCH.zip: build writes it, publish and target detection read it."""

from __future__ import annotations

import pytest

from layerbuild.model.names import layer_name_of_zip, layer_zip_name, target_in_name
from layerbuild.model.target import parse_target_from_name


@pytest.mark.parametrize("name, runtime, arch", [("api", "python3.12", "arm64"), ("etl-deps", "python3.10", "x86_64")])
def test_the_name_build_writes_gives_back_the_layer_name_and_target(name, runtime, arch):
    filename = layer_zip_name(name, runtime, arch)
    assert filename == f"{name}-{runtime}-{arch}.zip"
    assert layer_name_of_zip(filename) == name
    assert target_in_name(filename) == (runtime, arch)
    assert parse_target_from_name(filename).slug == f"{runtime}-{arch}"


def test_a_name_the_build_did_not_write_keeps_its_stem():
    assert layer_name_of_zip("layer.zip") == "layer"
    assert layer_name_of_zip("python3.12-x86_64.zip") == "python3.12-x86_64"
    assert target_in_name("layer.zip") is None

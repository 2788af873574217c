"""Which wheels run on which Lambda target: the facts every other stage relies on."""

import pytest

from layerbuild.errors import InputError
from layerbuild.targets import RUNTIMES, Target, parse_target_from_name


def test_every_runtime_has_both_architectures_and_its_glibc():
    for runtime in ("python3.10", "python3.11"):
        assert Target(runtime, "x86_64").glibc == (2, 26)
    for runtime in ("python3.12", "python3.13", "python3.14"):
        assert Target(runtime, "arm64").glibc == (2, 34)
    assert set(RUNTIMES) == {"python3.10", "python3.11", "python3.12", "python3.13", "python3.14"}


@pytest.mark.parametrize(
    "runtime,arch,wheel,ok",
    [
        ("python3.11", "x86_64", "numpy-2.2.6-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", True),
        ("python3.11", "x86_64", "numpy-2.4.0-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl", False),
        ("python3.12", "x86_64", "numpy-2.4.0-cp312-cp312-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl", True),
        ("python3.11", "x86_64", "pkg-1.0-cp311-cp311-manylinux_2_26_x86_64.whl", True),  # uv cannot target 2_26
        ("python3.11", "x86_64", "pkg-1.0-cp311-cp311-manylinux_2_24_x86_64.whl", True),
        ("python3.12", "x86_64", "pkg-1.0-cp312-cp312-manylinux_2_35_x86_64.whl", False),
        ("python3.12", "x86_64", "pkg-1.0-cp312-cp312-manylinux_2_17_aarch64.whl", False),
        ("python3.12", "arm64", "pkg-1.0-cp312-cp312-manylinux_2_17_aarch64.whl", True),
        ("python3.12", "arm64", "pkg-1.0-cp312-cp312-manylinux2014_aarch64.whl", True),
        ("python3.12", "arm64", "pkg-1.0-cp312-cp312-manylinux1_x86_64.whl", False),
        ("python3.10", "x86_64", "pkg-1.0-cp310-cp310-manylinux1_x86_64.whl", True),
        ("python3.12", "x86_64", "cryptography-44.0.0-cp39-abi3-manylinux_2_28_x86_64.whl", True),
        ("python3.11", "x86_64", "cryptography-44.0.0-cp39-abi3-manylinux_2_28_x86_64.whl", False),
        ("python3.11", "x86_64", "pkg-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", False),
        ("python3.13", "x86_64", "pkg-1.0-cp313-cp313t-manylinux_2_17_x86_64.whl", False),  # free-threaded
        ("python3.12", "x86_64", "pkg-1.0-cp312-cp312-musllinux_1_2_x86_64.whl", False),
        ("python3.12", "x86_64", "pkg-1.0-cp312-cp312-macosx_11_0_arm64.whl", False),
        ("python3.12", "x86_64", "pkg-1.0-cp312-cp312-win_amd64.whl", False),
        ("python3.14", "arm64", "requests-2.32.0-py3-none-any.whl", True),
        ("python3.12", "x86_64", "six-1.16.0-py2.py3-none-any.whl", True),
        ("python3.12", "x86_64", "not-a-wheel.tar.gz", False),
    ],
)
def test_accepts_only_wheels_that_run_on_the_target(runtime, arch, wheel, ok):
    assert Target(runtime, arch).accepts(wheel) is ok


def test_uv_platform_uses_manylinux2014_for_amazon_linux_2_and_2_34_for_al2023():
    assert Target("python3.11", "x86_64").uv_platform == "x86_64-manylinux_2_17"
    assert Target("python3.12", "arm64").uv_platform == "aarch64-manylinux_2_34"


def test_build_image_and_compatible_runtimes_follow_the_runtime():
    t = Target("python3.13", "arm64")
    assert t.build_image == "public.ecr.aws/sam/build-python3.13:latest-arm64"
    assert t.compatible_runtimes == ("python3.13",)
    assert "python3.11" not in Target("python3.12", "x86_64").compatible_runtimes


@pytest.mark.parametrize("runtime,arch", [("python2.7", "x86_64"), ("python3.9", "x86_64"), ("python3.12", "arm")])
def test_unknown_runtime_or_arch_is_a_clear_input_error(runtime, arch):
    with pytest.raises(InputError, match="unknown"):
        Target(runtime, arch)


def test_target_is_read_from_a_layer_file_name():
    assert parse_target_from_name("dist/api-python3.12-arm64.zip") == Target("python3.12", "arm64")
    assert parse_target_from_name("layer.zip") is None

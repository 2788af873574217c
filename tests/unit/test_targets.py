"""Which wheels run on which Lambda target: the facts every other stage relies on."""

import json
from pathlib import Path

import pytest

from layerbuild.errors import InputError
from layerbuild.model.target import RUNTIMES, Target, parse_target_from_name


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


def test_uv_platform_covers_amazon_linux_2_from_above_and_al2023_exactly():
    # uv knows no manylinux_2_26: AL2 resolves at 2_28 and the resolver filters with Target.accepts.
    al2 = Target("python3.11", "x86_64")
    assert al2.uv_platform == "x86_64-manylinux_2_28" and not al2.uv_is_exact
    assert Target("python3.10", "arm64").uv_platform == "aarch64-manylinux_2_28"
    al2023 = Target("python3.12", "arm64")
    assert al2023.uv_platform == "aarch64-manylinux_2_34" and al2023.uv_is_exact


PANTS = Path(__file__).resolve().parents[1] / "data" / "pants_complete_platforms"


@pytest.mark.parametrize("runtime", ["python3.10", "python3.11", "python3.12", "python3.13", "python3.14"])
@pytest.mark.parametrize("arch", ["x86_64", "arm64"])
def test_supported_tags_are_the_real_runtimes_tag_sets_recorded_by_pants(runtime, arch):
    """The tags `/var/lang/bin/python3.X` accepts on Lambda (captured by Pants), minus plain `linux_*`
    tags, which only a wheel built on that very machine carries."""
    recorded = json.loads((PANTS / f"complete_platform_{runtime[6:]}-{arch}.json").read_text())
    real = {t for t in recorded["compatible_tags"] if "-linux_" not in t}
    assert Target(runtime, arch).supported_tags == real


@pytest.mark.parametrize(
    "runtime,arch,wheel,ok",
    [
        # A 2_24 or 2_26 wheel runs on AL2's glibc 2.26 (uv's manylinux_2_17 platform never offers them);
        # a 2_27/2_28 one does not, even when uv's 2_28 platform offers it.
        ("python3.11", "x86_64", "pandas-3.1.1-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl", True),
        ("python3.11", "arm64", "duckdb-1.5.6-cp311-cp311-manylinux_2_26_aarch64.whl", True),
        ("python3.11", "x86_64", "numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl", False),
        ("python3.10", "arm64", "x-1.0-cp310-cp310-manylinux_2_28_aarch64.whl", False),
    ],
)
def test_wheels_between_manylinux2014_and_2_28_are_judged_by_the_runtimes_glibc(runtime, arch, wheel, ok):
    assert Target(runtime, arch).accepts(wheel) is ok


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

"""The installed-wheel guard reads a WHEEL file's compressed tag line as the tag set it stands for."""

from __future__ import annotations

from pathlib import Path

from layerbuild.model.target import Target
from layerbuild.resolve.target_wheels import wheels_the_target_rejects


def _dist(tmp_path: Path, name: str, tag: str) -> None:
    info = tmp_path / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "WHEEL").write_text(f"Wheel-Version: 1.0\nGenerator: maturin (1.8)\nRoot-Is-Purelib: false\nTag: {tag}\n")


def test_a_compressed_manylinux_tag_line_is_accepted_when_one_of_its_tags_fits(tmp_path: Path) -> None:
    _dist(tmp_path, "pydantic_core", "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64")
    assert wheels_the_target_rejects(tmp_path, Target("python3.12", "x86_64")) == []


def test_a_compressed_tag_line_for_another_machine_is_still_rejected(tmp_path: Path) -> None:
    _dist(tmp_path, "pydantic_core", "cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64")
    assert wheels_the_target_rejects(tmp_path, Target("python3.12", "x86_64")) != []

"""`sam build` calls layerbuild: a layer with `Metadata: BuildMethod: makefile` whose Makefile target runs
`layerbuild build … --into "$(ARTIFACTS_DIR)"` (tests/data/sam-makefile-layer, docs/sam.md)."""

from __future__ import annotations

import shutil
import zipfile

import pytest

from tests.conftest import ROOT, run_cli

pytestmark = pytest.mark.network

APP = ROOT / "tests" / "data" / "sam-makefile-layer"


def test_sam_build_builds_the_layer_through_layerbuild_into_artifacts_dir(tmp_path, sam, shared_cache_dir):
    app = tmp_path / "app"
    shutil.copytree(APP, app)
    env = {"LAYERBUILD_CACHE_DIR": str(shared_cache_dir)}
    build = sam("sam", "build", cwd=app, env=env)
    assert build.returncode == 0, build.stdout + build.stderr
    layer = app / ".aws-sam" / "build" / "DepsLayer"
    built = sorted(p.relative_to(layer).as_posix() for p in layer.rglob("*") if p.is_file())
    # The same tree a plain `layerbuild build` zips: slimmed, with bytecode, under python/.
    direct = run_cli(
        "-q",
        "build",
        str(APP / "layer" / "requirements.txt"),
        "--runtime",
        "python3.11",
        "-o",
        str(tmp_path / "dist"),
        env=env,
    )
    assert direct.code == 0, direct.stderr
    with zipfile.ZipFile(next((tmp_path / "dist").glob("*.zip"))) as zf:
        assert built == sorted(n for n in zf.namelist() if not n.endswith("/"))
    assert any(name.startswith("python/attrs/__pycache__/") for name in built)
    assert sorted(p.name for p in (app / ".aws-sam" / "build" / "ApiFunction").iterdir()) == ["app.py"]
    # sam build ran the recipe in its scratch copy: the source folder holds only what it held.
    assert sorted(p.name for p in (app / "layer").iterdir()) == ["Makefile", "requirements.txt"]

"""`layerbuild.cdk.LayerbuildLayer` in a real aws-cdk-lib app: `app.synth()` (CDK's Node runtime, jsii)
in a subprocess, as `cdk synth` runs a user's app. Real packages from the index.

What is proved: the asset folder holds `python/…` with exactly the files `layerbuild build` puts in the
zip (slimmed, with .pyc of the runtime's version); the template's layer has the right
CompatibleRuntimes/Architectures and the asset; a second synth of the same lock has the same asset
hash and does not bundle again (layerbuild's own line "building layer … for CDK" is counted); a synth
into a fresh cloud assembly bundles, and the layer comes from layerbuild's build cache (`cached`).
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import run_cli

pytest.importorskip("aws_cdk", reason="aws-cdk-lib is in the test extra (layerbuild[cdk])")

pytestmark = [pytest.mark.network]

APP = """
import sys
import aws_cdk as cdk
from aws_cdk import aws_lambda
from layerbuild.cdk import LayerbuildLayer
from layerbuild.errors import LayerbuildError

outdir, requirements, runtime = sys.argv[1:4]
app = cdk.App(outdir=outdir)
stack = cdk.Stack(app, "Layers")
try:
    LayerbuildLayer(stack, "Deps", requirements=requirements,
                    runtime=getattr(aws_lambda.Runtime, runtime) if runtime.isupper() else runtime,
                    architecture=aws_lambda.Architecture.ARM_64, slim="safe")
except LayerbuildError as exc:
    print(f"error: {exc}", file=sys.stderr)
    sys.exit(2)
app.synth()
"""


def _synth(tmp_path: Path, outdir: Path, runtime: str = "python3.12") -> subprocess.CompletedProcess[str]:
    app = tmp_path / "app.py"
    app.write_text(APP)
    return subprocess.run(
        [sys.executable, str(app), str(outdir), str(tmp_path / "requirements.txt"), runtime],
        capture_output=True,
        text=True,
        timeout=900,
    )


def _layer(outdir: Path) -> dict:
    template = json.loads((outdir / "Layers.template.json").read_text())
    (layer,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::LayerVersion"]
    return layer


def _asset_hash(outdir: Path) -> str:
    manifest = json.loads((outdir / "Layers.assets.json").read_text())
    (asset_hash,) = [h for h, a in manifest["files"].items() if a["source"]["path"].startswith("asset.")]
    return asset_hash


def test_a_cdk_app_synthesises_a_layer_layerbuild_built_and_an_unchanged_lock_reuses_the_asset(tmp_path, cache_dir):
    (tmp_path / "requirements.txt").write_text("six==1.16.0\nidna==3.7\n")
    out = tmp_path / "cdk.out"
    first = _synth(tmp_path, out)
    assert first.returncode == 0, first.stderr
    assert first.stderr.count("building layer Deps for CDK") == 1

    layer = _layer(out)["Properties"]
    assert layer["CompatibleRuntimes"] == ["python3.12"]
    assert layer["CompatibleArchitectures"] == ["arm64"]
    asset_hash = _asset_hash(out)
    assert layer["Content"]["S3Key"] == f"{asset_hash}.zip"
    asset = out / f"asset.{asset_hash}"
    files = {str(p.relative_to(asset)) for p in asset.rglob("*") if p.is_file()}
    assert all(f.startswith("python/") for f in files)
    assert "python/six.py" in files and "python/idna/__init__.py" in files
    assert "python/__pycache__/six.cpython-312.pyc" in files

    # The same content `layerbuild build` zips for these requirements: slimmed, with its bytecode.
    built = run_cli(
        "build", str(tmp_path / "requirements.txt"), "--arch", "arm64", "-o", str(tmp_path / "dist"), "--name", "x"
    )
    assert built.code == 0, built.stderr
    with zipfile.ZipFile(tmp_path / "dist" / "x-python3.12-arm64.zip") as zf:
        assert files == {n for n in zf.namelist() if not n.endswith("/")}

    # Same lock, same cloud assembly: the same asset hash and no bundling at all.
    second = _synth(tmp_path, out)
    assert second.returncode == 0, second.stderr
    assert _asset_hash(out) == asset_hash
    assert "building layer" not in second.stderr

    # A fresh cloud assembly bundles again, and the layer comes from layerbuild's build cache.
    third = _synth(tmp_path, tmp_path / "cdk.out.2")
    assert third.returncode == 0, third.stderr
    assert _asset_hash(tmp_path / "cdk.out.2") == asset_hash
    assert "layerbuild: cached: Deps" in third.stderr

    # A changed lock is a new asset.
    (tmp_path / "requirements.txt").write_text("six==1.16.0\nidna==3.6\n")
    fourth = _synth(tmp_path, out)
    assert fourth.returncode == 0, fourth.stderr
    assert _asset_hash(out) != asset_hash and "building layer Deps" in fourth.stderr


def test_a_runtime_that_is_not_python_is_one_clear_error(tmp_path, cache_dir):
    (tmp_path / "requirements.txt").write_text("six==1.16.0\n")
    result = _synth(tmp_path, tmp_path / "cdk.out", runtime="NODEJS_20_X")
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "runtime nodejs20.x is not a Python runtime" in lines[0]
    assert "Traceback" not in result.stderr and not (cache_dir / "cdk").exists()  # nothing resolved or written


FALLBACK_APP = """
import sys
import aws_cdk as cdk
import layerbuild.build.pipeline
from layerbuild.cdk import LayerbuildLayer
from layerbuild.errors import EnvironmentProblem

def cannot_build_here(*args, **kwargs):
    raise EnvironmentProblem("no Python 3.11 interpreter here (injected by the test)")

# Fault injection: make the local build fail as it does on a machine that cannot build this target.
# Everything after it is real: CDK's Docker bundling, the engine, the stand-in build image, pip, the index.
layerbuild.build.pipeline.build_layer = cannot_build_here
outdir, requirements, image = sys.argv[1:4]
app = cdk.App(outdir=outdir)
stack = cdk.Stack(app, "Layers")
LayerbuildLayer(stack, "Deps", requirements=requirements, runtime="python3.11", image=image, network="host")
app.synth()
"""


@pytest.mark.docker
def test_when_the_local_build_cannot_run_cdk_docker_bundling_installs_the_same_lock(
    tmp_path, cache_dir, stand_in_image
):
    (tmp_path / "requirements.txt").write_text("six==1.16.0\n")
    app = tmp_path / "fallback_app.py"
    app.write_text(FALLBACK_APP)
    out = tmp_path / "cdk.out"
    result = subprocess.run(
        [sys.executable, str(app), str(out), str(tmp_path / "requirements.txt"), stand_in_image],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "local bundling of Deps cannot run here" in line]
    assert len(warnings) == 1 and "CDK's Docker bundling runs instead" in warnings[0]
    asset = out / f"asset.{_asset_hash(out)}"
    files = {str(p.relative_to(asset)) for p in asset.rglob("*") if p.is_file()}
    assert "python/six.py" in files
    assert any(f.startswith("python/six-1.16.0.dist-info/") for f in files)
    assert _layer(out)["Properties"]["CompatibleRuntimes"] == ["python3.11"]

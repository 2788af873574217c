"""`build --sam` + `plan --sam --write-template` on a realistic SAM app, checked by the real SAM CLI and cfn-lint.

tests/data/sam-orders-app: four python3.11 functions (an API and a worker sharing requests, a worker and a
report sharing attrs, a health check without dependencies), Globals (Runtime, an existing layer by
parameter, environment), Conditions, !Sub/!GetAtt/!If/!Equals, an ARN layer, a hand-made LayerVersion.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from layerbuild.plan.sam import read_template
from tests.conftest import ROOT, run_cli

pytestmark = pytest.mark.network

APP = ROOT / "tests" / "data" / "sam-orders-app"
FUNCTIONS = ("ApiFunction", "WorkerFunction", "ReportsFunction", "HealthFunction")


@pytest.fixture(scope="module")
def wired(tmp_path_factory, shared_cache_dir) -> Path:
    """The app copied to a temporary folder, its layers built, `out/template.yaml` written."""
    app = tmp_path_factory.mktemp("sam") / "app"
    shutil.copytree(APP, app)
    env = {"LAYERBUILD_CACHE_DIR": str(shared_cache_dir)}
    built = run_cli("-q", "build", "--sam", "template.yaml", "-o", "dist", cwd=app, env=env)
    assert built.code == 0, built.stderr
    wrote = run_cli(
        "-q", "plan", "--sam", "template.yaml", "-o", "dist", "--write-template", "out/template.yaml", cwd=app, env=env
    )
    assert wrote.code == 0, wrote.stderr
    return app


def _layer_tops(zip_path: Path) -> set[str]:
    """The top-level names (packages, modules, dist-info) a layer zip carries under python/."""
    with zipfile.ZipFile(zip_path) as zf:
        return {n.split("/")[1] for n in zf.namelist() if n.startswith("python/") and n.count("/") >= 1}


def test_written_template_passes_cfn_lint_and_sam_validate_lint(wired, sam):
    lint = sam("cfn-lint", "out/template.yaml", cwd=wired)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    validate = sam("sam", "validate", "--lint", "-t", "out/template.yaml", cwd=wired)
    assert validate.returncode == 0, validate.stdout + validate.stderr
    assert "is a valid SAM Template" in validate.stdout + validate.stderr


def test_sam_build_puts_each_functions_code_and_none_of_its_layers_packages_in_it(wired, sam):
    out = wired / "out"
    build = sam("sam", "build", "-t", "template.yaml", cwd=out)
    assert build.returncode == 0, build.stdout + build.stderr
    written = read_template(out / "template.yaml")["Resources"]
    for fn in FUNCTIONS:
        folder = out / ".aws-sam" / "build" / fn
        code = APP / "src" / fn.removesuffix("Function").lower()
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            p.name for p in code.iterdir() if p.name != "requirements.txt"
        ), fn
        assert (folder / "app.py").read_bytes() == (code / "app.py").read_bytes()
        refs = [
            x["Ref"] for x in written[fn]["Properties"]["Layers"] if isinstance(x, dict) and x.get("Ref") in written
        ]
        carried = set()
        for ref in refs:
            uri = written[ref]["Properties"]["ContentUri"]
            if str(uri).endswith(".zip"):  # a planned layer: its packages must not be in the function too
                carried |= _layer_tops(out / uri)
        assert carried or fn == "HealthFunction"
        assert not carried & {p.name for p in folder.iterdir()}, fn
    assert {"requests", "urllib3", "idna"} <= _layer_tops(wired / "dist" / "shared-1-python3.11-x86_64.zip")


def test_each_function_gets_its_planned_layers_first_then_globals_then_its_own(wired):
    written = read_template(wired / "out" / "template.yaml")
    res = written["Resources"]
    layers = {fn: res[fn]["Properties"].get("Layers") for fn in FUNCTIONS}
    globals_layer = {"Ref": "PowertoolsLayerArn"}
    assert layers["ApiFunction"] == [{"Ref": "Shared1Layer"}, globals_layer, {"Ref": "CommonLayer"}]
    assert layers["WorkerFunction"] == [{"Ref": "Shared1Layer"}, {"Ref": "Shared2Layer"}, globals_layer]
    assert layers["ReportsFunction"] == [
        {"Ref": "Shared2Layer"},
        globals_layer,
        "arn:aws:lambda:us-east-1:123456789012:layer:fonts:3",
    ]
    assert layers["HealthFunction"] == [globals_layer]  # no planned layer, still Globals' one
    assert "Layers" not in written["Globals"]["Function"]  # moved, so that SAM cannot put it first
    for name, runtime_layer in (("Shared1Layer", "shared-1"), ("Shared2Layer", "shared-2")):
        props = res[name]["Properties"]
        assert res[name]["Type"] == "AWS::Serverless::LayerVersion"
        assert props["LayerName"] == runtime_layer
        assert props["CompatibleRuntimes"] == ["python3.11"] and props["CompatibleArchitectures"] == ["x86_64"]
        assert props["RetentionPolicy"] == "Retain"
        assert (wired / "out" / props["ContentUri"]).resolve() == (
            wired / "dist" / f"{runtime_layer}-python3.11-x86_64.zip"
        ).resolve()


def test_comments_intrinsics_and_key_order_survive(wired):
    original_text = (wired / "template.yaml").read_text()
    text = (wired / "out" / "template.yaml").read_text()
    for line in original_text.splitlines():
        if line.strip().startswith("#"):
            assert line in text, line  # a comment line stays where it was
        elif "  # " in line:  # an end-of-line comment stays with its value, even one moved from Globals
            value, comment = line.split("  # ", 1)
            assert any(
                v.strip() == value.strip() and c.strip() == comment.strip()
                for v, _, c in (x.partition(" #") for x in text.splitlines())
            ), line
    for short in ('!Sub "orders-${Stage}"', "!GetAtt OrdersQueue.Arn", "!If [IsProd, INFO, DEBUG]", "!Equals [!Ref"):
        assert short in text, short
    before, after = read_template(wired / "template.yaml"), read_template(wired / "out" / "template.yaml")
    assert list(after) == list(before)
    assert [k for k in after["Resources"] if k in before["Resources"]] == list(before["Resources"])
    for name, resource in before["Resources"].items():
        props, new = resource.get("Properties", {}), after["Resources"][name].get("Properties", {})
        assert [k for k in new if k in props] == list(props), name
        for key in set(props) - {"Layers", "CodeUri", "ContentUri"}:
            assert new[key] == props[key], (name, key)
    assert after["Conditions"] == before["Conditions"] and after["Outputs"] == before["Outputs"]


def test_a_json_template_is_written_as_json_with_the_same_wiring(wired, sam, shared_cache_dir):
    as_json = wired / "template.json"
    as_json.write_text(json.dumps(read_template(wired / "template.yaml"), indent=2))
    env = {"LAYERBUILD_CACHE_DIR": str(shared_cache_dir)}
    wrote = run_cli(
        "-q",
        "plan",
        "--sam",
        "template.json",
        "-o",
        "dist",
        "--write-template",
        "outj/template.json",
        cwd=wired,
        env=env,
    )
    assert wrote.code == 0, wrote.stderr
    data = json.loads((wired / "outj" / "template.json").read_text())
    assert data["Resources"]["ApiFunction"]["Properties"]["Layers"][0] == {"Ref": "Shared1Layer"}
    assert data["Resources"]["WorkerFunction"]["Properties"]["Environment"]["Variables"]["LOG_LEVEL"] == {
        "Fn::If": ["IsProd", "INFO", "DEBUG"]
    }
    lint = sam("cfn-lint", "outj/template.json", cwd=wired)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_nothing_is_written_outside_the_templates_folder_and_the_build_output(wired):
    out = wired / "out"
    assert sorted(p.name for p in out.iterdir() if p.name != ".aws-sam") == ["template-functions", "template.yaml"]
    assert sorted(p.name for p in (out / "template-functions").iterdir()) == [
        "ApiFunction",
        "ReportsFunction",
        "WorkerFunction",
    ]
    for src in (APP / "src").iterdir():  # the user's code folders are untouched
        assert sorted(p.name for p in (wired / "src" / src.name).iterdir()) == sorted(p.name for p in src.iterdir())

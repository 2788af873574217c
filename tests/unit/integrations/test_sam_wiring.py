"""`plan --write-template` wiring (integrations/sam_template.py, sam_stage.py) on small templates and plans
made here: no index, no SAM CLI (tests/integration/sam runs the real one on a realistic app)."""

from __future__ import annotations

from pathlib import Path

import pytest

from layerbuild.errors import InputError
from layerbuild.integrations.sam_template import write_template
from layerbuild.plan.functions import FunctionSpec
from layerbuild.plan.model import LayerPlan, Package, PlannedFunction, PlannedLayer
from layerbuild.plan.sam import read_template

SIX = Package("six", "1.16.0", 100, 50)
ATTRS = Package("attrs", "24.2.0", 100, 50)


def _app(root: Path, template: str, functions: dict[str, str]) -> Path:
    for folder, reqs in functions.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / "app.py").write_text("def handler(e, c):\n    return 1\n")
        (root / folder / "requirements.txt").write_text(reqs)
    (root / "template.yaml").write_text(template)
    (root / "dist").mkdir(exist_ok=True)
    (root / "dist" / "shared-1-python3.12-x86_64.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    return root / "template.yaml"


def _plan(bundled: tuple[Package, ...] = (), fn_layers=("shared-1",)) -> LayerPlan:
    layer = PlannedLayer("shared-1", "python3.12", "x86_64", "shared", (SIX,), ("Api",), (("six", ("Api",)),), "")
    fn = PlannedFunction("Api", "python3.12", "x86_64", tuple(fn_layers), (), bundled, 10, 110, 0)
    return LayerPlan((layer,), (fn,))


def _spec(root: Path, code: str = "api") -> tuple[FunctionSpec, ...]:
    folder = root / code
    return (FunctionSpec("Api", folder / "requirements.txt", "python3.12", "x86_64", (), folder),)


def _zips(root: Path) -> dict[str, Path]:
    return {"shared-1": root / "dist" / "shared-1-python3.12-x86_64.zip"}


FN = """Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: {code}
      Handler: app.handler
      Runtime: python3.12
"""


def test_packages_the_plan_bundles_are_the_staged_functions_only_requirements(tmp_path):
    template = _app(tmp_path, FN.format(code="api/"), {"api": "six\nattrs\n"})
    (tmp_path / "api" / "pyproject.toml").write_text("[project]\nname = 'api'\n")
    write_template(template, tmp_path / "out" / "t.yaml", _plan(bundled=(ATTRS,)), _zips(tmp_path), _spec(tmp_path))
    staged = tmp_path / "out" / "t-functions" / "Api"
    assert sorted(p.name for p in staged.iterdir()) == ["app.py", "requirements.txt"]
    assert (staged / "requirements.txt").read_text() == "attrs==24.2.0\n"  # six is in shared-1
    props = read_template(tmp_path / "out" / "t.yaml")["Resources"]["Api"]["Properties"]
    assert props["CodeUri"] == "t-functions/Api"
    assert props["Layers"] == [{"Ref": "Shared1Layer"}]


def test_a_code_folder_holding_the_output_is_staged_without_it(tmp_path):
    template = _app(tmp_path, FN.format(code="."), {".": "six\n"})
    write_template(template, tmp_path / "out" / "t.yaml", _plan(), _zips(tmp_path), _spec(tmp_path, "."))
    write_template(template, tmp_path / "out" / "t.yaml", _plan(), _zips(tmp_path), _spec(tmp_path, "."))
    staged = tmp_path / "out" / "t-functions" / "Api"
    assert sorted(p.name for p in staged.iterdir()) == ["app.py", "template.yaml"]  # no dist/, out/, requirements
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_local_paths_of_other_resources_are_rewritten_for_the_new_folder_and_s3_ones_kept(tmp_path):
    body = FN.format(code="api/") + (
        "  Spec:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: v1\n      DefinitionUri: api.yaml\n"
        "  Old:\n    Type: AWS::Serverless::LayerVersion\n    Properties:\n      ContentUri: s3://bucket/old.zip\n"
        "  Machine:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      DefinitionUri: /abs/sm.json\n"
    )
    template = _app(tmp_path, body, {"api": "six\n"})
    write_template(template, tmp_path / "deep" / "out" / "t.yaml", _plan(), _zips(tmp_path), _spec(tmp_path))
    res = read_template(tmp_path / "deep" / "out" / "t.yaml")["Resources"]
    assert res["Spec"]["Properties"]["DefinitionUri"] == "../../api.yaml"
    assert res["Old"]["Properties"]["ContentUri"] == "s3://bucket/old.zip"
    assert res["Machine"]["Properties"]["DefinitionUri"] == "/abs/sm.json"
    assert res["Shared1Layer"]["Properties"]["ContentUri"] == "../../dist/shared-1-python3.12-x86_64.zip"


def test_globals_function_is_dropped_when_its_layers_were_all_it_held_and_other_globals_stay(tmp_path):
    body = (
        "Globals:\n  Function:\n    Layers:\n      - arn:aws:lambda:us-east-1:123456789012:layer:x:1\n"
        "  Api:\n    Cors: \"'*'\"\n" + FN.format(code="api/")
    )
    template = _app(tmp_path, body, {"api": "six\n"})
    write_template(template, tmp_path / "out" / "t.yaml", _plan(), _zips(tmp_path), _spec(tmp_path))
    data = read_template(tmp_path / "out" / "t.yaml")
    assert data["Globals"] == {"Api": {"Cors": "'*'"}}
    assert data["Resources"]["Api"]["Properties"]["Layers"] == [
        {"Ref": "Shared1Layer"},
        "arn:aws:lambda:us-east-1:123456789012:layer:x:1",
    ]


def test_a_layer_id_already_in_the_template_gets_another(tmp_path):
    body = FN.format(code="api/") + "  Shared1Layer:\n    Type: AWS::SQS::Queue\n"
    template = _app(tmp_path, body, {"api": "six\n"})
    write_template(template, tmp_path / "out" / "t.yaml", _plan(), _zips(tmp_path), _spec(tmp_path))
    res = read_template(tmp_path / "out" / "t.yaml")["Resources"]
    assert res["Shared1Layer"]["Type"] == "AWS::SQS::Queue"
    assert res["Shared1Layer2"]["Type"] == "AWS::Serverless::LayerVersion"
    assert res["Api"]["Properties"]["Layers"] == [{"Ref": "Shared1Layer2"}]


def test_a_function_built_by_its_own_makefile_is_refused_and_nothing_is_written(tmp_path):
    body = FN.format(code="api/") + "    Metadata:\n      BuildMethod: makefile\n"
    template = _app(tmp_path, body, {"api": "six\n"})
    with pytest.raises(InputError, match="BuildMethod makefile"):
        write_template(template, tmp_path / "out" / "t.yaml", _plan(), _zips(tmp_path), _spec(tmp_path))
    assert not (tmp_path / "out").exists()


def test_layers_written_as_an_intrinsic_are_refused_in_one_line(tmp_path):
    body = FN.format(code="api/") + "      Layers: !If [IsProd, [a], [b]]\n"
    template = _app(tmp_path, body, {"api": "six\n"})
    with pytest.raises(InputError, match="not a list"):
        write_template(template, tmp_path / "out" / "t.yaml", _plan(), _zips(tmp_path), _spec(tmp_path))

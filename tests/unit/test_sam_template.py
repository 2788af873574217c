"""SAM template discovery: Python zip functions, their code, requirements, runtime, arch and layers."""

from __future__ import annotations

from pathlib import Path

import pytest

from layerbuild.config import BuildOptions
from layerbuild.errors import InputError
from layerbuild.plan.sam import functions_from_sam
from tests.conftest import SAMPLES, run_cli


def write(tmp_path: Path, template: str, folders=("src/a", "src/b")) -> Path:
    for folder in folders:
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "app.py").write_text("def handler(e, c):\n    return e\n")
    (tmp_path / "src/a/requirements.txt").parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / "src/a/requirements.txt").write_text("requests\n")
    path = tmp_path / "template.yaml"
    path.write_text(template)
    return path


def test_the_sample_template_gives_the_three_sample_functions_with_their_requirements():
    specs = functions_from_sam(SAMPLES / "template.yaml", BuildOptions())
    assert [s.name for s in specs] == ["api", "etl", "worker"]
    for spec in specs:
        assert spec.requirements == SAMPLES / spec.name / "requirements.txt"
        assert spec.code == SAMPLES / spec.name
        # Runtime is `!Ref PythonRuntime` in Globals: the parameter's Default.
        assert (spec.runtime, spec.arch, spec.layers) == ("python3.12", "x86_64", ())


def test_every_short_form_tag_parses_and_globals_apply_with_layers_prepended(tmp_path):
    path = write(
        tmp_path,
        """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Env: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Mappings:
  Sizes: {prod: {mem: 1024}}
Globals:
  Function:
    Runtime: python3.11
    Architectures: [arm64]
    Layers: [!Ref OtelLayer]
    MemorySize: !FindInMap [Sizes, !Ref Env, mem]
Resources:
  OtelLayer:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: layer/}
  A:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/a
      Handler: app.handler
      Layers:
        - !Sub "arn:aws:lambda:${AWS::Region}:123456789012:layer:extra:1"
        - arn:aws:lambda:us-east-1:123456789012:layer:plain:2
      Environment:
        Variables:
          TABLE: !GetAtt Table.Arn
          NAME: !Join ["-", [!Ref "AWS::StackName", !Select [0, !Split [",", "a,b"]]]]
          ZONE: !Select [0, !GetAZs ""]
          OTHER: !ImportValue shared-value
          BLOB: !Base64 hello
          MAYBE: !If [IsProd, !Ref "AWS::NoValue", x]
          COND: !Condition IsProd
          CIDR: !Cidr ["10.0.0.0/16", 2, 8]
  B:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/b
      Runtime: python3.13
      Architectures: [x86_64]
  Table:
    Type: AWS::DynamoDB::Table
""",
    )
    a, b = functions_from_sam(path, BuildOptions())
    assert (a.name, a.runtime, a.arch) == ("A", "python3.11", "arm64")
    assert a.requirements == tmp_path / "src/a/requirements.txt"
    assert a.layers == (
        "!Ref OtelLayer",
        "!Sub arn:aws:lambda:${AWS::Region}:123456789012:layer:extra:1",
        "arn:aws:lambda:us-east-1:123456789012:layer:plain:2",
    )
    # No requirements.txt: no dependencies, only its code counts.
    assert (b.name, b.runtime, b.arch, b.requirements, b.layers) == (
        "B",
        "python3.13",
        "x86_64",
        None,
        ("!Ref OtelLayer",),
    )


def test_functions_layerbuild_cannot_plan_are_skipped(tmp_path, capsys):
    path = write(
        tmp_path,
        """
Resources:
  Img: {Type: AWS::Serverless::Function, Properties: {PackageType: Image, ImageUri: x}}
  Node: {Type: AWS::Serverless::Function, Properties: {Runtime: nodejs20.x, CodeUri: src/b, Handler: a.b}}
  Inline: {Type: AWS::Serverless::Function, Properties: {Runtime: python3.12, InlineCode: "x = 1", Handler: a.b}}
  S3: {Type: AWS::Serverless::Function, Properties: {Runtime: python3.12, CodeUri: {Bucket: b, Key: k}, Handler: a.b}}
  Py: {Type: AWS::Serverless::Function, Properties: {Runtime: python3.12, CodeUri: src/a, Handler: app.handler}}
""",
    )
    (spec,) = functions_from_sam(path, BuildOptions())
    assert spec.name == "Py"
    err = capsys.readouterr().err
    for name in ("Img", "Node", "Inline", "S3"):
        assert f"{name}:" in err


@pytest.mark.parametrize(
    "template, expected",
    [
        ("Resources:\n  A: {Type: AWS::Serverless::Function\n", r"is not valid YAML at line \d+"),
        ("Resources: [1, 2]\n", "has no Resources section"),
        ("Resources:\n  A: {Type: AWS::Serverless::Function, Properties: {CodeUri: src/a}}\n", r"A: no Runtime"),
        (
            "Parameters: {R: {Type: String}}\nResources:\n  A: {Type: AWS::Serverless::Function, Properties: {CodeUri: src/a, Runtime: !Ref R}}\n",
            r"A: Runtime is !Ref R, which has no Default",
        ),
        (
            "Resources:\n  A: {Type: AWS::Serverless::Function, Properties: {CodeUri: src/a, Runtime: python3.8}}\n",
            r"A: Runtime 'python3.8' is not a Lambda Python runtime",
        ),
        (
            "Resources:\n  A: {Type: AWS::Serverless::Function, Properties: {CodeUri: gone/, Runtime: python3.12}}\n",
            r"A: CodeUri 'gone/' is not a folder",
        ),
        (
            "Resources:\n  A: {Type: AWS::Serverless::Function, Properties: {CodeUri: src/a, Runtime: python3.12, Architectures: [x86_64, arm64]}}\n",
            r"A: Architectures must be \[x86_64\] or \[arm64\]",
        ),
        ("Resources:\n  T: {Type: AWS::SQS::Queue}\n", "has no Python AWS::Serverless::Function"),
    ],
)
def test_a_template_that_cannot_be_used_is_one_line_naming_the_problem(tmp_path, template, expected):
    path = write(tmp_path, template)
    with pytest.raises(InputError, match=expected) as info:
        functions_from_sam(path, BuildOptions())
    assert "\n" not in str(info.value) and str(path) in str(info.value)


def test_plan_with_a_malformed_template_exits_2_with_one_line(tmp_path):
    path = write(tmp_path, "Resources:\n  A: !Ref [unclosed\n")
    result = run_cli("plan", "--sam", str(path))
    assert result.code == 2 and result.stderr.count("\n") == 1
    assert "is not valid YAML" in result.stderr and "Traceback" not in result.stderr


def test_plan_refuses_functions_from_both_a_config_and_a_template(tmp_path):
    path = write(
        tmp_path,
        "Resources:\n  A: {Type: AWS::Serverless::Function, Properties: {CodeUri: src/a, Runtime: python3.12}}\n",
    )
    config = tmp_path / "layerbuild.toml"
    config.write_text('[functions.a]\nrequirements = "src/a/requirements.txt"\n')
    result = run_cli("plan", "--config", str(config), "--sam", str(path))
    assert result.code == 2 and "use one of them" in result.stderr

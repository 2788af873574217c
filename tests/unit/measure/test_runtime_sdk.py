"""Which packages of a layer shadow a dependency of the runtime's SDK outside its declared range."""

from __future__ import annotations

import pytest

from layerbuild.audit.rules import RULES
from layerbuild.facts.runtime_sdk import REQUIREMENTS, RUNTIME_SDK
from layerbuild.measure.runtime_sdk import shadowed
from layerbuild.model.target import RUNTIMES, Target

PY312 = Target("python3.12", "x86_64")


def test_every_runtime_has_its_sdk_and_every_sdk_version_its_declared_requirements():
    assert set(RUNTIME_SDK) == set(RUNTIMES)
    for sdk in RUNTIME_SDK.values():
        assert {"boto3", "botocore", "s3transfer"} <= set(sdk)
        for dist, version in sdk.items():
            assert (dist, version) in REQUIREMENTS, (dist, version)


def test_dateutil_past_3_is_named_with_both_versions():
    found = shadowed({"pandas": "3.1.1", "python-dateutil": "4.0.0", "numpy": "2.5.5"}, PY312)
    botocore = RUNTIME_SDK["python3.12"]["botocore"]
    assert [s.message for s in found] == [
        f"python-dateutil 4.0.0 in the layer shadows the runtime's; botocore {botocore} of python3.12 requires "
        "python-dateutil<3.0.0,>=2.1"
    ]


@pytest.mark.parametrize(
    "layer, flagged",
    [
        ({"python-dateutil": "2.9.0.post0"}, []),
        ({"python_dateutil": "3.0.0"}, ["python-dateutil"]),  # names compare normalised
        ({"urllib3": "2.2.0"}, ["urllib3"]),  # botocore excludes exactly this release on Python >= 3.10
        ({"urllib3": "2.3.0"}, []),
        ({"urllib3": "3.0.0"}, ["urllib3"]),
        ({"jmespath": "2.0.0"}, ["jmespath"]),
        ({"six": "1.4.0"}, ["six"]),  # the runtime's python-dateutil needs six>=1.5
        ({"s3transfer": "0.20.0"}, ["s3transfer"]),  # the runtime's boto3 declares its minor range
    ],
)
def test_each_sdk_dependency_is_judged_by_the_range_the_runtime_declares(layer, flagged):
    assert [s.package for s in shadowed(layer, PY312)] == flagged


def test_a_layer_that_ships_its_own_botocore_is_judged_by_the_runtimes_boto3_not_its_botocore():
    # botocore from the layer is what imports: the runtime's botocore (and its dateutil range) never runs,
    # but the runtime's boto3 does, with the layer's botocore.
    found = shadowed({"botocore": "1.44.8", "python-dateutil": "4.0.0"}, PY312)
    assert [(s.package, [d for d, _, _ in s.needs]) for s in found] == [("botocore", ["boto3"])]
    assert (
        shadowed({"boto3": "1.44.8", "botocore": "1.44.8", "s3transfer": "0.19.0", "python-dateutil": "2.9.0"}, PY312)
        == []
    )


def test_a_package_two_sdk_distributions_need_is_one_shadow_naming_both():
    (found,) = shadowed({"jmespath": "2.0.0"}, PY312)
    assert [d for d, _, _ in found.needs] == ["boto3", "botocore"]
    assert found.message.count("requires jmespath<2.0.0,>=0.7.1") == 2 and found.specifier == "<2.0.0,>=0.7.1"


def test_the_audit_rule_is_a_warning_with_a_fix():
    rule = RULES["LB403"]
    assert rule.name == "shadows-runtime-sdk" and rule.severity == "warning" and "--keep-runtime-packages" in rule.fix

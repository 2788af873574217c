"""`layerbuild plan` and `layerbuild build --config` on real packages from the index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from layerbuild.facts.limits import MAX_LAYERS_PER_FUNCTION, MAX_UNZIPPED_BYTES
from layerbuild.facts.runtime_packages import RUNTIME_PROVIDED
from layerbuild.measure.inventory import inventory_of_zip
from layerbuild.model.target import Target
from layerbuild.resolve.resolver import lock_requirements
from layerbuild.resolve.runtime_provided import runtime_provided_closure

from ..conftest import SAMPLES, run_cli

pytestmark = pytest.mark.network


def _plan(cache: Path, *args: str, fmt: str = "json", cwd: Path | None = None):
    result = run_cli("plan", *args, "--format", fmt, env={"LAYERBUILD_CACHE_DIR": str(cache)}, cwd=cwd)
    return result


@pytest.fixture(scope="module")
def plan_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("plan-cache")


@pytest.fixture(scope="module")
def sample_plan(plan_cache) -> dict:
    result = _plan(plan_cache, "--config", str(SAMPLES / "layerbuild.toml"))
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def sample_closures() -> dict[str, set[str]]:
    """Each sample function's packages, resolved here independently of the planner."""
    target = Target("python3.12", "x86_64")
    closures = {}
    for name in ("api", "etl", "worker"):
        lock = lock_requirements(SAMPLES / name / "requirements.txt", target)
        dropped = runtime_provided_closure(lock, RUNTIME_PROVIDED)
        closures[name] = {f"{p.name}=={p.version}" for p in lock.pins if p.name not in dropped}
    return closures


def test_sample_plan_shares_what_two_functions_use_and_keeps_the_rest_with_their_function(sample_plan, sample_closures):
    layers = {layer["name"]: layer for layer in sample_plan["layers"]}
    used_by = {
        pin: {f for f, pins in sample_closures.items() if pin in pins} for pin in set().union(*sample_closures.values())
    }
    placed = {pin: layer for layer in layers.values() for pin in layer["pins"]}
    assert set(placed) == set(used_by), "every package of every closure is placed exactly once"
    assert sum(len(layer["pins"]) for layer in layers.values()) == len(used_by)
    for pin, users in used_by.items():
        layer = placed[pin]
        if len(users) >= 2:
            assert layer["kind"] == "shared" and set(layer["functions"]) == users, pin
        else:
            (owner,) = users
            assert layer["kind"] == "function" and layer["functions"] == [owner], pin
            assert layer["name"] == f"{owner}-deps"
    # What that means for the samples: requests' closure for all three, pydantic for api and worker.
    shared_by_all = next(layer for layer in layers.values() if "requests" in layer["packages"])
    assert shared_by_all["functions"] == ["api", "etl", "worker"] and "urllib3" in shared_by_all["packages"]
    assert next(layer for layer in layers.values() if "pydantic" in layer["packages"])["functions"] == ["api", "worker"]
    assert {"numpy", "pandas"} <= set(layers["etl-deps"]["packages"])
    assert "pyjwt" in layers["api-deps"]["packages"] and "tenacity" in layers["worker-deps"]["packages"]
    assert not any("boto3" in layer["packages"] or "botocore" in layer["packages"] for layer in layers.values())


def test_sample_plan_keeps_every_function_within_lambdas_limits(sample_plan):
    layers = {layer["name"]: layer for layer in sample_plan["layers"]}
    for fn in sample_plan["functions"]:
        assert len(fn["layers"]) + len(fn["existing_layers"]) <= MAX_LAYERS_PER_FUNCTION
        own = fn["code_bytes"] + sum(layers[name]["unzipped_bytes"] for name in fn["layers"])
        assert fn["unzipped_bytes"] == own and 0 < own <= MAX_UNZIPPED_BYTES
        assert fn["code_bytes"] > 0  # its code folder is measured too
    etl = next(layer for layer in sample_plan["layers"] if layer["name"] == "etl-deps")
    assert etl["unzipped_bytes"] > 50_000_000  # numpy and pandas, measured from their real wheels


def test_the_sam_template_gives_the_same_plan(sample_plan, plan_cache):
    result = _plan(plan_cache, "--sam", str(SAMPLES / "template.yaml"))
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout) == sample_plan


def test_the_table_explains_why_each_package_is_where_it_is(plan_cache):
    result = _plan(plan_cache, "--config", str(SAMPLES / "layerbuild.toml"), fmt="table")
    assert result.code == 0, result.stderr
    assert "every package here is needed by api, etl, worker and by no other function" in result.stdout
    assert "needed only by etl" in result.stdout
    assert any(
        line.strip().startswith("requests==") and line.endswith("used by api, etl, worker")
        for line in result.stdout.splitlines()
    )
    assert "Measuring" not in result.stderr  # sizes came from the cache filled by the first plan


def test_two_functions_pinning_different_versions_do_not_share_it_and_it_is_reported(tmp_path, plan_cache):
    for name, idna in (("old", "3.6"), ("new", "3.7")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "requirements.txt").write_text(f"idna=={idna}\nsix==1.16.0\n")
    (tmp_path / "layerbuild.toml").write_text(
        'runtime = "python3.11"\n[functions.old]\nrequirements = "old/requirements.txt"\n'
        '[functions.new]\nrequirements = "new/requirements.txt"\n'
    )
    result = _plan(plan_cache, "--config", str(tmp_path / "layerbuild.toml"))
    assert result.code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["not_shared"] == [{"package": "idna", "reason": "old pins 3.6, new pins 3.7"}]
    by_pin = {pin: layer for layer in plan["layers"] for pin in layer["pins"]}
    assert by_pin["idna==3.6"]["functions"] == ["old"] and by_pin["idna==3.7"]["functions"] == ["new"]
    assert by_pin["six==1.16.0"]["functions"] == ["new", "old"] and by_pin["six==1.16.0"]["kind"] == "shared"


def test_a_real_function_whose_dependencies_exceed_250mb_fails_naming_it_its_size_and_biggest_packages(
    tmp_path, plan_cache
):
    # pyarrow (~170 MB) and scipy (~110 MB) unzipped: over the limit before any code.
    (tmp_path / "analytics").mkdir()
    (tmp_path / "analytics" / "requirements.txt").write_text("pyarrow\nscipy\n")
    (tmp_path / "small").mkdir()
    (tmp_path / "small" / "requirements.txt").write_text("six\n")
    (tmp_path / "layerbuild.toml").write_text(
        '[functions.analytics]\nrequirements = "analytics/requirements.txt"\n'
        '[functions.small]\nrequirements = "small/requirements.txt"\n'
    )
    result = _plan(plan_cache, "--config", str(tmp_path / "layerbuild.toml"))
    assert result.code == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("layerbuild: error: function analytics needs ")
    assert "over Lambda's 262,144,000-byte limit; biggest packages: pyarrow " in lines[-1]
    assert "scipy" in lines[-1] and "Traceback" not in result.stderr
    size = int(lines[-1].split(" unzipped (")[1].split(" bytes")[0].replace(",", ""))
    assert size > MAX_UNZIPPED_BYTES


def test_build_config_builds_every_planned_layer_and_writes_plan_json(tmp_path, plan_cache):
    for name, extra in (("orders", "six==1.16.0"), ("billing", "attrs==24.2.0")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "requirements.txt").write_text(f"requests==2.32.3\n{extra}\n")
    config = tmp_path / "layerbuild.toml"
    config.write_text(
        'runtime = "python3.11"\narch = "arm64"\n[functions.orders]\nrequirements = "orders/requirements.txt"\n'
        '[functions.billing]\nrequirements = "billing/requirements.txt"\n'
    )
    out = tmp_path / "dist"
    env = {"LAYERBUILD_CACHE_DIR": str(plan_cache)}
    result = run_cli("build", "--config", str(config), "-o", str(out), env=env)
    assert result.code == 0, result.stderr
    plan = json.loads((out / "plan.json").read_text())
    assert [layer["name"] for layer in plan["layers"]] == ["shared-1", "orders-deps", "billing-deps"]
    for layer in plan["layers"]:
        assert (layer["runtime"], layer["arch"]) == ("python3.11", "arm64")
        zip_path = Path(layer["zip"])
        assert zip_path.is_file() and zip_path.parent == out.resolve()
        assert zip_path.name == layer["zip_name"] == f"{layer['name']}-python3.11-arm64.zip"
        shipped = {d.name for d in inventory_of_zip(zip_path).distributions}
        assert shipped == set(layer["packages"]), layer["name"]  # exactly its planned packages, nothing dropped
        assert layer["zipped_bytes"] == zip_path.stat().st_size
    assert {"requests", "urllib3", "idna", "certifi", "charset-normalizer"} == set(plan["layers"][0]["packages"])
    assert plan["layers"][1]["packages"] == ["six"] and plan["layers"][2]["packages"] == ["attrs"]
    orders = next(f for f in plan["functions"] if f["name"] == "orders")
    assert orders["layers"] == ["shared-1", "orders-deps"]
    # Built again unchanged: every layer comes from the build cache.
    again = run_cli("build", "--config", str(config), "-o", str(out), env=env)
    assert again.code == 0, again.stderr
    assert again.stderr.count("cached: ") == 3 and "built: " not in again.stderr

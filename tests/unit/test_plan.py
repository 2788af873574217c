"""The planner's promises, on synthetic closures and sizes (the algorithm alone: no index, no installs)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layerbuild.facts.limits import MAX_DIRECT_UPLOAD_ZIPPED_BYTES, MAX_UNZIPPED_BYTES
from layerbuild.plan.algorithm import plan_layers
from layerbuild.plan.check import check_plan
from layerbuild.plan.model import FunctionNeeds, Package, PlanError
from layerbuild.plan.plan_file import plan_dict

MB = 1_000_000


def pkg(name: str, version: str = "1.0", mb: float = 1.0, zipped_mb: float | None = None) -> Package:
    unzipped = int(mb * MB)
    return Package(name, version, unzipped, int((zipped_mb if zipped_mb is not None else mb / 3) * MB))


def fn(
    name: str,
    *packages: Package,
    code: int = 10_000,
    existing: tuple[str, ...] = (),
    runtime: str = "python3.12",
    arch: str = "x86_64",
) -> FunctionNeeds:
    return FunctionNeeds(name, runtime, arch, tuple(packages), code_bytes=code, existing_layers=existing)


def layer_with(plan, package: str):
    return next(layer for layer in plan.layers if package in [p.name for p in layer.packages])


def test_packages_used_by_two_functions_are_shared_and_single_use_ones_stay_with_their_function():
    requests, urllib3 = pkg("requests", "2.32.3", 0.3), pkg("urllib3", "2.2.3", 0.5)
    pydantic = pkg("pydantic", "2.9.2", 2)
    functions = [
        fn("api", requests, urllib3, pydantic, pkg("pyjwt", "2.9.0", 0.1)),
        fn("etl", requests, urllib3, pkg("pandas", "2.2.3", 60), pkg("numpy", "2.1.3", 40)),
        fn("worker", requests, urllib3, pydantic, pkg("tenacity", "9.0.0", 0.1)),
    ]
    plan = plan_layers(functions)

    everyone = layer_with(plan, "requests")
    assert everyone.kind == "shared" and everyone.functions == ("api", "etl", "worker")
    assert {p.name for p in everyone.packages} == {"requests", "urllib3"}
    two = layer_with(plan, "pydantic")
    assert two.kind == "shared" and two.functions == ("api", "worker")
    for single, owner in [("pyjwt", "api"), ("pandas", "etl"), ("numpy", "etl"), ("tenacity", "worker")]:
        layer = layer_with(plan, single)
        assert layer.kind == "function" and layer.functions == (owner,), single
        assert layer.name == f"{owner}-deps"
    assert plan.function("etl").layers == (everyone.name, "etl-deps")
    # Grouping by the exact set of users: no function loads a byte it does not use.
    assert all(f.unused_bytes == 0 for f in plan.functions)
    assert check_plan(plan, functions) == []
    assert "needed by api, etl, worker" in everyone.why


def test_two_functions_pinning_different_versions_do_not_share_it_and_the_plan_says_so():
    functions = [
        fn("api", pkg("pydantic", "1.10.13", 2), pkg("requests", "2.32.3")),
        fn("etl", pkg("pydantic", "2.9.2", 5), pkg("requests", "2.32.3")),
    ]
    plan = plan_layers(functions)

    pydantic_layers = [layer for layer in plan.layers if "pydantic" in [p.name for p in layer.packages]]
    assert [(layer.functions, layer.packages[0].version) for layer in pydantic_layers] == [
        (("api",), "1.10.13"),
        (("etl",), "2.9.2"),
    ]
    assert layer_with(plan, "requests").functions == ("api", "etl")
    assert [(n.package, n.reason) for n in plan.not_shared] == [("pydantic", "api pins 1.10.13, etl pins 2.9.2")]
    assert plan_dict(plan)["not_shared"] == [{"package": "pydantic", "reason": "api pins 1.10.13, etl pins 2.9.2"}]


def test_functions_on_different_architectures_never_share_a_layer_and_the_plan_says_why():
    functions = [fn("a", pkg("orjson", "3.10.0")), fn("b", pkg("orjson", "3.10.0"), arch="arm64")]
    plan = plan_layers(functions)
    assert all(layer.kind == "function" for layer in plan.layers)
    assert {(layer.name, layer.arch) for layer in plan.layers} == {("a-deps", "x86_64"), ("b-deps", "arm64")}
    assert "a pins 3.10.0 for python3.12 x86_64" in plan.not_shared[0].reason
    assert "b pins 3.10.0 for python3.12 arm64" in plan.not_shared[0].reason


def test_a_function_whose_dependencies_alone_exceed_250mb_fails_naming_it_its_size_and_biggest_packages():
    functions = [
        fn("small", pkg("requests", "2.32.3")),
        fn(
            "ml",
            pkg("torch", "2.5.1", 180),
            pkg("scipy", "1.14.1", 60),
            pkg("numpy", "2.1.3", 30),
            pkg("requests", "2.32.3"),
            code=2 * MB,
        ),
    ]
    with pytest.raises(PlanError) as info:
        plan_layers(functions)
    message = str(info.value)
    assert "\n" not in message
    assert "function ml needs 273.0 MB unzipped" in message
    assert "273,000,000 bytes" in message and "262,144,000" in message
    assert "biggest packages: torch 180.0 MB, scipy 60.0 MB, numpy 30.0 MB" in message


def test_a_function_just_under_the_limit_with_its_code_is_planned():
    deps = [pkg(f"p{i}", "1", 26) for i in range(10)]  # 260 MB
    plan = plan_layers([fn("big", *deps, code=MAX_UNZIPPED_BYTES - 260 * MB)])
    assert plan.function("big").unzipped_bytes == MAX_UNZIPPED_BYTES


def test_layers_over_50mb_zipped_are_flagged_as_needing_s3():
    plan = plan_layers([fn("a", pkg("big", "1", 150, zipped_mb=60)), fn("b", pkg("small", "1", 1, zipped_mb=0.5))])
    assert layer_with(plan, "big").needs_s3 and layer_with(plan, "big").zipped_bytes > MAX_DIRECT_UPLOAD_ZIPPED_BYTES
    assert not layer_with(plan, "small").needs_s3
    assert [entry["needs_s3"] for entry in plan_dict(plan)["layers"]] == [True, False]


def _hub_and_spokes(existing: tuple[str, ...] = ()):
    """`hub` shares one package with each of five other functions: five shared layers plus its own."""
    sizes = {"a": 9, "b": 1, "c": 2, "d": 7, "e": 5}
    spokes = [fn(s, pkg(f"lib-{s}", "1", mb)) for s, mb in sizes.items()]
    hub = fn("hub", *(pkg(f"lib-{s}", "1", mb) for s, mb in sizes.items()), pkg("mine", "1", 3), existing=existing)
    return [hub, *spokes]


def test_a_function_over_five_layers_keeps_its_own_packages_in_its_package_first():
    functions = _hub_and_spokes()
    plan = plan_layers(functions)
    hub = plan.function("hub")
    assert hub.layer_count == 5
    assert [p.name for p in hub.bundled] == ["mine"]
    assert "hub-deps" not in [layer.name for layer in plan.layers]
    assert all(f.unused_bytes == 0 for f in plan.functions)  # bundling costs no one anything
    assert check_plan(plan, functions) == []


def test_then_it_keeps_its_own_copy_of_its_smallest_shared_layer_so_no_one_loads_unused_bytes():
    functions = _hub_and_spokes(existing=("arn:aws:lambda:us-east-1:123456789012:layer:otel:3",))
    plan = plan_layers(functions)
    hub = plan.function("hub")
    assert hub.layer_count == 5 and hub.existing_layers == ("arn:aws:lambda:us-east-1:123456789012:layer:otel:3",)
    # lib-b (1 MB) is the cheapest to copy; any merge would cost at least as many bytes, all of them
    # loaded by a function that does not use them.
    assert [p.name for p in hub.bundled] == ["lib-b", "mine"]
    assert layer_with(plan, "lib-b").name == "b-deps" and layer_with(plan, "lib-b").functions == ("b",)
    assert all(f.unused_bytes == 0 for f in plan.functions)
    assert check_plan(plan, functions) == []


def test_shared_layers_left_with_the_same_functions_are_merged_at_no_cost():
    # x: {h, m, b}; y: {m, b}; z: {m, c}. h (5 existing layers) keeps its own copy of x, which leaves
    # x and y serving exactly {m, b}; m, over 5 layers, then merges them: nobody loads anything more.
    ext = lambda n: tuple(f"arn:aws:lambda:us-east-1:1:layer:e{i}:1" for i in range(n))  # noqa: E731
    functions = [
        fn("h", pkg("x", "1", 4), existing=ext(5)),
        fn("m", pkg("x", "1", 4), pkg("y", "1", 2), pkg("z", "1", 1), existing=ext(3)),
        fn("b", pkg("x", "1", 4), pkg("y", "1", 2)),
        fn("c", pkg("z", "1", 1)),
    ]
    plan = plan_layers(functions)
    assert [p.name for p in plan.function("h").bundled] == ["x"]
    xy = layer_with(plan, "x")
    assert [p.name for p in xy.packages] == ["x", "y"] and xy.functions == ("b", "m")
    assert xy.why.startswith("merged to keep m within 5 layers (groups: b, m; b, m)")
    assert "h keeps its own copy" in xy.why
    assert plan.function("m").layer_count == 5 and layer_with(plan, "z").functions == ("c", "m")
    assert all(f.unused_bytes == 0 for f in plan.functions)
    assert check_plan(plan, functions) == []


def test_a_function_with_five_existing_layers_gets_its_dependencies_in_its_own_package():
    existing = tuple(f"arn:aws:lambda:us-east-1:1:layer:l{i}:1" for i in range(5))
    plan = plan_layers([fn("a", pkg("x", "1"), pkg("y", "1"), existing=existing), fn("b", pkg("x", "1"))])
    assert plan.function("a").layers == () and [p.name for p in plan.function("a").bundled] == ["x", "y"]
    assert plan.function("b").layers == ("b-deps",)


def test_a_function_with_more_than_five_existing_layers_fails_with_one_line():
    existing = tuple(f"arn:aws:lambda:us-east-1:1:layer:l{i}:1" for i in range(6))
    with pytest.raises(PlanError, match="function a already has 6 layers, over Lambda's 5"):
        plan_layers([fn("a", pkg("x", "1"), existing=existing)])


def test_plan_json_follows_the_documented_schema():
    jsonschema = pytest.importorskip("jsonschema")
    plan = plan_layers([fn("api", pkg("requests", "2.32.3")), fn("worker", pkg("requests", "2.32.3"), pkg("x", "1"))])
    schema = {
        "type": "object",
        "required": ["schema_version", "layers", "functions", "not_shared"],
        "properties": {
            "schema_version": {"const": 1},
            "layers": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "packages", "functions", "unzipped_bytes", "zipped_bytes", "needs_s3"],
                },
            },
            "functions": {
                "type": "array",
                "items": {"type": "object", "required": ["name", "layers", "unzipped_bytes"]},
            },
            "not_shared": {"type": "array", "items": {"type": "object", "required": ["package", "reason"]}},
        },
    }
    data = json.loads(json.dumps(plan_dict(plan)))
    jsonschema.validate(data, schema)
    assert data["layers"][0]["packages"] == ["requests"] and data["layers"][0]["functions"] == ["api", "worker"]
    assert data["functions"][1]["layers"] == ["shared-1", "worker-deps"]


def test_the_same_function_declared_twice_is_an_error():
    with pytest.raises(PlanError, match="function api is declared twice"):
        plan_layers([fn("api", pkg("a")), fn("api", pkg("b"))])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_every_function_sees_each_package_of_its_closure_exactly_once_within_the_limits(data):
    n_packages = data.draw(st.integers(2, 25))
    versions = {f"p{i}": data.draw(st.sampled_from(["1", "2"])) for i in range(n_packages)}
    sizes = {f"p{i}": data.draw(st.integers(1, 20)) for i in range(n_packages)}
    functions = []
    for j in range(data.draw(st.integers(1, 12))):
        chosen = data.draw(st.sets(st.sampled_from(sorted(versions)), min_size=1, max_size=n_packages))
        # Some functions pin the other version of a package: never shared, never mixed.
        flip = data.draw(st.sets(st.sampled_from(sorted(chosen)), max_size=2))
        packages = [pkg(n, versions[n] if n not in flip else "9", sizes[n]) for n in sorted(chosen)]
        existing = tuple(f"arn:{k}" for k in range(data.draw(st.integers(0, 3))))
        functions.append(fn(f"f{j}", *packages, existing=existing))
    try:
        plan = plan_layers(functions)
    except PlanError as exc:
        assert "\n" not in str(exc)
        return
    assert check_plan(plan, functions) == []


def test_not_shared_lists_pins_oldest_first_as_versions_compare():
    plan = plan_layers([fn("b", pkg("x", "10.0")), fn("a", pkg("x", "9.1")), fn("c", pkg("x", "9.1"))])
    assert plan.not_shared[0].reason == "a, c pin 9.1, b pins 10.0"

"""plan.json has one codec: what `build --config` writes is what `publish --config` reads."""

from __future__ import annotations

import json
import shutil

import pytest

from layerbuild.errors import InputError
from layerbuild.plan.algorithm import plan_layers
from layerbuild.plan.model import FunctionNeeds, Package
from layerbuild.plan.plan_file import PLAN_FILE, SCHEMA_VERSION, BuiltLayer, read_plan_file, write_plan_file


def _plan():
    shared = Package("requests", "2.32.3", 400_000, 150_000)
    return plan_layers(
        [
            FunctionNeeds("api", "python3.12", "x86_64", (shared, Package("fastapi", "0.115.0", 900_000, 300_000))),
            FunctionNeeds("etl", "python3.12", "x86_64", (shared,)),
        ]
    )


def _built(plan, folder):
    built = {}
    for layer in plan.layers:
        zip_path = folder / f"{layer.name}-{layer.runtime}-{layer.arch}.zip"
        zip_path.write_bytes(b"PK\x05\x06" + bytes(18))
        report = zip_path.with_name(zip_path.name.removesuffix(".zip") + ".report.json")
        report.write_text("{}")
        built[layer.name] = BuiltLayer(zip_path, report, layer.unzipped_bytes - 1000)
    return built


def test_what_build_writes_publish_reads_back_layer_by_layer(tmp_path):
    plan = _plan()
    path, data = write_plan_file(tmp_path, plan, _built(plan, tmp_path))
    assert path == tmp_path / PLAN_FILE and json.loads(path.read_text()) == data
    assert data["schema_version"] == SCHEMA_VERSION
    read = read_plan_file(path)
    assert [(z.name, z.zip.name, z.runtime, z.arch) for z in read] == [
        (layer.name, f"{layer.name}-python3.12-x86_64.zip", "python3.12", "x86_64") for layer in plan.layers
    ]
    api = next(f for f in data["functions"] if f["name"] == "api")
    assert api["unzipped_bytes"] == sum(data_layer["unzipped_bytes"] for data_layer in data["layers"])


def test_a_moved_output_folder_still_finds_its_zips_by_name(tmp_path):
    plan = _plan()
    (tmp_path / "out").mkdir()
    write_plan_file(tmp_path / "out", plan, _built(plan, tmp_path / "out"))
    shutil.move(tmp_path / "out", tmp_path / "artifact")
    read = read_plan_file(tmp_path / "artifact" / PLAN_FILE)
    assert all(z.zip.parent == tmp_path / "artifact" and z.zip.is_file() for z in read)


def test_a_file_that_is_not_a_built_plan_is_refused_in_one_line(tmp_path):
    (tmp_path / "plan.json").write_text('{"layers": [{"name": "x"}]}')
    with pytest.raises(InputError, match='has no "name" or "zip"'):
        read_plan_file(tmp_path / "plan.json")

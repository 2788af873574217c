"""Report promises: sizes per distribution add up, Markdown stays under GitHub's limit, HTML is self-contained,
JSON follows the documented schema, and the target is detected from flags, name or wheel tags."""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import asdict
from pathlib import Path

import pytest

from layerbuild.measure.inventory import inventory_of
from layerbuild.measure.target_detect import detect_target
from layerbuild.model.inventory import UNOWNED
from layerbuild.model.removals import Removal
from layerbuild.model.report import removed_rows
from layerbuild.report import FORMATS, get_format
from layerbuild.report.assemble import report_for_path
from layerbuild.report.formats.markdown import MAX_CHARS
from layerbuild.zip.writer import write_layer_zip

from ..conftest import ROOT, make_wheel, run_cli


def _fake_dist(site: Path, name: str, version: str, files: dict[str, bytes], tag: str = "py3-none-any") -> None:
    """A tiny installed distribution: its files plus a dist-info whose RECORD lists them."""
    info = f"{name.replace('-', '_')}-{version}.dist-info"
    for rel, data in files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(data)
    (site / info).mkdir(parents=True, exist_ok=True)
    (site / info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (site / info / "WHEEL").write_text(f"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: {tag}\n")
    record = [f"{rel},," for rel in files] + [f"{info}/METADATA,,", f"{info}/WHEEL,,", f"{info}/RECORD,,"]
    (site / info / "RECORD").write_text("\n".join(record) + "\n")


def _layer_of_150(tmp_path: Path) -> Path:
    root = tmp_path / "big-layer"
    site = root / "python"
    for i in range(150):
        name = f"package-with-a-rather-long-descriptive-name-number-{i:03d}"
        mod = name.replace("-", "_")
        _fake_dist(
            site,
            name,
            f"{i}.0.{i}",
            {
                f"{mod}/__init__.py": b"x = 1\n" * (i + 1),
                f"{mod}/tests/test_{mod}.py": b"def test(): pass\n" * 3,
                f"{mod}/__pycache__/__init__.cpython-311.pyc": b"\0" * 40,
            },
        )
    for j in range(300):  # hand-copied files no dist-info owns
        (site / "vendored" / f"file_{j:03d}|<b>odd</b>.py").parent.mkdir(parents=True, exist_ok=True)
        (site / "vendored" / f"file_{j:03d}|<b>odd</b>.py").write_bytes(b"y = 2\n" * (j + 1))
    return root


def test_markdown_report_of_a_150_package_layer_stays_under_65000_characters(tmp_path):
    layer = _layer_of_150(tmp_path)
    report = report_for_path(layer, runtime="python3.11", arch="x86_64", measure=False)
    removals = tuple(
        Removal(rule, f"package-with-a-rather-long-descriptive-name-number-{i:03d}", f"x/{i}", 10 * i)
        for i in range(150)
        for rule in ("tests", "docs", "stubs")
    )
    from dataclasses import replace

    report = replace(report, removed=removed_rows(removals), removed_known=True)
    text = get_format("markdown").render(report)
    assert len(text) < MAX_CHARS == 65_000
    assert len([d for d in report.inventory.distributions if d.name != UNOWNED]) == 150
    # The largest package is listed by name; the tail is collapsed into one "N more" row.
    assert "package-with-a-rather-long-descriptive-name-number-149" in text
    more = re.search(r"\| \*(\d+) more\* \|", text)
    assert more and int(more.group(1)) > 0
    assert "Files no package owns (300)" in text


def test_markdown_stays_under_the_limit_even_with_thousands_of_packages_and_removals(tmp_path):
    from layerbuild.model.inventory import DistSize, Inventory
    from layerbuild.model.report import LayerReport

    dists = tuple(
        DistSize(name="n" * 200 + str(i), version="1" * 100, unzipped_bytes=i, zipped_bytes=i, files=1)
        for i in range(5000)
    )
    removals = tuple(Removal("r" * 200, "p" * 200 + str(i), "x", i) for i in range(5000))
    report = LayerReport(
        inventory=Inventory(root="x", distributions=dists, files=()), target=None, removed=removed_rows(removals)
    )
    assert len(get_format("markdown").render(report)) < MAX_CHARS


def test_markdown_escapes_names_that_would_break_a_table_or_inject_html(tmp_path):
    layer = _layer_of_150(tmp_path)
    text = get_format("markdown").render(report_for_path(layer, measure=False))
    assert "<b>" not in text and "&lt;b&gt;" in text
    rows = [line for line in text.splitlines() if "odd" in line]
    assert rows and all(line.count("|") - line.count("\\|") == 3 for line in rows)


def test_sizes_per_distribution_add_up_to_the_folder_and_zip_totals(tmp_path):
    layer = _layer_of_150(tmp_path)
    folder = inventory_of(layer)
    assert sum(d.unzipped_bytes for d in folder.distributions) == folder.unzipped_bytes
    assert sum(d.files for d in folder.distributions) == folder.file_count
    zip_path = write_layer_zip(layer / "python", tmp_path / "big-python3.11-x86_64.zip")
    packed = inventory_of(zip_path)
    assert packed.unzipped_bytes == folder.unzipped_bytes
    # Every entry's headers are counted with its package: together they are the zip file, less its end record.
    assert sum(d.zipped_bytes for d in packed.distributions) == packed.zipped_bytes
    assert 0 <= packed.archive_bytes - packed.zipped_bytes <= 22 + 20 + 56  # EOCD (+ zip64 records)
    # The folder's zipped estimate uses the same deflate level and header sizes as our zips.
    assert abs(folder.zipped_bytes - packed.zipped_bytes) / packed.zipped_bytes < 0.01


def test_tests_and_caches_bytes_and_unowned_files_are_reported_per_distribution(tmp_path):
    layer = _layer_of_150(tmp_path)
    inv = inventory_of(layer)
    first = inv.get("package-with-a-rather-long-descriptive-name-number-000")
    assert first.tests_bytes == len(b"def test(): pass\n" * 3)
    assert first.caches_bytes == 40
    assert len(inv.unowned_files) == 300 and all(p.startswith("python/vendored/") for p in inv.unowned_files)
    data = json.loads(get_format("json").render(report_for_path(layer, measure=False)))
    row = next(p for p in data["packages"] if p["name"] == first.name)
    assert (row["tests_bytes"], row["caches_bytes"]) == (first.tests_bytes, 40)
    assert data["unowned_files_total"] == 300 and data["unowned_files"][0]["path"].startswith("python/vendored/")
    assert data["removed_known"] is False


def test_a_function_zip_with_packages_at_its_root_is_inventoried(tmp_path):
    wheel = make_wheel(tmp_path / "w", "tinylib", "2.0", {"tinylib/__init__.py": "A = 1\n"})
    func = tmp_path / "function.zip"
    with zipfile.ZipFile(func, "w") as out, zipfile.ZipFile(wheel) as src:
        for name in src.namelist():
            out.writestr(name, src.read(name))
        out.writestr("handler.py", "def handler(event, context):\n    return 1\n")
    inv = inventory_of(func)
    assert inv.get("tinylib").version == "2.0"
    assert inv.unowned_files == ("handler.py",)


def test_json_report_matches_the_schema_documented_in_docs(tmp_path):
    import jsonschema

    doc = (ROOT / "docs" / "report-schema.md").read_text()
    schema = json.loads(re.search(r"```json schema\n(.*?)\n```", doc, re.S).group(1))
    layer = _layer_of_150(tmp_path)
    data = json.loads(get_format("json").render(report_for_path(layer, runtime="python3.12", measure=False)))
    jsonschema.validate(data, schema)
    # The fields architecture.md promises are all there, under their original names.
    assert {"schema_version", "target", "layer", "packages", "removed", "bytecode", "findings"} <= data.keys()
    assert data["schema_version"] == 1 and data["target"]["source"] == "flags + default arch"


def test_html_report_is_one_self_contained_file_without_any_network_reference(tmp_path):
    layer = _layer_of_150(tmp_path)
    (layer / "python" / "vendored" / "evil<!--<script>alert(1)<").mkdir()
    (layer / "python" / "vendored" / "evil<!--<script>alert(1)<" / "script>.py").write_text("z = 3\n")
    page = get_format("html").render(report_for_path(layer, measure=False))
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page, re.I)
    assert "@import" not in page and "url(" not in page
    assert page.count("<script") == 2 and "<!--" not in page
    data = json.loads(re.search(r'<script type="application/json" id="layer-data">(.*?)</script>', page, re.S).group(1))
    names = {c["n"] for c in data["tree"]["c"]}
    assert "package-with-a-rather-long-descriptive-name-number-149" in names and UNOWNED in names


def test_every_format_renders_an_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    report = report_for_path(tmp_path / "empty", measure=False)
    for name in FORMATS:
        assert get_format(name).render(report)


def test_report_command_writes_markdown_to_a_file(tmp_path):
    layer = _layer_of_150(tmp_path)
    out = tmp_path / "out" / "summary.md"
    result = run_cli("report", str(layer), "--format", "markdown", "--no-measure", "-o", str(out))
    assert result.code == 0, result.stderr
    assert out.read_text().startswith("## Layer report: big-layer")


def test_report_on_a_missing_path_fails_in_one_line(tmp_path):
    result = run_cli("report", str(tmp_path / "nope.zip"))
    assert result.code == 2 and "does not exist" in result.stderr and "Traceback" not in result.stderr


def test_target_comes_from_flags_then_zip_name_then_wheel_tags(tmp_path):
    site = tmp_path / "layer" / "python"
    _fake_dist(site, "fastlib", "1.0", {"fastlib/__init__.py": b""}, tag="cp312-cp312-manylinux_2_17_aarch64")
    _fake_dist(site, "purelib", "1.0", {"purelib/__init__.py": b""})
    folder = tmp_path / "layer"
    target, source = detect_target(folder)
    assert (target.runtime, target.arch, source) == ("python3.12", "arm64", "wheel tags")
    named = write_layer_zip(site, tmp_path / "x-python3.11-x86_64.zip")
    target, source = detect_target(named)
    assert (target.runtime, target.arch, source) == ("python3.11", "x86_64", "zip name")
    target, source = detect_target(named, runtime="python3.13")
    assert (target.runtime, target.arch, source) == ("python3.13", "x86_64", "flags + zip name")
    target, source = detect_target(named, runtime="python3.10", arch="arm64")
    assert (target.runtime, target.arch, source) == ("python3.10", "arm64", "flags")


def test_a_pure_python_layer_without_a_target_in_its_name_has_an_unknown_target(tmp_path):
    site = tmp_path / "layer" / "python"
    _fake_dist(site, "purelib", "1.0", {"purelib/__init__.py": b""})
    assert detect_target(site.parent) == (None, "unknown")
    data = json.loads(get_format("json").render(report_for_path(site.parent)))
    assert data["target"]["source"] == "unknown"
    assert data["cold_start"]["note"].startswith("not measured: the target runtime is unknown")


def test_build_report_beside_the_zip_supplies_what_was_removed(tmp_path):
    site = tmp_path / "tree"
    _fake_dist(site, "purelib", "1.0", {"purelib/__init__.py": b"a = 1\n"})
    zip_path = write_layer_zip(site, tmp_path / "lib-python3.12-x86_64.zip")
    from layerbuild.util.filehash import sha256_file

    sidecar = {
        "layer": {"sha256": sha256_file(zip_path)},
        "removed": [{"rule": "tests", "package": "purelib", "files": 3, "bytes": 1234}],
        "bytecode": {"mode": "alongside", "python": "3.12.1"},
    }
    (tmp_path / "lib-python3.12-x86_64.report.json").write_text(json.dumps(sidecar))
    report = report_for_path(zip_path, measure=False)
    assert [asdict(r) for r in report.removed] == sidecar["removed"] and report.bytecode_mode == "alongside"
    assert "1.2 KB" in get_format("html").render(report)
    # A report.json for other bytes is ignored.
    sidecar["layer"]["sha256"] = "0" * 64
    (tmp_path / "lib-python3.12-x86_64.report.json").write_text(json.dumps(sidecar))
    assert report_for_path(zip_path, measure=False).removed == ()


@pytest.mark.parametrize("fmt", ["table", "json", "markdown", "html"])
def test_report_cli_prints_every_format(tmp_path, fmt):
    site = tmp_path / "layer" / "python"
    _fake_dist(site, "purelib", "1.0", {"purelib/__init__.py": b"a = 1\n"})
    result = run_cli("report", str(tmp_path / "layer"), "--format", fmt, "--no-measure")
    assert result.code == 0, result.stderr
    assert "purelib" in result.stdout

"""Layer zips that separate CI jobs built, as `layerbuild publish --from DIR` finds them (downloaded artifacts).

Each build job uploads its layer zip with the report JSON `layerbuild build` wrote beside it
(`NAME-RUNTIME-ARCH.report.json`: the zip's sha256 and target). Under DIR (any depth: download-artifact
puts each artifact in its own folder) every report names its zip by file name; the zip must be in the
report's folder and hash to what its job reported. A zip whose bytes differ (a mixed-up or damaged
artifact), a report without its zip, or a zip without a report is refused before any AWS call. A
`plan.json` under DIR (`layerbuild plan --format json`, the plan job's artifact) also makes every
planned layer required: a build job that failed is not silently left out.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from layerbuild.errors import InputError
from layerbuild.plan.plan_file import PLAN_FILE, PlannedZip

REPORT_SUFFIX = ".report.json"


def zips_from_artifacts(folder: Path) -> list[PlannedZip]:
    """Every layer under `folder`, checked against what its build job reported (sorted by name)."""
    from layerbuild.model.names import layer_name_of_zip
    from layerbuild.util.filehash import sha256_file

    if not folder.is_dir():
        raise InputError(
            f"--from {folder} is not a folder: pass the folder the build jobs' artifacts were downloaded to"
        )
    found: dict[str, PlannedZip] = {}
    reported: set[Path] = set()
    for report_path in sorted(folder.rglob(f"*{REPORT_SUFFIX}")):
        report = _read_report(report_path)
        layer, target = report.get("layer"), report.get("target")
        if not isinstance(layer, dict) or not isinstance(target, dict) or not layer.get("path"):
            raise InputError(
                f"{report_path} is not a layerbuild build report: upload the report `layerbuild build` wrote"
            )
        zip_path = report_path.parent / Path(str(layer["path"])).name
        if layer.get("kind", "layer") != "layer":
            reported.add(zip_path.resolve())  # a function package (build --function): deployed, not a layer
            continue
        if not zip_path.is_file():
            raise InputError(
                f"{report_path} reports {zip_path.name}, which is not beside it: upload the zip with its report"
            )
        actual, expected = sha256_file(zip_path), str(layer.get("sha256"))
        if actual != expected:
            raise InputError(
                f"{zip_path} has sha256 {actual[:12]}…, not the {expected[:12]}… its build job reported in "
                f"{report_path.name}: the artifact was changed or mixed up; rebuild and upload it again"
            )
        name = layer_name_of_zip(zip_path.name)
        if name in found:
            raise InputError(
                f"layer {name} is under {folder} twice ({found[name].zip} and {zip_path}): download each job's artifact once"
            )
        found[name] = PlannedZip(name, zip_path, target.get("runtime"), target.get("arch"))
        reported.add(zip_path.resolve())
    for zip_path in sorted(folder.rglob("*.zip")):
        if zip_path.resolve() not in reported:
            raise InputError(
                f"{zip_path} has no {REPORT_SUFFIX} beside it, so its sha256 cannot be checked: upload the "
                "report `layerbuild build` wrote with each zip"
            )
    _check_planned(folder, found)
    if not found:
        raise InputError(f"no layer zip with its report under {folder}: download the build jobs' artifacts there first")
    return [found[name] for name in sorted(found)]


def _read_report(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise InputError(f"{path} is not readable JSON: upload the report `layerbuild build` wrote") from None
    if not isinstance(data, dict):
        raise InputError(f"{path} is not a layerbuild build report: upload the report `layerbuild build` wrote")
    return data


def _check_planned(folder: Path, found: dict[str, PlannedZip]) -> None:
    for plan_path in sorted(folder.rglob(PLAN_FILE)):
        try:
            layers = json.loads(plan_path.read_text(encoding="utf-8"))["layers"]
            names = [str(x["name"]) for x in layers]
        except (OSError, ValueError, KeyError, TypeError):
            raise InputError(
                f"{plan_path} is not a layerbuild plan: remove it or upload `layerbuild plan --format json`"
            ) from None
        missing = [n for n in names if n not in found]
        if missing:
            raise InputError(
                f"{plan_path} plans {', '.join(missing)}, but no zip of {'it' if len(missing) == 1 else 'them'} is "
                f"under {folder}: did a build job fail? Download every job's artifact"
            )

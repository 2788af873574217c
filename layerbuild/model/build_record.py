"""What a build made, as the build cache stores it: typed and schema-versioned.

`layerbuild.build` writes one `BuildRecord` per cache entry (`entry.json`, `to_json`) and reads it back
on a cache hit (`from_json`), so a cached rebuild reports exactly what the first build did: the zip's
sha256, every removal (with paths), the bytecode the layer ships, the import check's outcome and the
packages built in the build container. An entry of another schema is not read (the build runs again).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from layerbuild.model.removals import Removal
from layerbuild.model.report import BytecodeDetail, ImportCheckSummary

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class BuildRecord:
    sha256: str  # of the layer zip
    runtime: str
    arch: str
    removed: tuple[Removal, ...] = ()  # in the order the stages removed them
    bytecode_mode: str = "none"  # what the layer ships: none | alongside | only
    bytecode_python: str | None = None  # the compiling interpreter's version
    bytecode_detail: BytecodeDetail | None = None
    imports_verified: ImportCheckSummary | None = None  # None: not recorded
    built_in_container: tuple[str, ...] = ()  # packages built in the build container; the rest came as wheels
    schema: int = SCHEMA_VERSION

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "schema": self.schema,
            "sha256": self.sha256,
            "target": [self.runtime, self.arch],
            "removed": [[r.rule, r.distribution, r.path, r.bytes] for r in self.removed],
            "bytecode": {"mode": self.bytecode_mode, "python": self.bytecode_python},
            "built_in_container": list(self.built_in_container),
        }
        if self.bytecode_detail is not None:
            d = self.bytecode_detail
            data["bytecode"]["detail"] = {
                "pyc_files": d.pyc_files,
                "reason": d.reason,
                "sources_without_pyc": d.sources_without_pyc,
                "budget_bytes": d.budget_bytes,
            }
        if self.imports_verified is not None:
            v = self.imports_verified
            data["imports_verified"] = {
                "python": v.python,
                "skipped": v.skipped,
                "modules": v.modules,
                "failures": list(v.failures),
                "warnings": list(v.warnings),
                "imported_after": [list(pair) for pair in v.imported_after],
                "skipped_modules": list(v.skipped_modules),
            }
        return json.dumps(data, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> BuildRecord:
        """The record in `text`; ValueError when it is not a record of this schema."""
        try:
            data = json.loads(text)
            if data.get("schema") != SCHEMA_VERSION:
                raise ValueError(f"build record schema {data.get('schema')!r}, not {SCHEMA_VERSION}")
            runtime, arch = data["target"]
            bytecode = data["bytecode"]
            detail = bytecode.get("detail")
            verified = data.get("imports_verified")
            return cls(
                sha256=str(data["sha256"]),
                runtime=str(runtime),
                arch=str(arch),
                removed=tuple(Removal(str(a), str(b), str(c), int(d)) for a, b, c, d in data["removed"]),
                bytecode_mode=str(bytecode["mode"]),
                bytecode_python=bytecode.get("python"),
                bytecode_detail=None if detail is None else BytecodeDetail(**detail),
                imports_verified=None
                if verified is None
                else ImportCheckSummary(
                    python=verified["python"],
                    skipped=verified["skipped"],
                    modules=int(verified["modules"]),
                    failures=tuple(verified["failures"]),
                    warnings=tuple(verified["warnings"]),
                    imported_after=tuple((str(m), str(v)) for m, v in verified["imported_after"]),
                    skipped_modules=tuple(verified["skipped_modules"]),
                ),
                built_in_container=tuple(data.get("built_in_container", ())),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"malformed build record: {exc!r}") from None

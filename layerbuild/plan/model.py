"""The planner's data: what each function needs (`FunctionNeeds` of `Package`s) and the plan it gets
(`LayerPlan`: planned layers, planned functions, packages that cannot be shared). Data only; the plan
JSON is written and read by `plan_file.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from layerbuild.errors import LayerbuildError
from layerbuild.facts.limits import MAX_DIRECT_UPLOAD_ZIPPED_BYTES, MAX_LAYERS_PER_FUNCTION, MAX_UNZIPPED_BYTES


class PlanError(LayerbuildError):
    """The functions cannot be given layers within Lambda's limits."""


@dataclass(frozen=True)
class Package:
    """One distribution at one version, with its measured size for the function's target."""

    name: str  # normalized
    version: str
    unzipped_bytes: int
    zipped_bytes: int

    @property
    def pin(self) -> str:
        return f"{self.name}=={self.version}"


@dataclass(frozen=True)
class FunctionNeeds:
    """A function's closure (runtime-provided packages already dropped) and what else counts toward limits."""

    name: str
    runtime: str
    arch: str
    packages: tuple[Package, ...]
    code_bytes: int = 0
    existing_layers: tuple[str, ...] = ()

    @property
    def target(self) -> tuple[str, str]:
        return (self.runtime, self.arch)

    @property
    def dependency_bytes(self) -> int:
        return sum(p.unzipped_bytes for p in self.packages)


@dataclass(frozen=True)
class PlannedLayer:
    name: str
    runtime: str
    arch: str
    kind: str  # "shared" or "function"
    packages: tuple[Package, ...]
    functions: tuple[str, ...]
    package_users: tuple[tuple[str, tuple[str, ...]], ...]  # package -> functions that need it
    why: str

    @property
    def unzipped_bytes(self) -> int:
        return sum(p.unzipped_bytes for p in self.packages)

    @property
    def zipped_bytes(self) -> int:
        return sum(p.zipped_bytes for p in self.packages)

    @property
    def needs_s3(self) -> bool:
        return self.zipped_bytes > MAX_DIRECT_UPLOAD_ZIPPED_BYTES


@dataclass(frozen=True)
class PlannedFunction:
    name: str
    runtime: str
    arch: str
    layers: tuple[str, ...]  # planned layers, in order
    existing_layers: tuple[str, ...]
    bundled: tuple[Package, ...]  # single-use packages that go into the function's own package
    code_bytes: int
    unzipped_bytes: int  # code + bundled + planned layers (existing layers' sizes are not known here)
    unused_bytes: int  # bytes of its layers it does not use (from merges)

    @property
    def layer_count(self) -> int:
        return len(self.layers) + len(self.existing_layers)


@dataclass(frozen=True)
class NotShared:
    package: str
    reason: str


@dataclass(frozen=True)
class LayerPlan:
    layers: tuple[PlannedLayer, ...]
    functions: tuple[PlannedFunction, ...]
    not_shared: tuple[NotShared, ...] = ()
    max_layers: int = MAX_LAYERS_PER_FUNCTION
    max_unzipped_bytes: int = MAX_UNZIPPED_BYTES

    def function(self, name: str) -> PlannedFunction:
        return next(f for f in self.functions if f.name == name)

"""From a config file or a SAM template to the planner's input: functions, their closures, real sizes.

`load_specs` finds the functions and the build options (config.py merges the settings); `gather_needs`
resolves each function's requirements for its own target (uv, cached), drops what the runtime provides
(the same rule as `layerbuild build`), and measures every package (`plan/sizes.py`, cached).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from layerbuild.config import BuildOptions, load_config_file, merge_build_options
from layerbuild.errors import InputError
from layerbuild.model.lock import Lock
from layerbuild.plan.functions import FunctionSpec, load_functions
from layerbuild.plan.model import FunctionNeeds, Package


@dataclass(frozen=True)
class Gathered:
    needs: tuple[FunctionNeeds, ...]
    locks: dict[str, Lock]  # function name -> its lock (functions without requirements have none)


def load_specs(
    config_path: str | Path | None, sam_path: str | Path | None, cli: dict[str, Any]
) -> tuple[tuple[FunctionSpec, ...], BuildOptions]:
    """The functions to plan (from the config's functions tables or the SAM template) and the options."""
    path = Path(config_path) if config_path else None
    if path is None:
        _, path = load_config_file(None)  # layerbuild.toml or pyproject.toml in the current folder
    options, table = merge_build_options(cli, path)
    from_config = load_functions(table, path, options)
    if sam_path:
        if from_config:
            raise InputError(f"both {path} (functions tables) and --sam {sam_path} declare functions: use one of them")
        from layerbuild.plan.sam import functions_from_sam

        return functions_from_sam(Path(sam_path), options), options
    if not from_config:
        where = f"{path} declares no functions" if path else "no layerbuild.toml or pyproject.toml here"
        raise InputError(
            f'{where}: add [tool.layerbuild.functions.NAME] tables with requirements = "path", '
            "or pass --sam template.yaml"
        )
    return from_config, options


def code_bytes(folder: Path | None) -> int:
    """Unzipped bytes of the function's own code folder, as Lambda counts them."""
    if folder is None:
        return 0
    from layerbuild.measure.inventory import inventory_of_dir

    return inventory_of_dir(folder, measure_zipped=False).unzipped_bytes


def gather_needs(specs: tuple[FunctionSpec, ...], options: BuildOptions, *, cache_root: Path | None = None) -> Gathered:
    from layerbuild.facts.runtime_packages import RUNTIME_PROVIDED
    from layerbuild.model.target import Target
    from layerbuild.plan.sizes import measure_pins
    from layerbuild.resolve.inputs import open_source
    from layerbuild.resolve.reuse import lock_for_build
    from layerbuild.resolve.runtime_provided import runtime_provided_closure
    from layerbuild.util.progress import step

    needs, locks = [], {}
    for spec in specs:
        target = Target(spec.runtime, spec.arch)
        packages: tuple[Package, ...] = ()
        if spec.requirements is not None:
            reqs = open_source(spec.requirements, options.project_options(), target)
            with step(f"Resolving {spec.name} ({reqs.path}) for {target.runtime} {target.arch}"):
                # a recent resolution of the same input is reused as `build` does (resolve/reuse.py)
                lock = lock_for_build(reqs, target, ttl=options.resolution_ttl_seconds(), refresh=options.refresh)
            locks[spec.name] = lock
            drop = frozenset() if options.keep_runtime_packages else runtime_provided_closure(lock, RUNTIME_PROVIDED)
            kept = tuple(p for p in lock.pins if p.name not in drop)
            sizes = measure_pins(lock, kept, root=cache_root)
            packages = tuple(sizes[p.name] for p in kept if p.name in sizes)
        needs.append(
            FunctionNeeds(
                spec.name,
                spec.runtime,
                spec.arch,
                packages,
                code_bytes=code_bytes(spec.code),
                existing_layers=spec.layers,
            )
        )
    return Gathered(tuple(needs), locks)

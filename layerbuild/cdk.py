"""`LayerbuildLayer`: an AWS CDK (Python) `aws_lambda.LayerVersion` whose asset layerbuild builds.

    from layerbuild.cdk import LayerbuildLayer
    layer = LayerbuildLayer(stack, "Deps", requirements="requirements.txt", runtime="python3.12",
                            architecture="arm64", slim="aggressive")

At construct time the requirements are resolved once for the target (uv; a lock or manifest is read as
`layerbuild build` reads it) and the lock is written, hashed, under the layerbuild cache
(`cdk/<hash>/requirements.lock`): that folder is the asset's source. The asset hash is a hash of the
lock, the target and every build option that changes the layer's bytes, so an unchanged lock gives the
same hash and CDK reuses the asset it already has (no bundling at all); a changed lock is a new asset.
Bundling is local first (`ILocalBundling.try_bundle`): `layerbuild build` of that lock (its own cache,
slimming, bytecode and checks; no Docker when wheels exist) unpacked into CDK's output folder as
`python/…`. When the local build cannot run here (no interpreter, no engine for an sdist, an install
failure) it says so in one line and returns False, and CDK's Docker bundling runs instead: pip installs
the same hashed lock in the SAM build image of the runtime. A check that fails (import check, native
check) or bad input is raised, never papered over by the fallback.

Install with `pip install 'layerbuild[cdk]'`. Only users import this module: nothing in layerbuild
does (an import-linter contract), so the CLI never loads aws-cdk-lib.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from layerbuild import __version__
from layerbuild.config import BuildOptions
from layerbuild.errors import FindingsError, InputError, LayerbuildError
from layerbuild.facts.runtimes import ARCHITECTURES, RUNTIMES

_OPTION_NAMES = {f.name for f in fields(BuildOptions)} - {"runtime", "arch", "output", "name", "sources"}


class LayerbuildLayer(lambda_.LayerVersion):
    """A Lambda layer built by layerbuild from `requirements` (a requirements file, a lock, a project
    manifest or its folder) for `runtime` and `architecture` (names or the CDK's objects).

    Any other keyword is a layerbuild build option (`slim`, `bytecode`, `keep`, `drop`, `backend`,
    `keep_runtime_packages`, `extra`, `group`, ...), as in `[tool.layerbuild]`; `layer_version_name`,
    `description`, `license`, `removal_policy` go to `LayerVersion`."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        requirements: str | os.PathLike[str],
        runtime: str | lambda_.Runtime = "python3.12",
        architecture: str | lambda_.Architecture = "x86_64",
        layer_version_name: str | None = None,
        description: str | None = None,
        license: str | None = None,
        removal_policy: Any = None,
        **build_options: Any,
    ) -> None:
        runtime_name = runtime if isinstance(runtime, str) else runtime.name
        arch_name = architecture if isinstance(architecture, str) else architecture.name
        options = layer_options(runtime_name, arch_name, build_options)
        self.lock_path, self.asset_hash = prepare_lock(Path(requirements), options)
        bundling = BundlingOptions(**docker_fallback(options), local=LocalLayerBuild(self.lock_path, options, id))
        code = lambda_.Code.from_asset(
            str(self.lock_path.parent),
            asset_hash=self.asset_hash,
            asset_hash_type=AssetHashType.CUSTOM,
            bundling=bundling,
        )
        super().__init__(
            scope,
            id,
            code=code,
            compatible_runtimes=[lambda_.Runtime(r, lambda_.RuntimeFamily.PYTHON) for r in _compatible(options)],
            compatible_architectures=[
                lambda_.Architecture.X86_64 if arch_name == "x86_64" else lambda_.Architecture.ARM_64
            ],
            layer_version_name=layer_version_name,
            description=description,
            license=license,
            removal_policy=removal_policy,
        )


def docker_fallback(options: BuildOptions) -> dict[str, Any]:
    """CDK's Docker bundling when the local build cannot run: pip installs the same hashed lock (its index
    options are lines of it) in the build image (`image` option, else SAM's), on the `network` option's
    Docker network, with this machine's CA bundle mounted (CDK volumes have no read-only flag; a proxy's or index's CA).
    No PIP_* variable is passed: they may hold credentials, and docker's command line is not secret."""
    from aws_cdk import DockerVolume

    ca_in_box = "/etc/layerbuild/ca-bundle.pem"
    environment, volumes = {}, []
    ca = next((os.environ[k] for k in ("PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE") if os.environ.get(k)), None)
    if ca and Path(ca).is_file():
        volumes.append(DockerVolume(host_path=str(Path(ca).resolve()), container_path=ca_in_box))
        environment = {"PIP_CERT": ca_in_box, "SSL_CERT_FILE": ca_in_box}
    pip = "pip install --no-deps --require-hashes -r /asset-input/requirements.lock -t /asset-output/python"
    return {
        "image": DockerImage.from_registry(
            options.image or f"public.ecr.aws/sam/build-{options.runtime}:latest-{options.arch}"
        ),
        "command": ["bash", "-c", pip],
        "environment": environment,
        "volumes": volumes,
        "network": options.network,
    }


def layer_options(runtime: str, arch: str, given: dict[str, Any]) -> BuildOptions:
    """BuildOptions from the construct's keywords, checked as the config file's keys are."""
    from layerbuild.config import coerce_option

    if runtime not in RUNTIMES:
        raise InputError(
            f"runtime {runtime} is not a Python runtime layerbuild builds for: use one of {', '.join(RUNTIMES)}"
        )
    if arch not in ARCHITECTURES:
        raise InputError(f"architecture {arch} is not a Lambda architecture: use one of {', '.join(ARCHITECTURES)}")
    values = {}
    for key, value in given.items():
        if key not in _OPTION_NAMES:
            raise InputError(f"LayerbuildLayer: unknown option {key!r} (known: {', '.join(sorted(_OPTION_NAMES))})")
        values[key] = coerce_option(key, value, f"LayerbuildLayer {key}")
    return replace(BuildOptions(), runtime=runtime, arch=arch, **values)


def _compatible(options: BuildOptions) -> tuple[str, ...]:
    from layerbuild.model.target import Target

    return Target(options.runtime, options.arch).compatible_runtimes


def prepare_lock(requirements: Path, options: BuildOptions) -> tuple[Path, str]:
    """Resolve once; write the hashed lock under the cache as the asset's source; return it and the asset hash."""
    from layerbuild.build.context import settings_for
    from layerbuild.build.from_plan import _lock_file_text
    from layerbuild.build.pipeline import local_sources_digest
    from layerbuild.model.target import Target
    from layerbuild.resolve.inputs import open_source
    from layerbuild.resolve.lockfile import install_text
    from layerbuild.resolve.resolver import lock_requirements
    from layerbuild.util.atomic import write_atomic
    from layerbuild.util.cachedir import cache_root

    target = Target(options.runtime, options.arch)
    settings = settings_for(options, target)
    lock = lock_requirements(open_source(requirements, options.project_options(), target), target)
    parts = {
        "layerbuild": __version__,
        "lock": install_text(lock),
        "from_source": lock.build_from_source,
        "local_sources": local_sources_digest(lock),
        "target": target.slug,
        "options": options.cache_parts(),
        "bytecode_python": settings.bytecode_python,
        "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH"),
    }
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
    folder = cache_root() / "cdk" / digest
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)  # the lock may name a private index
    path = folder / "requirements.lock"
    if not path.is_file():
        text = _lock_file_text(lock)
        write_atomic(path, lambda tmp: tmp.write_text(text))
    return path, digest


@jsii.implements(ILocalBundling)
class LocalLayerBuild:
    """CDK's local bundling: `layerbuild build` of the lock, its `python/` tree into CDK's output folder."""

    def __init__(self, lock_path: Path, options: BuildOptions, layer_id: str) -> None:
        self.lock_path, self.options, self.layer_id = lock_path, options, layer_id

    def try_bundle(self, output_dir: str, *_options: Any, **_docker_options: Any) -> bool:
        # jsii passes the bundling options as one positional struct, its typing stub says keywords: take both
        from layerbuild.build.pipeline import build_layer
        from layerbuild.util.progress import warn
        from layerbuild.zip.unpack import unpack_layer

        print(
            f"layerbuild: building layer {self.layer_id} for CDK ({self.lock_path.parent.name[:12]})", file=sys.stderr
        )
        try:
            with tempfile.TemporaryDirectory(prefix="layerbuild-cdk-") as tmp:
                result = build_layer(self.lock_path, replace(self.options, name="layer", output=tmp))
                unpack_layer(result.zip_path, Path(output_dir))
        except (FindingsError, InputError):
            raise
        except LayerbuildError as exc:
            warn(f"local bundling of {self.layer_id} cannot run here ({exc}): CDK's Docker bundling runs instead")
            return False
        print(f"layerbuild: {'cached' if result.cached else 'built'}: {self.layer_id}", file=sys.stderr)
        return True

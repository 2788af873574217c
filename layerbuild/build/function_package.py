"""`layerbuild build REQS --code DIR --function`: a function zip, for users who do not want layers.

The dependencies are built exactly as a layer is (`build_layer`: resolve, install, runtime-provided
removal, slim, bytecode, native and import checks, the build cache), then repacked at the zip's root
(where Lambda puts a function: `/var/task`, first on `sys.path`) with the function's code beside them.
The function zip has its own cache entry keyed by the layer's sha256 and the code's content (each
file's relative path and bytes), so an unchanged rebuild copies it and an edited handler gives a new zip;
it is deterministic like a layer (sorted entries, fixed dates and modes: zip/writer.py).

When the dependencies ship bytecode, the code's own modules get unchecked-hash .pyc beside their sources
too (`/var/task` is read-only, so Lambda would recompile them at every cold start), compiled by the same
interpreter of the runtime's version with PYTHONHASHSEED=0 and `/var/task/...` as their file name; the
code keeps its sources even with `--bytecode only` (tracebacks of your own code keep their lines). The
dependencies' .pyc record `/opt/python/...` as their file name (bytecode/compilers.py), which only shows
in tracebacks.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import zipfile
from dataclasses import replace
from pathlib import Path

from layerbuild.build.cache import BuildCache, cache_key
from layerbuild.build.pipeline import BuildResult, build_layer, default_name, output_dir
from layerbuild.config import BuildOptions
from layerbuild.errors import InputError
from layerbuild.measure.inventory import inventory_of_zip
from layerbuild.model.build_record import BuildRecord
from layerbuild.model.names import layer_zip_name
from layerbuild.model.target import Target
from layerbuild.report.sidecar import write_report_json
from layerbuild.util.atomic import write_atomic
from layerbuild.util.filehash import sha256_file
from layerbuild.util.interpreters import interpreter_version
from layerbuild.zip.writer import COMPRESSOR, LAYER_PREFIX, write_layer_zip

FUNCTION_ROOT = "/var/task"  # where Lambda unpacks a function zip: the file name compiled into the code's .pyc
# Never part of a function's code: caches, VCS and tool folders, SAM's build folder.
SKIPPED_DIRS = frozenset({"__pycache__", ".git", ".hg", ".svn", ".venv", ".aws-sam", ".mypy_cache", ".pytest_cache"})


def code_files(code: Path, skip: tuple[Path, ...] = ()) -> list[tuple[str, Path]]:
    """(posix path relative to `code`, file) of every regular file of the function's code, sorted;
    the folders and files in `skip` (e.g. the output folder inside it) and SKIPPED_DIRS are left out."""
    skipped = {p.resolve() for p in skip}
    files = []
    for folder, dirs, names in os.walk(code):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and (here / d).resolve() not in skipped)
        for name in names:
            path = here / name
            if path.is_symlink() or not path.is_file() or name.endswith((".pyc", ".pyo")):
                continue
            if path.resolve() in skipped:
                continue
            files.append((path.relative_to(code).as_posix(), path))
    return sorted(files)


def code_digest(files: list[tuple[str, Path]]) -> str:
    h = hashlib.sha256()
    for rel, path in files:
        h.update(f"\0{rel}\0{os.stat(path).st_mode & 0o111 != 0}\0".encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _code_folder(options: BuildOptions) -> Path:
    if not options.code:
        raise InputError("--function needs --code DIR: the function's code folder (what CodeUri names)")
    code = Path(options.code)
    if not code.is_dir():
        what = "a zip" if zipfile.is_zipfile(code) else "not a folder"
        raise InputError(f"--code {code} is {what}: --function needs the function's code folder")
    return code


def _compile_code(tree: Path, rels: list[str], python: Path) -> None:
    """unchecked-hash .pyc for the code's modules, byte-identical wherever and whenever they are built."""
    import subprocess

    from layerbuild.errors import EnvironmentProblem

    sources = "".join(f"{tree / rel}\n" for rel in rels if rel.endswith(".py"))
    if not sources:
        return
    args = ["-I", "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash"]
    args += ["-s", str(tree), "-p", FUNCTION_ROOT, "-i", "-"]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.run([str(python), *args], input=sources, capture_output=True, text=True, env=env)
    if proc.returncode not in (0, 1):  # 1: a file with a syntax error, which cannot be imported either
        raise EnvironmentProblem(f"{python} could not compile the function's code: {proc.stderr.strip()[-300:]}")


def _assemble(layer_zip: Path, files: list[tuple[str, Path]], work: Path, python: Path | None) -> Path:
    """Unpack the layer's python/ tree at the root of `work/tree`, add the code, zip it to `work/layer.zip`."""
    tree = work / "tree"
    with zipfile.ZipFile(layer_zip) as zf:
        for info in zf.infolist():
            if info.is_dir() or not info.filename.startswith(LAYER_PREFIX):
                continue
            target = tree / info.filename[len(LAYER_PREFIX) :]
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
            if (info.external_attr >> 16) & 0o111:
                os.chmod(target, 0o755)
    for rel, path in files:
        target = tree / rel
        if target.exists():
            raise InputError(
                f"--code {rel} is also a file of the dependencies: rename it in your code "
                "(the function's copy would replace the package's)"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        os.chmod(target, 0o755 if os.stat(path).st_mode & 0o111 else 0o644)
    if python is not None:
        _compile_code(tree, [rel for rel, _ in files], python)
    zip_path = write_layer_zip(tree, work / "layer.zip", prefix="")
    shutil.rmtree(tree, ignore_errors=True)
    return zip_path


def _code_compiler(layer: BuildResult, target: Target) -> Path | None:
    """The interpreter that compiled the dependencies (same version), when they ship bytecode."""
    if layer.report.bytecode_mode == "none" or not layer.report.bytecode_python:
        return None
    from layerbuild.util.interpreters import find_interpreter

    python = find_interpreter(target.python_version)
    if python is None or interpreter_version(python) != layer.report.bytecode_python:
        return None  # compiled in the build image: the code is shipped as sources
    return python


def build_function(requirements: str | Path, options: BuildOptions, *, cache: BuildCache | None = None) -> BuildResult:
    """Build the function zip of `requirements` and `options.code` into `options.output`."""
    code = _code_folder(options)
    out = output_dir(options.output)
    files = code_files(code, skip=(out,))
    name = options.name or default_name(code / "_")
    with tempfile.TemporaryDirectory(prefix="layerbuild-function-") as tmp:
        # The dependencies, as a layer: every stage and the layer cache apply; the layer zip stays private.
        layer = build_layer(requirements, replace(options, output=tmp, name=name), cache=cache)
        target: Target = layer.report.target or Target(options.runtime, options.arch)
        cache = cache or BuildCache()
        python = _code_compiler(layer, target)
        key = cache_key(
            {
                "function": layer.report.sha256,
                "code": code_digest(files),
                "code_bytecode": interpreter_version(python) if python else None,
                "compressor": COMPRESSOR,
                "layout": "root",
            }
        )
        entry = cache.get(key)
        cached = layer.cached and entry is not None
        if entry is None:
            work = cache.staging()
            try:
                zipped = _assemble(layer.zip_path, files, work, python)
                # The report comes from the layer's build; the entry only needs to know its zip.
                record = BuildRecord(sha256_file(zipped), target.runtime, target.arch)
                entry = cache.commit(key, work, record)
            finally:
                shutil.rmtree(work, ignore_errors=True)
    zip_out = out / layer_zip_name(f"{name}-function", target.runtime, target.arch)
    report_out = out / f"{name}-function-{target.slug}.report.json"
    write_atomic(zip_out, lambda t: shutil.copyfile(entry.zip_path, t))
    build = replace(layer.report.build, cached=cached) if layer.report.build else None
    report = replace(
        layer.report,
        inventory=inventory_of_zip(zip_out),
        layer_path=str(zip_out),
        sha256=entry.record.sha256,
        build=build,
        kind="function",
    )
    write_report_json(report, report_out)
    return BuildResult(zip_out, report_out, layer.lock, cached, report)

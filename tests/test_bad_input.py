"""The bad input catalogue: every way a user can hand layerbuild something it cannot use.

Each case runs the real CLI in a subprocess and holds it to one promise: the exit code is 2 (1 for
audit findings), stderr is exactly one `layerbuild: error:` line that names the problem, there is no
traceback, and no file is left behind (no partial zip, report or lock, no temp file, no half-written
cache entry). Cases are data: add one by writing a setup function under `@case(...)`.

Resolution cases use a local `--find-links` folder of wheels built by the test and `--no-index`, so
they run offline and say exactly which versions exist; two `network` cases repeat the point with PyPI.
Full-disk and read-only cases mount a small tmpfs (we run as root in CI) or set RLIMIT_FSIZE.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import stat
import subprocess
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from layerbuild.cli import COMMANDS
from tests.conftest import make_wheel, run_cli


class Workspace:
    """A folder for one case: files, an offline wheel index, tmpfs mounts, extra env and limits."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env: dict[str, str] = {"LAYERBUILD_CACHE_DIR": str(root / "cache")}
        self.preexec: Callable[[], None] | None = None
        self.mounts: list[Path] = []
        self._wheels: Path | None = None

    def write(self, rel: str, content: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        return path

    @property
    def wheels(self) -> Path:
        """tinypkg 1.0 (64 KiB of random bytes: its zip is bigger than the small tmpfs), needsnew 1.0
        (needs tinypkg>=2, which does not exist), winonly 1.0 (a Windows-only wheel)."""
        if self._wheels is None:
            self._wheels = self.root / "wheels"
            make_wheel(
                self._wheels,
                "tinypkg",
                "1.0",
                {"tinypkg/__init__.py": "X = 1\n", "tinypkg/blob.bin": os.urandom(65536)},
            )
            make_wheel(self._wheels, "needsnew", "1.0", {"needsnew/__init__.py": ""}, requires=["tinypkg>=2"])
            make_wheel(self._wheels, "winonly", "1.0", {"winonly/__init__.py": ""}, tag="cp312-cp312-win_amd64")
        return self._wheels

    def reqs(self, *lines: str, rel: str = "proj/requirements.txt") -> str:
        """A requirements file that resolves against the offline wheel folder only."""
        header = ["--no-index", f"--find-links {self.wheels}"]
        return str(self.write(rel, "\n".join([*header, *lines]) + "\n").relative_to(self.root))

    def hashed_lock(self, runtime: str = "python3.12", rel: str = "proj/requirements.lock") -> str:
        """A lock file as `layerbuild lock` writes it (read without resolving)."""
        wheel = next(self.wheels.glob("tinypkg-*.whl"))
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        text = (
            f"--no-index\n--find-links {self.wheels}\n"
            f"# layerbuild-lock: runtime={runtime} arch=x86_64\n"
            f"tinypkg==1.0 \\\n    --hash=sha256:{digest}\n"
        )
        return str(self.write(rel, text).relative_to(self.root))

    def tmpfs(self, rel: str, size: str = "8k", read_only: bool = False) -> Path:
        path = self.root / rel
        path.mkdir(parents=True, exist_ok=True)
        opts = f"size={size}" + (",ro" if read_only else "")
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(path)], capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN): {proc.stderr.strip()}")
        self.mounts.append(path)
        return path

    def unmount(self) -> None:
        for path in reversed(self.mounts):
            subprocess.run(["umount", "-l", str(path)], check=False)
        self.mounts.clear()


@dataclass(frozen=True)
class Case:
    id: str
    setup: Callable[[Workspace], list[str]]  # makes the files, returns the CLI arguments
    names: tuple[str, ...]  # what the error line must mention (case-insensitive)
    code: int = 2
    network: bool = False
    prints_results: bool = False  # audit prints its findings on stdout as well


CASES: list[Case] = []


def case(id: str, *names: str, code: int = 2, network: bool = False, prints_results: bool = False):
    def register(setup: Callable[[Workspace], list[str]]):
        CASES.append(Case(id, setup, tuple(names), code, network, prints_results))
        return setup

    return register


# --- the requirements file itself ---------------------------------------------------------------


@case("requirements-missing", "missing.txt", "does not exist")
def _(w):
    return ["build", "missing.txt", "-o", "out"]


@case("requirements-empty", "lists no requirements")
def _(w):
    w.write("proj/requirements.txt", "")
    return ["build", "proj/requirements.txt", "-o", "out"]


@case("requirements-only-comments-and-options", "lists no requirements")
def _(w):
    w.write("proj/requirements.txt", "# nothing here\n--no-index\n\n   # still nothing\n")
    return ["lock", "proj/requirements.txt", "-o", "out/requirements.lock"]


@case("requirements-binary", "binary file")
def _(w):
    w.write("proj/requirements.txt", b"\x7fELF\x02\x01\x01\x00\x00\x00" + os.urandom(256))
    return ["build", "proj/requirements.txt", "-o", "out"]


@case("requirements-not-utf8", "not utf-8")
def _(w):
    w.write("proj/requirements.txt", "caf\u00e9==1.0\n".encode("latin-1"))
    return ["build", "proj/requirements.txt", "-o", "out"]


@case("requirements-is-an-empty-folder", "proj", "holds no manifest")  # a folder is searched for one
def _(w):
    (w.root / "proj").mkdir()
    return ["build", "proj", "-o", "out"]


@case("requirement-line-unparseable", "requirements.txt:1", "not a valid requirement", "six===")
def _(w):
    w.write("proj/requirements.txt", "six===\n")
    return ["build", "proj/requirements.txt", "-o", "out"]


@case("requirement-continued-line-names-where-it-starts", "requirements.txt:3", "not a valid requirement")
def _(w):
    w.write("proj/requirements.txt", "requests\n# a comment\nidna \\\n  >= 3 ; python_version >=\n")
    return ["lock", "proj/requirements.txt"]


@case("requirement-editable-path-missing", "./mypkg", "from the working directory", "beside the requirements file")
def _(w):
    w.write("proj/requirements.txt", "-e ./mypkg\n")
    return ["build", "proj/requirements.txt", "-o", "out"]


@case("local-package-missing", "./libs/common", "from the working directory", "beside the requirements file")
def _(w):
    w.write("proj/requirements.txt", "six\n./libs/common\n")
    return ["lock", "proj/requirements.txt"]


@case("local-file-url-missing", "requirements.txt:1", "/nowhere/common", "does not exist")
def _(w):
    w.write("proj/requirements.txt", "common @ file:///nowhere/common\n")
    return ["build", "proj/requirements.txt", "-o", "out"]


@case("local-package-name-needs-a-build", "cannot tell the package name", "name @ file://")
def _(w):
    w.write("proj/dyn/setup.py", "from setuptools import setup\nsetup(name=open('NAME').read())\n")
    w.write("proj/requirements.txt", "./dyn\n")
    return ["build", "proj/requirements.txt", "-o", "out"]


@case("requirements-utf16-bom-but-not-utf16", "utf-16 byte-order mark", "save it again as utf-8")
def _(w):
    w.write("proj/requirements.txt", b"\xff\xfes\x00i\x00x")
    return ["build", "proj/requirements.txt", "-o", "out"]


@case("requirements-no-binary-all", "--no-binary :all:", "every package from source")
def _(w):
    w.write("proj/requirements.txt", "--no-binary :all:\nsix\n")
    return ["build", "proj/requirements.txt", "-o", "out"]


@case("requirement-per-line-option", "requirements.txt:2", "--install-option")
def _(w):
    w.write("proj/requirements.txt", "six\nsimplejson --install-option='--prefix=/x'\n")
    return ["lock", "proj/requirements.txt"]


@case("only-binary-package-without-wheel", "winonly", "no wheel", "--only-binary winonly")
def _(w):
    return ["build", w.reqs("--only-binary winonly", "tinypkg", "winonly"), "-o", "out"]


@case(
    "layer-empty-runtime-provides-everything", "boto3", "provided by the python3.12 runtime", "--keep-runtime-packages"
)
def _(w):
    make_wheel(w.wheels, "boto3", "1.0", {"boto3/__init__.py": ""}, requires=["jmespath"])
    make_wheel(w.wheels, "jmespath", "1.0", {"jmespath/__init__.py": ""})
    return ["build", w.reqs("boto3"), "-o", "out"]


@case("layer-empty-markers-exclude-everything", "applies to python3.12", "markers")
def _(w):
    return ["build", w.reqs("tinypkg ; python_version < '3'"), "-o", "out"]


@case("requirements-unknown-option", "unknown option", "--frobnicate")
def _(w):
    w.write("proj/requirements.txt", "--frobnicate yes\nsix\n")
    return ["build", "proj/requirements.txt", "-o", "out"]


@case("include-loop", "include loop", "a.txt", "b.txt")
def _(w):
    w.write("proj/a.txt", "-r b.txt\nsix\n")
    w.write("proj/b.txt", "-r a.txt\n")
    return ["build", "proj/a.txt", "-o", "out"]


@case("include-self", "include loop")
def _(w):
    w.write("proj/requirements.txt", "six\n--requirement=requirements.txt\n")
    return ["lock", "proj/requirements.txt"]


@case("include-missing", "common.txt", "does not exist", "included from")
def _(w):
    w.write("proj/requirements.txt", "six\n-r ../shared/common.txt\n")
    return ["build", "proj/requirements.txt", "-o", "out"]


@case("include-of-a-device", "/dev/zero", "not a regular file")
def _(w):
    w.write("proj/requirements.txt", "six\n-r /dev/zero\n")
    return ["lock", "proj/requirements.txt"]


@case("include-without-file-name", "-r needs a file name")
def _(w):
    w.write("proj/requirements.txt", "six\n-r\n")
    return ["build", "proj/requirements.txt", "-o", "out"]


@case("index-url-without-value", "--index-url needs a value")
def _(w):
    w.write("proj/requirements.txt", "--index-url\nsix\n")
    return ["lock", "proj/requirements.txt"]


@case("build-without-requirements", "name a requirements file")
def _(w):
    return ["build", "-o", "out"]


@case("unknown-command", "no such command", "bulid")
def _(w):
    return ["bulid", "requirements.txt"]


# --- resolution against an index (offline wheel folder) -------------------------------------------


@case("unknown-package", "unknown package", "nosuchpkg")
def _(w):
    return ["build", w.reqs("nosuchpkg"), "-o", "out"]


@case("impossible-version", "cannot resolve", "tinypkg==7")
def _(w):
    return ["build", w.reqs("tinypkg==7"), "-o", "out"]


@case("conflicting-pins", "cannot resolve", "tinypkg==1.0", "tinypkg>1.0")
def _(w):
    return ["lock", w.reqs("tinypkg==1.0", "tinypkg>1.0"), "-o", "out/requirements.lock"]


@case("dependency-impossible", "cannot resolve", "needsnew", "tinypkg>=2")
def _(w):
    return ["build", w.reqs("needsnew"), "-o", "out"]


@case("wheels-only-for-another-platform", "winonly has no wheel", "python3.12 x86_64", "win_amd64")
def _(w):
    return ["build", w.reqs("winonly"), "-o", "out"]


@case("pywin32-on-linux", "pywin32 has no wheel", "python3.12", network=True)
def _(w):
    w.write("proj/requirements.txt", "pywin32\n")
    return ["build", "proj/requirements.txt", "-o", "out"]


@case("unknown-package-on-pypi", "unknown package", "layerbuild-no-such-package-zz9", network=True)
def _(w):
    w.write("proj/requirements.txt", "layerbuild-no-such-package-zz9==1.0\n")
    return ["build", "proj/requirements.txt", "-o", "out"]


# --- target -------------------------------------------------------------------------------------


@case("unknown-runtime", "--runtime", "python2.7")
def _(w):
    return ["build", w.reqs("tinypkg"), "--runtime", "python2.7", "-o", "out"]


@case("unknown-arch", "--arch", "sparc")
def _(w):
    return ["lock", w.reqs("tinypkg"), "--arch", "sparc"]


@case("unknown-runtime-in-environment", "layerbuild_runtime", "python9")
def _(w):
    w.env["LAYERBUILD_RUNTIME"] = "python9"
    return ["build", w.reqs("tinypkg"), "-o", "out"]


@case("lock-for-another-runtime", "lock for python3.11", "python3.12")
def _(w):
    return ["build", w.hashed_lock(runtime="python3.11"), "--runtime", "python3.12", "-o", "out"]


@case("source-date-epoch-not-a-number", "source_date_epoch", "whole number")
def _(w):
    w.env["SOURCE_DATE_EPOCH"] = "yesterday"
    return ["build", w.reqs("tinypkg==1.0"), "-o", "out"]


@case("container-backend-without-docker-engine", "--backend container", "no docker engine answers", "no-docker.sock")
def _(w):
    w.env["DOCKER_HOST"] = f"unix://{w.root / 'no-docker.sock'}"
    return ["build", w.reqs("tinypkg==1.0"), "--backend", "container", "-o", "out"]


# --- [tool.layerbuild] configuration ------------------------------------------------------------


def _config(w: Workspace, body: str, name: str = "pyproject.toml") -> str:
    prefix = "[tool.layerbuild]\n" if name == "pyproject.toml" else ""
    return str(w.write(f"proj/{name}", prefix + body).relative_to(w.root))


@case("config-wrong-type", "runtime must be a string", "312")
def _(w):
    return ["build", w.reqs("tinypkg"), "--config", _config(w, "runtime = 312\n"), "-o", "out"]


@case("config-unknown-key", "unknown key 'optimise'")
def _(w):
    return ["build", w.reqs("tinypkg"), "--config", _config(w, 'optimise = "max"\n'), "-o", "out"]


@case("config-bad-choice", "slim", "extreme")
def _(w):
    return ["build", w.reqs("tinypkg"), "--config", _config(w, 'slim = "extreme"\n', "layerbuild.toml"), "-o", "out"]


@case("config-bool-not-bool", "keep_runtime_packages must be true or false")
def _(w):
    return ["build", w.reqs("tinypkg"), "--config", _config(w, 'keep_runtime_packages = "maybe"\n'), "-o", "out"]


@case("config-list-of-non-strings", "keep must be a list of strings")
def _(w):
    return ["build", w.reqs("tinypkg"), "--config", _config(w, "keep = [1, 2]\n"), "-o", "out"]


@case("config-not-toml", "not valid toml")
def _(w):
    return ["build", w.reqs("tinypkg"), "--config", _config(w, "runtime = 'python3.12\n"), "-o", "out"]


@case("config-table-is-a-string", "[tool.layerbuild] must be a table")
def _(w):
    w.write("proj/pyproject.toml", '[tool]\nlayerbuild = "python3.12"\n')
    return ["build", w.reqs("tinypkg"), "--config", "proj/pyproject.toml", "-o", "out"]


@case("config-pyproject-without-table", "no [tool.layerbuild] table")
def _(w):
    w.write("proj/pyproject.toml", '[project]\nname = "x"\n')
    return ["build", w.reqs("tinypkg"), "--config", "proj/pyproject.toml", "-o", "out"]


@case("config-missing", "config file", "does not exist")
def _(w):
    return ["lock", w.reqs("tinypkg"), "--config", "nowhere/pyproject.toml"]


@case("config-unknown-section", "unknown section [tool.layerbuild.layers]", "pyproject.toml")
def _(w):
    config = _config(w, '[tool.layerbuild.layers]\nshared = ["numpy"]\n')
    return ["build", w.reqs("tinypkg"), "--config", config, "-o", "out"]


@case("config-unknown-section-refused-by-audit-too", "unknown section [layers]", "layerbuild.toml")
def _(w):
    w.write("layer.zip", b"")
    return ["audit", "layer.zip", "--config", _config(w, '[layers]\nshared = ["numpy"]\n', "layerbuild.toml")]


@case("config-found-in-current-folder-is-checked-too", "unknown key 'runtimes'")
def _(w):
    w.write("pyproject.toml", '[tool.layerbuild]\nruntimes = ["python3.12"]\n')
    return ["build", w.reqs("tinypkg"), "-o", "out"]


# --- where the output goes ----------------------------------------------------------------------


@case("output-is-a-file", "is a file, not a folder")
def _(w):
    w.write("out", "I am a file\n")
    return ["build", w.reqs("tinypkg==1.0"), "-o", "out"]


@case("output-below-a-file", "cannot create output folder", "not a directory")
def _(w):
    w.write("out", "I am a file\n")
    return ["build", w.reqs("tinypkg==1.0"), "-o", "out/layers"]


@case("lock-output-below-a-file", "cannot write out/requirements.lock", "is a file, not a folder")
def _(w):
    w.write("out", "I am a file\n")
    return ["lock", w.hashed_lock(), "-o", "out/requirements.lock"]


@case("output-read-only", "not writable")
def _(w):
    w.tmpfs("out", read_only=True)
    return ["build", w.reqs("tinypkg==1.0"), "-o", "out"]


@case("lock-output-read-only", "cannot write out/requirements.lock", "read-only")
def _(w):
    w.tmpfs("out", read_only=True)
    return ["lock", w.hashed_lock(), "-o", "out/requirements.lock"]


@case("output-disk-full", "cannot write out/proj-python3.12-x86_64.zip", "no space left")
def _(w):
    w.tmpfs("out", size="8k")  # the layer zip is ~66 KiB
    return ["build", w.reqs("tinypkg==1.0"), "-o", "out"]


@case("cache-disk-full", "installing", "no space left")
def _(w):
    cache = w.tmpfs("cache", size="16k")
    w.env["LAYERBUILD_CACHE_DIR"] = str(cache)
    return ["build", w.reqs("tinypkg==1.0"), "-o", "out"]


@case("file-size-limit", "cannot write out/requirements.lock", "file too large")
def _(w):
    # RLIMIT_FSIZE makes every write past 64 bytes fail with EFBIG, as a full disk would.
    # Python ignores SIGXFSZ, so the write fails instead of killing the process.
    w.preexec = lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))
    (w.root / "out").mkdir()
    return ["lock", w.hashed_lock(), "-o", "out/requirements.lock"]


# --- layer names: they become file names in the output folder (layer_names.py) -------------------
# `-o out/layers` puts `../../` inside the workspace, so a file written there would be seen as left behind.


@case("name-climbs-out-of-the-output-folder", "--name", "'../../escaped'", "outside the output folder")
def _(w):
    return ["build", w.reqs("tinypkg==1.0"), "--name", "../../escaped", "-o", "out/layers"]


@case("name-with-a-separator", "--name", "'sub/layer'", "letters, digits")
def _(w):
    return ["build", w.reqs("tinypkg==1.0"), "--name", "sub/layer", "-o", "out"]


@case("name-empty", "--name", "is empty")
def _(w):
    return ["build", w.reqs("tinypkg==1.0"), "--name", "", "-o", "out"]


@case("name-starts-with-a-dot", "'.hidden'", "'.'")
def _(w):
    return ["build", w.reqs("tinypkg==1.0"), "--name", ".hidden", "-o", "out"]


@case("name-too-long-for-lambda", "141 characters", "140")
def _(w):
    return ["build", w.reqs("tinypkg==1.0"), "--name", "x" * 141, "-o", "out"]


@case("name-from-the-config-climbs-out", "pyproject.toml", "'../../escaped'")
def _(w):
    return ["build", w.reqs("tinypkg==1.0"), "--config", _config(w, 'name = "../../escaped"\n'), "-o", "out/layers"]


@case("name-from-the-environment-climbs-out", "LAYERBUILD_NAME", "'../../escaped'")
def _(w):
    w.env["LAYERBUILD_NAME"] = "../../escaped"
    return ["build", w.reqs("tinypkg==1.0"), "-o", "out/layers"]


@case("plan-prefix-from-the-config-climbs-out", "pyproject.toml", "'../x'")
def _(w):
    w.reqs("tinypkg==1.0", rel="proj/api/requirements.txt")
    config = _config(w, 'name = "../x"\n[tool.layerbuild.functions.api]\nrequirements = "api/requirements.txt"\n')
    return ["build", "--config", config, "-o", "out/layers"]


@case("sam-function-id-with-a-path", "'../../Api'", "logical id")
def _(w):
    (w.root / "app" / "api").mkdir(parents=True)
    w.write("app/api/requirements.txt", "six\n")
    body = _FUNCTION.replace("  Api:", "  ../../Api:") + "      CodeUri: api/\n      Runtime: python3.12\n"
    return ["plan", "--sam", _sam(w, body)]


@case("publish-layer-name-with-a-path", "'../x'", "not valid for lambda")
def _(w):
    return ["publish", _layer_zip(w), "--layer-name", "../x", "--region", "us-east-1", "--dry-run"]


# --- zips and folders given to report, audit and publish ----------------------------------------


def _zip(w: Workspace, rel: str, entries: dict[str, str], links: dict[str, str] | None = None) -> str:
    path = w.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in entries.items():
            zf.writestr(name, text)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return rel


def _layer_zip(w: Workspace, rel: str = "dist/proj-python3.12-x86_64.zip") -> str:
    meta = "Metadata-Version: 2.1\nName: tiny\nVersion: 1.0\n"
    return _zip(
        w,
        rel,
        {
            "python/tiny/__init__.py": "X = 1\n",
            "python/tiny-1.0.dist-info/METADATA": meta,
            "python/tiny-1.0.dist-info/RECORD": "tiny/__init__.py,,\n",
        },
    )


@case("report-zip-is-random-bytes", "layer.zip", "not a readable zip")
def _(w):
    w.write("dist/layer.zip", b"PK\x03\x04" + os.urandom(512))
    return ["report", "dist/layer.zip", "--no-measure"]


@case("audit-zip-truncated", "layer.zip", "not a readable zip")
def _(w):
    whole = (w.root / _layer_zip(w)).read_bytes()
    w.write("dist/layer.zip", whole[: len(whole) // 2])
    return ["audit", "dist/layer.zip"]


@case("report-zip-with-a-corrupt-member", "corrupt", "metadata")
def _(w):
    path = w.root / _layer_zip(w)
    data = bytearray(path.read_bytes())
    at = data.find(b"Name: tiny")
    data[at] = ord("X")  # the stored bytes no longer match their CRC
    path.write_bytes(bytes(data))
    return ["report", str(path.relative_to(w.root)), "--no-measure", "--format", "json", "-o", "out/report.json"]


@case("report-zip-with-dotdot-entry", "entry outside the layer", "../../evil.py")
def _(w):
    _zip(w, "dist/layer.zip", {"python/ok.py": "X = 1\n", "python/../../evil.py": "print('escaped')\n"})
    return ["report", "dist/layer.zip", "--runtime", "python3.11", "-o", "out/report.html", "--format", "html"]


@case("audit-zip-with-absolute-entry", "entry outside the layer", "/etc/cron.d/evil")
def _(w):
    _zip(w, "dist/layer.zip", {"python/ok.py": "X = 1\n", "/etc/cron.d/evil": "* * * * * root true\n"})
    return ["audit", "dist/layer.zip", "--format", "json", "-o", "out/audit.json"]


@case("report-path-missing", "dist/nothing.zip", "does not exist")
def _(w):
    return ["report", "dist/nothing.zip"]


@case("report-path-is-a-fifo", "dist/layer.zip", "is a fifo")
def _(w):
    (w.root / "dist").mkdir()
    os.mkfifo(w.root / "dist" / "layer.zip")  # opening it to read would block forever
    return ["report", "dist/layer.zip", "--no-measure"]


@case("audit-path-is-a-fifo", "dist/layer.zip", "is a fifo")
def _(w):
    (w.root / "dist").mkdir()
    os.mkfifo(w.root / "dist" / "layer.zip")
    return ["audit", "dist/layer.zip"]


@case("report-memory-not-a-number", "--memory", "lots")
def _(w):
    return ["report", _layer_zip(w), "--no-measure", "--memory", "128,lots"]


@case("report-output-disk-full", "cannot write out/report.html", "no space left")
def _(w):
    w.tmpfs("out", size="4k")
    return ["report", _layer_zip(w), "--no-measure", "--format", "html", "-o", "out/report.html"]


@case("audit-budget-not-a-size", "--max-unzipped", "lots")
def _(w):
    return ["audit", _layer_zip(w), "--max-unzipped", "lots"]


@case("audit-baseline-not-json", "baseline", "not json")
def _(w):
    w.write("baseline.json", "{not json")
    return ["audit", _layer_zip(w), "--baseline", "baseline.json"]


@case("audit-over-budget-is-a-finding", "finding", "lb101", code=1, prints_results=True)
def _(w):
    return ["audit", _layer_zip(w), "--max-unzipped", "10B"]


@case("publish-zip-is-not-a-zip", "not a zip")
def _(w):
    w.write("dist/proj-python3.12-x86_64.zip", "this is text\n")
    return ["publish", "dist/proj-python3.12-x86_64.zip", "--layer-name", "proj", "--region", "us-east-1", "--dry-run"]


@case("publish-zip-missing", "does not exist")
def _(w):
    return ["publish", "dist/proj-python3.12-x86_64.zip", "--layer-name", "proj", "--region", "us-east-1", "--dry-run"]


def _artifact(w: Workspace, reported_sha256: str | None = None, with_report: bool = True) -> str:
    """A build job's artifact as download-artifact leaves it: artifacts/layer-proj/{zip, report}."""
    zip_rel = _layer_zip(w, "artifacts/layer-proj/proj-python3.12-x86_64.zip")
    actual = hashlib.sha256((w.root / zip_rel).read_bytes()).hexdigest()
    if with_report:
        report = {
            "schema_version": 1,
            "target": {"runtime": "python3.12", "arch": "x86_64"},
            "layer": {"path": "/runner/out/proj-python3.12-x86_64.zip", "sha256": reported_sha256 or actual},
        }
        w.write("artifacts/layer-proj/proj-python3.12-x86_64.report.json", json.dumps(report))
    return "artifacts"


@case("publish-from-zip-not-what-its-job-reported", "proj-python3.12-x86_64.zip", "its build job reported")
def _(w):
    return ["publish", "--from", _artifact(w, reported_sha256="ab" * 32), "--region", "us-east-1", "--dry-run"]


@case("publish-from-zip-without-its-report", "proj-python3.12-x86_64.zip", "no .report.json beside it")
def _(w):
    return ["publish", "--from", _artifact(w, with_report=False), "--region", "us-east-1", "--dry-run"]


@case("publish-from-a-planned-layer-no-job-built", "plans shared-1", "did a build job fail")
def _(w):
    w.write("artifacts/plan/plan.json", json.dumps({"layers": [{"name": "proj"}, {"name": "shared-1"}]}))
    return ["publish", "--from", _artifact(w), "--region", "us-east-1", "--dry-run"]


@case("build-resolution-ttl-not-a-duration", "--resolution-ttl", "10m or 1h", "'soon'")
def _(w):
    return ["build", w.reqs("tinypkg==1.0"), "--resolution-ttl", "soon", "-o", "out"]


@case("build-resolution-ttl-env-not-a-duration", "LAYERBUILD_RESOLUTION_TTL", "10m or 1h")
def _(w):
    w.env["LAYERBUILD_RESOLUTION_TTL"] = "-5"
    return ["build", w.reqs("tinypkg==1.0"), "-o", "out"]


@case("build-cache-url-not-s3", "--cache-url", "s3://bucket/prefix")
def _(w):
    return ["build", w.reqs("tinypkg==1.0"), "--cache-url", "https://user:secret@cache.example/x", "-o", "out"]


@case("build-only-names-no-planned-layer", "--only nosuch", "planned: api-deps (python3.12 x86_64)")
def _(w):
    w.reqs("tinypkg==1.0", rel="proj/api/requirements.txt")
    config = _config(w, '[tool.layerbuild.functions.api]\nrequirements = "api/requirements.txt"\n')
    return ["build", "--config", config, "--only", "nosuch", "-o", "out"]


@case("prune-keep-zero", "--keep must be at least 1")
def _(w):
    return ["prune", "proj", "--keep", "0", "--region", "us-east-1", "--dry-run"]


# --- SAM templates given to plan ----------------------------------------------------------------


def _sam(w: Workspace, body: str | bytes) -> str:
    w.write("app/template.yaml", body)
    return "app/template.yaml"


_FUNCTION = "Resources:\n  Api:\n    Type: AWS::Serverless::Function\n    Properties:\n"


@case("sam-template-not-yaml", "template.yaml", "not valid yaml", "line")
def _(w):
    return ["plan", "--sam", _sam(w, _FUNCTION + "      CodeUri: [api\n")]


@case("sam-template-binary", "template.yaml", "not utf-8")
def _(w):
    return ["plan", "--sam", _sam(w, b"\x00\x01\x02 binary \xff")]


@case("sam-template-resources-not-a-mapping", "no resources section")
def _(w):
    return ["plan", "--sam", _sam(w, "Resources: 3\n")]


@case("sam-template-codeuri-missing", "codeuri", "not a folder")
def _(w):
    return ["plan", "--sam", _sam(w, _FUNCTION + "      CodeUri: api/\n      Runtime: python3.12\n")]


@case("sam-template-runtime-unknown", "runtime", "python2.7")
def _(w):
    (w.root / "app" / "api").mkdir(parents=True)
    w.write("app/api/requirements.txt", "six\n")
    return ["plan", "--sam", _sam(w, _FUNCTION + "      CodeUri: api/\n      Runtime: python2.7\n")]


@case("sam-template-missing", "does not exist")
def _(w):
    return ["plan", "--sam", "app/template.yaml"]


# --- SAM templates --write-template cannot place a layer in (integrations/sam_template.py) ---------------


def _write_template(w: Workspace, function_props: str) -> list[str]:
    """A Python function with dependencies beside one `--write-template` must refuse."""
    (w.root / "app" / "api").mkdir(parents=True, exist_ok=True)
    w.write("app/api/app.py", "def handler(event, context):\n    return 1\n")
    w.reqs("tinypkg", rel="app/api/requirements.txt")
    body = (
        "Resources:\n  Api:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      CodeUri: api/\n      Runtime: python3.12\n      Handler: app.handler\n"
        "  Other:\n    Type: AWS::Serverless::Function\n    Properties:\n" + function_props
    )
    return ["plan", "--sam", _sam(w, body), "--write-template", "out/template.yaml"]


@case("sam-write-template-image-function", "Other", "container image", "PackageType")
def _(w):
    return _write_template(w, "      PackageType: Image\n      ImageUri: repo/other:latest\n")


@case("sam-write-template-codeuri-s3-string", "Other", "in s3", "s3://bucket/other.zip")
def _(w):
    return _write_template(w, "      CodeUri: s3://bucket/other.zip\n      Runtime: python3.12\n      Handler: a.b\n")


@case("sam-write-template-codeuri-s3-map", "Other", "in s3")
def _(w):
    props = "      CodeUri:\n        Bucket: bucket\n        Key: other.zip\n      Runtime: python3.12\n      Handler: a.b\n"
    return _write_template(w, props)


@case("sam-write-template-over-five-layers", "Api", "6 layers", "5")
def _(w):
    argv = _write_template(w, "      CodeUri: api/\n      Runtime: python3.12\n      Handler: app.handler\n")
    arns = "".join(f"        - arn:aws:lambda:us-east-1:123456789012:layer:l{i}:1\n" for i in range(6))
    path = w.root / "app/template.yaml"
    path.write_text(
        path.read_text().replace(
            "      Handler: app.handler\n", "      Handler: app.handler\n      Layers:\n" + arns, 1
        )
    )
    return argv


@case("sam-write-template-without-sam", "--write-template", "--sam")
def _(w):
    return ["plan", "--write-template", "out/template.yaml"]


@case("build-function-without-code", "--function", "--code")
def _(w):
    return ["build", w.reqs("tinypkg"), "--function", "-o", "out"]


# --- project manifests: a folder, pyproject.toml (resolve/inputs) ------------------------------------

_PYPROJECT = (
    '[project]\nname = "app"\nversion = "0.1"\nrequires-python = ">=3.11"\ndependencies = ["six"]\n'
    '[project.optional-dependencies]\nyaml = ["pyyaml"]\n[dependency-groups]\ndev = ["pytest"]\n'
)


@case("project-folder-without-manifest", "empty-app", "holds no manifest", "pyproject.toml")
def _(w):
    (w.root / "empty-app").mkdir()
    w.write("empty-app/handler.py", "def handler(event, context): return 1\n")
    return ["build", "empty-app", "-o", "out"]


@case("pyproject-malformed-toml", "pyproject.toml", "not valid toml")
def _(w):
    w.write("app/pyproject.toml", '[project]\nname = "app"\ndependencies = ["six"\n')
    return ["build", "app", "-o", "out"]


@case("pyproject-group-missing", "--group docs", "no dependency group", "dev")
def _(w):
    w.write("app/pyproject.toml", _PYPROJECT)
    return ["build", "app/pyproject.toml", "--group", "docs", "-o", "out"]


@case("pyproject-extra-missing", "--extra s3", "no extra", "yaml")
def _(w):
    w.write("app/pyproject.toml", _PYPROJECT)
    return ["lock", "app", "--extra", "s3", "-o", "out/lock.txt"]


@case("pyproject-python-excludes-runtime", "requires python >=3.13", "python3.12", "3.12")
def _(w):
    w.write("app/pyproject.toml", _PYPROJECT.replace(">=3.11", ">=3.13"))
    return ["build", "app", "--runtime", "python3.12", "-o", "out"]


@case("pyproject-python-allows-no-runtime", "requires python <3.9", "no lambda runtime")
def _(w):
    w.write("app/pyproject.toml", _PYPROJECT.replace(">=3.11", "<3.9"))
    return ["audit", "app"]


@case("pyproject-poetry-caret-not-a-version", "pyproject.toml", "six", "^1.x")
def _(w):
    w.write(
        "app/pyproject.toml",
        '[tool.poetry]\nname = "app"\n[tool.poetry.dependencies]\npython = "^3.11"\nsix = "^1.x"\n',
    )
    return ["build", "app", "-o", "out"]


# --- uv.lock and workspaces (resolve/inputs/uv_lock.py) ------------------------------------------
_UV_WORKSPACE = Path(__file__).parent / "data" / "uv-workspace"  # a real workspace locked by `uv lock`


def _uv_workspace(w: Workspace, lock_edit: Callable[[str], str] = lambda text: text) -> str:
    import shutil

    shutil.copytree(_UV_WORKSPACE, w.root / "ws", ignore=shutil.ignore_patterns("*.egg-info", "build"))
    lock = w.root / "ws" / "uv.lock"
    lock.write_text(lock_edit(lock.read_text()))
    return "ws"


@case("uv-lock-unknown-version", "uv.lock", "version 2", "version 1")
def _(w):
    return ["build", _uv_workspace(w, lambda t: t.replace("version = 1\n", "version = 2\n", 1)), "-o", "out"]


@case("uv-lock-malformed-toml", "uv.lock", "not valid toml")
def _(w):
    return ["lock", _uv_workspace(w, lambda t: t.replace("[manifest]", "[manifest", 1)), "-o", "out/lock.txt"]


@case("uv-lock-package-not-a-member", "--package fn-z", "not a member", "fn-a, fn-b")
def _(w):
    return ["build", _uv_workspace(w), "--package", "fn-z", "-o", "out"]


@case("uv-lock-member-outside-workspace", "workspace member shared", "outside the workspace")
def _(w):
    edit = lambda t: t.replace('editable = "libs/shared"', 'editable = "../elsewhere"')  # noqa: E731
    return ["audit", _uv_workspace(w, edit), "--package", "fn-a"]


@case("uv-lock-stale", "uv.lock is stale", "fn-b", "run `uv lock`")
def _(w):
    folder = _uv_workspace(w)
    member = w.root / folder / "functions" / "fn-b" / "pyproject.toml"
    member.write_text(member.read_text().replace('"pyyaml>=6"', '"pyyaml>=6", "six"'))
    return ["build", folder, "--package", "fn-b", "-o", "out"]


@case("uv-lock-group-missing", "--group dev", "fn-a has no such group", "test")
def _(w):
    return ["lock", _uv_workspace(w), "--package", "fn-a", "--group", "dev", "-o", "out/lock.txt"]


# --- poetry.lock, Pipfile.lock, pylock.toml (resolve/inputs/poetry_lock.py, pipfile_lock.py, pylock.py) ---
_DATA = Path(__file__).parent / "data"  # real locks by Poetry 2.5, pipenv and uv (see each folder's README)


def _copied(w: Workspace, name: str, file: str, edit: Callable[[str], str] = lambda text: text) -> str:
    import shutil

    shutil.copytree(_DATA / name, w.root / name)
    path = w.root / name / file
    path.write_text(edit(path.read_text()))
    return name


@case("poetry-lock-malformed-toml", "poetry.lock", "not valid toml")
def _(w):
    return [
        "build",
        _copied(w, "poetry-orders-api", "poetry.lock", lambda t: t.replace("[metadata]", "[metadata")),
        "-o",
        "out",
    ]


@case("poetry-lock-unknown-version", "poetry.lock", "unknown poetry.lock version 9.0")
def _(w):
    edit = lambda t: t.replace('lock-version = "2.1"', 'lock-version = "9.0"')  # noqa: E731
    return ["lock", _copied(w, "poetry-orders-api", "poetry.lock", edit), "-o", "out/lock.txt"]


@case("poetry-lock-stale", "poetry.lock is stale", "content-hash", "run `poetry lock`")
def _(w):
    edit = lambda t: t.replace('attrs = ">=23"', 'attrs = ">=22"')  # noqa: E731
    return ["build", _copied(w, "poetry-orders-api", "pyproject.toml", edit), "-o", "out"]


@case("poetry-lock-group-missing", "no dependency group 'docs'", "dev, test")
def _(w):
    return ["audit", _copied(w, "poetry-orders-api", "poetry.lock"), "--group", "docs"]


@case("pipfile-lock-malformed-json", "Pipfile.lock", "not valid json")
def _(w):
    return ["build", _copied(w, "pipenv-billing", "Pipfile.lock", lambda t: t[: len(t) // 2]), "-o", "out"]


@case("pipfile-lock-unknown-version", "Pipfile.lock", "pipfile-spec 99")
def _(w):
    edit = lambda t: t.replace('"pipfile-spec": 6', '"pipfile-spec": 99')  # noqa: E731
    return ["lock", _copied(w, "pipenv-billing", "Pipfile.lock", edit), "-o", "out/lock.txt"]


@case("pipfile-lock-stale", "Pipfile.lock is stale", "run `pipenv lock`")
def _(w):
    edit = lambda t: t.replace('jmespath = "*"', 'jmespath = ">=1"')  # noqa: E731
    return ["build", _copied(w, "pipenv-billing", "Pipfile", edit), "-o", "out"]


@case("pylock-malformed-toml", "pylock.toml", "not valid toml")
def _(w):
    edit = lambda t: t.replace("[[packages]]", "[[packages]", 1)  # noqa: E731
    return ["build", _copied(w, "pylock-events-ingest", "pylock.toml", edit) + "/pylock.toml", "-o", "out"]


@case("pylock-unknown-version", "pylock.toml", "lock-version 2.0")
def _(w):
    edit = lambda t: t.replace('lock-version = "1.0"', 'lock-version = "2.0"')  # noqa: E731
    return ["lock", _copied(w, "pylock-events-ingest", "pylock.toml", edit) + "/pylock.toml", "-o", "out/lock.txt"]


@case("pylock-not-a-lock", "pylock.toml", "not a PEP 751 lock")
def _(w):
    w.write("proj/pylock.toml", '[tool.something]\nkey = "value"\n')
    return ["build", "proj/pylock.toml", "-o", "out"]


@case("pylock-environment-excluded", "pylock.toml", "is locked for sys_platform == 'win32'")
def _(w):
    w.write("proj/pylock.toml", 'lock-version = "1.0"\nenvironments = ["sys_platform == \'win32\'"]\n')
    return ["build", "proj/pylock.toml", "-o", "out"]


@case("pylock-for-another-arch", "is a lock for python3.12 x86_64", "not python3.12 arm64")
def _(w):
    w.write(
        "proj/pylock.toml",
        'lock-version = "1.0"\n'
        "environments = [\"sys_platform == 'linux' and platform_machine == 'x86_64' and python_version == '3.12'\"]\n"
        '[[packages]]\nname = "six"\nversion = "1.17.0"\n'
        'wheels = [{ url = "https://files.example/six-1.17.0-py2.py3-none-any.whl", hashes = { sha256 = "'
        + "0" * 64
        + '" } }]\n',
    )
    return ["build", "proj/pylock.toml", "--runtime", "python3.12", "--arch", "arm64", "-o", "out"]


# --- the handler's init (coldstart, report/audit --code --handler; measure/init/) -------------------
# python3.11 is the interpreter every machine of ours has on PATH (environment.md).


def _handler(w, source: str) -> list[str]:
    w.write("code/app.py", source)
    return ["--code", "code", "--runtime", "python3.11"]


@case("coldstart-handler-raises-at-import", "app.handler", "app.py line 2", "KeyError: 'TABLE_NAME'")
def _(w):
    return ["coldstart", *_handler(w, "import os\nTABLE = os.environ['TABLE_NAME']\n"), "--handler", "app.handler"]


@case("coldstart-handler-names-no-function", "app.handle", "names no function", "no attribute 'handle'")
def _(w):
    return ["coldstart", *_handler(w, "def handler(event, context):\n    return 1\n"), "--handler", "app.handle"]


@case("coldstart-handler-string-without-a-function", "'app'", "names no function", "MODULE.FUNCTION")
def _(w):
    return ["coldstart", *_handler(w, "def handler(event, context):\n    return 1\n"), "--handler", "app"]


@case("coldstart-handler-hangs-at-import", "app.handler", "did not finish in 2 s", "killed")
def _(w):
    src = "import time\nwhile True:\n    time.sleep(0.05)\n"
    return ["coldstart", *_handler(w, src), "--handler", "app.handler", "--init-timeout", "2"]


# The sandbox refuses the connection before any packet is sent (audit hook), inside a network namespace
# of its own (unshare --net as root): nothing leaves this machine. 192.0.2.1 is TEST-NET-1 (RFC 5737).
@case("coldstart-handler-tries-the-network-at-init", "app.handler", "tries the network at init", "192.0.2.1:443")
def _(w):
    src = (
        "import socket\ntry:\n    socket.create_connection(('192.0.2.1', 443), timeout=1)\nexcept OSError:\n    pass\n"
    )
    return ["coldstart", *_handler(w, src), "--handler", "app.handler"]


@case("coldstart-sam-function-not-in-template", "template.yaml", "no function 'Billing'", "Orders")
def _(w):
    w.write("src/app.py", "def handler(event, context):\n    return 1\n")
    w.write(
        "template.yaml",
        "Resources:\n  Orders:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      CodeUri: src/\n      Handler: app.handler\n      Runtime: python3.11\n",
    )
    return ["coldstart", "--sam", "template.yaml", "--function", "Billing"]


@case("report-handler-raises-at-import", "app.handler", "raises at import", "RuntimeError: no config")
def _(w):
    layer = w.write("layer/python/tiny/__init__.py", "X = 1\n").parents[2]
    src = "raise RuntimeError('no config')\n"
    return ["report", str(layer.relative_to(w.root)), "--no-measure", *_handler(w, src), "--handler", "app.handler"]


@case("audit-handler-names-no-function", "app.main", "names no function")
def _(w):
    layer = w.write("layer/python/tiny/__init__.py", "X = 1\n").parents[2]
    src = "def handler(event, context):\n    return 1\n"
    return ["audit", str(layer.relative_to(w.root)), *_handler(w, src), "--handler", "app.main", "--memory", "1769"]


@case("audit-max-init-growth-without-baseline", "--max-init-growth needs --baseline")
def _(w):
    layer = w.write("layer/python/tiny/__init__.py", "X = 1\n").parents[2]
    src = "def handler(event, context):\n    return 1\n"
    args = [*_handler(w, src), "--handler", "app.handler", "--max-init-growth", "20%"]
    return ["audit", str(layer.relative_to(w.root)), *args]


@case("audit-max-init-share-not-a-percentage", "--max-init-share", "not a percentage")
def _(w):
    layer = w.write("layer/python/tiny/__init__.py", "X = 1\n").parents[2]
    src = "def handler(event, context):\n    return 1\n"
    args = [*_handler(w, src), "--handler", "app.handler", "--max-init-share", "0.3"]
    return ["audit", str(layer.relative_to(w.root)), *args]


# --- the runner ---------------------------------------------------------------------------------


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() or p.is_symlink()}


def _left_behind(w: Workspace, before: set[str]) -> list[str]:
    """Files the failed command created, except complete cache entries (a build may have finished in
    the cache before writing the output failed; that entry is whole and reusable), the interpreter
    probe record (`interpreters.json`), remembered .pyc and the no-compilers stand-ins (facts, written
    whole by rename)."""
    new = sorted(_files(w.root) - before)
    cache = Path(w.env["LAYERBUILD_CACHE_DIR"])
    bad = []
    for rel in new:
        path = w.root / rel
        if path == cache / "interpreters.json":
            continue
        if path.is_relative_to(cache / "pyc") and not path.name.startswith("."):
            continue  # a compiled .pyc remembered whole (written by rename); temporary names start with "."
        if path.is_relative_to(cache / "sizes") and not path.name.startswith("."):
            continue  # a package's measured sizes (plan/sizes.py, written by write_atomic): the plan ran before --only
        if path.is_relative_to(cache / "resolutions") and not path.name.startswith("."):
            continue  # a resolution remembered whole (resolve/reuse.py: temporary file, then rename)
        if path.is_relative_to(cache / "tools") and not path.relative_to(cache / "tools").parts[0].startswith("."):
            continue  # no_compilers' stand-ins, renamed into place whole; a staging folder starts with "."
        if path.is_relative_to(cache / "runtime-sdk") and not path.relative_to(cache / "runtime-sdk").parts[
            0
        ].startswith("."):
            continue  # the runtime's boto3 family for the init sandbox, renamed into place whole
        if path.is_relative_to(cache / "imports") and not path.name.startswith("."):
            continue  # a passed import check remembered whole (verify/import_cache.py: temporary file, then rename)
        if any(path.is_relative_to(cache / memo) for memo in ("digests", "elf", "slim")) and not path.name.startswith(
            "."
        ):
            continue  # what the build learnt of its files (tree/digests.py, BinaryMemo, guard_memo), renamed whole
        if path.is_relative_to(cache / "inventories") and not path.name.startswith("."):
            continue  # the inventory of a cache entry's zip, made as it was written (measure/inventory_cache.py)
        if path.is_relative_to(cache / "zip-streams") and path.with_suffix(".idx").is_file():
            continue  # a pack of compressed streams whose index was renamed into place (zip/streams.py)
        if path == cache / "builds" / "recent":
            continue  # the entries committed last (build/cache.py), written by rename after a whole entry
        if path.is_relative_to(cache / "builds"):
            entry = path.parent
            if (entry / "entry.json").is_file() and (entry / "layer.zip").is_file():
                continue
        bad.append(rel)
    staging = cache / "tmp"
    if staging.is_dir():
        bad += [f"staging folder {p.name}" for p in staging.iterdir()]
    return bad


def _params():
    for c in CASES:
        marks = [pytest.mark.network] if c.network else []
        yield pytest.param(c, id=c.id, marks=marks)


@pytest.mark.parametrize("bad", list(_params()))
def test_bad_input_gives_one_clear_line_exit_code_and_no_leftovers(bad: Case, tmp_path):
    w = Workspace(tmp_path)
    try:
        argv = bad.setup(w)
        before = _files(tmp_path)
        result = run_cli("-q", *argv, env=w.env, cwd=tmp_path, preexec_fn=w.preexec, timeout=300)
        left = _left_behind(w, before)
    finally:
        w.unmount()
    lines = result.stderr.splitlines()
    assert "Traceback" not in result.stderr + result.stdout
    assert result.code == bad.code, result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("layerbuild: error: "), lines[0]
    for name in bad.names:
        assert name.lower() in lines[0].lower(), f"{name!r} not named in: {lines[0]}"
    if not bad.prints_results:
        assert result.stdout == ""
    assert left == [], f"left behind: {left}"


def test_the_catalogue_has_at_least_25_distinct_cases_and_covers_every_command(tmp_path):
    ids = [c.id for c in CASES]
    assert len(set(ids)) == len(ids)
    assert len([c for c in CASES if not c.network]) >= 25
    covered = set()
    for c in CASES:
        w = Workspace(tmp_path / c.id)
        w.root.mkdir()
        w.tmpfs = lambda rel, **kw: w.root / rel  # noqa: B023 - only the command name is wanted here: mount nothing
        covered.add(c.setup(w)[0])
    assert set(COMMANDS) <= covered, f"commands without a bad-input case: {set(COMMANDS) - covered}"


def test_report_and_audit_never_follow_symlinks_out_of_a_folder_or_a_zip(tmp_path):
    """Links are counted as links: their targets are neither read, measured, nor written through."""
    import json

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "big.bin").write_bytes(os.urandom(3 << 20))
    pkg = tmp_path / "layer" / "python" / "tiny"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("X = 1\n")
    (pkg / "big.bin").symlink_to(outside / "big.bin")
    (pkg / "etc").symlink_to("/etc")
    env = {"LAYERBUILD_CACHE_DIR": str(tmp_path / "cache")}

    folder = run_cli("-q", "report", str(tmp_path / "layer"), "--no-measure", "--format", "json", env=env)
    assert folder.code == 0, folder.stderr
    assert json.loads(folder.stdout)["layer"]["unzipped_bytes"] < 1 << 20  # not the 3 MiB behind the link

    # A zip whose link entries point out of the layer, measured with a real interpreter (which extracts
    # it): nothing may appear where the links point.
    escape = tmp_path / "must-not-appear"
    w = Workspace(tmp_path)
    _zip(
        w,
        "dist/links.zip",
        {"python/tiny/__init__.py": "X = 1\n"},
        links={"python/escape": str(escape), "python/climb": "../../../../../" + str(escape).lstrip("/")},
    )
    measured = run_cli(
        "-q", "report", str(tmp_path / "dist/links.zip"), "--runtime", "python3.11", "--format", "json", env=env
    )
    assert measured.code == 0, measured.stderr
    for target in (tmp_path / "layer", tmp_path / "dist/links.zip"):
        audited = run_cli("-q", "audit", str(target), env=env)
        assert audited.code in (0, 1) and "Traceback" not in audited.stderr, audited.stderr
    assert not escape.exists() and not escape.is_symlink()
    assert (outside / "big.bin").stat().st_size == 3 << 20

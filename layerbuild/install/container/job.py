"""Runs INSIDE the build container with the image's own Python: download, build, install into /layerbuild/out.

Standalone on purpose (stdlib only, Python 3.8+; annotations are never evaluated): it is copied into the container and never imported
by layerbuild. It reads `/layerbuild/in/job.json`:
  binary       requirement lines (with --hash) whose wheels are fetched for the target's tags
  source       requirement lines (with --hash) built from their sdist with the image's compiler
  install      `name==version` lines: what ends up in /layerbuild/out
  index_args   --index-url/--extra-index-url/--find-links/--no-index/--trusted-host, as in the lock
  python_version, platforms   the target's Python and platform tags, for the binary download

Sdists are unpacked to a fixed path (/layerbuild/src/NAME) and built there, not in pip's random temp
folder: compilers write the source path into debug info, and a fixed path keeps the layer byte-identical
from one build to the next.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile

ROOT = "/layerbuild"
STEP = "layerbuild-step:"


def step(text: str) -> None:
    print(f"{STEP} {text}", flush=True)


def pip(*args: str) -> None:
    cmd = [sys.executable, "-m", "pip", *args]
    proc = subprocess.run(cmd, stdout=sys.stdout, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        sys.exit(proc.returncode)


def write_lines(name: str, lines: list[str]) -> str:
    path = os.path.join(ROOT, "in", name)
    with open(path, "w") as f:
        f.write("".join(line + "\n" for line in lines))
    return path


def unpack_sdist(archive: str, dest: str) -> str:
    """Unpack an sdist and return its project folder (the archive's single top folder)."""
    os.makedirs(dest)
    if archive.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(dest)
    else:
        with tarfile.open(archive) as tf:
            if hasattr(tarfile, "data_filter"):
                tf.extractall(dest, filter="data")
            else:
                tf.extractall(dest)  # older Pythons: the archive's hash was checked by pip download
    entries = os.listdir(dest)
    if len(entries) == 1 and os.path.isdir(os.path.join(dest, entries[0])):
        return os.path.join(dest, entries[0])
    return dest


def main() -> None:
    with open(os.path.join(ROOT, "in", "job.json")) as f:
        job = json.load(f)
    index = job["index_args"]
    wheels = os.path.join(ROOT, "wheels")
    sdists = os.path.join(ROOT, "sdists")
    if job["binary"]:
        step("downloading wheels for the target")
        platforms = [arg for tag in job["platforms"] for arg in ("--platform", tag)]
        pip(
            "download",
            "--no-deps",
            "--require-hashes",
            "--only-binary",
            ":all:",
            "--implementation",
            "cp",
            "--python-version",
            job["python_version"],
            *platforms,
            "--dest",
            wheels,
            "-r",
            write_lines("binary.txt", job["binary"]),
            *index,
        )
    if job["source"]:
        step("downloading sdists")
        pip(
            "download",
            "--no-deps",
            "--require-hashes",
            "--no-binary",
            ":all:",
            "--dest",
            sdists,
            "-r",
            write_lines("source.txt", job["source"]),
            *index,
        )
        for archive in sorted(os.listdir(sdists)):
            stem = archive[: -len(".tar.gz")] if archive.endswith(".tar.gz") else os.path.splitext(archive)[0]
            step(f"building {stem}")
            project = unpack_sdist(os.path.join(sdists, archive), os.path.join(ROOT, "src", stem))
            pip("wheel", "--no-deps", "--wheel-dir", wheels, project, *index)
    step("installing")
    pip(
        "install",
        "--no-deps",
        "--no-compile",
        "--no-index",
        "--find-links",
        wheels,
        "--target",
        os.path.join(ROOT, "out"),
        "-r",
        write_lines("install.txt", job["install"]),
    )
    # Console scripts carry a shebang to this image's Python: useless in /opt.
    shutil.rmtree(os.path.join(ROOT, "out", "bin"), ignore_errors=True)
    step("done")


if __name__ == "__main__":
    main()

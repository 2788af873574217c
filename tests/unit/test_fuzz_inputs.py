"""Whatever a user writes in a requirements file or a config file, layerbuild either accepts it or
exits 2 with one `layerbuild: error:` line — never a traceback, never an internal error (exit 3).

In-process (`layerbuild.cli.main`) for speed. Requirement files resolve against an empty local
`--find-links` folder with `--no-index`, so uv really runs but nothing touches the network; config
values are checked against a hashed lock, which is read without resolving. Example counts are kept
small for CI; the strategies aim at the syntax users get wrong rather than at uniform noise.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layerbuild.cli import main
from layerbuild.config import _BUILD_KEYS, SECTION_KEYS

_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

names = st.from_regex(r"[A-Za-z][A-Za-z0-9._-]{0,12}", fullmatch=True)
versions = st.one_of(
    st.from_regex(r"[0-9]{1,3}(\.[0-9*]{1,3}){0,3}([ab]|rc|\.post|\.dev)?[0-9]?", fullmatch=True), st.text(max_size=8)
)
operators = st.sampled_from(["==", ">=", "<=", "~=", "!=", "===", "<", ">", " @ ", "", "=", "=>"])
markers = st.one_of(
    st.just(""),
    st.sampled_from(
        [
            " ; python_version >= '3.8'",
            " ; sys_platform == 'win32'",
            " ; platform_machine == 'aarch64'",
            " ; python_version >=",
            " ; extra == 'x'",
            " ; os_name",
            ";",
        ]
    ),
    st.text(max_size=10).map(lambda t: " ; " + t),
)
extras = st.one_of(st.just(""), st.lists(names, max_size=2).map(lambda xs: "[" + ",".join(xs) + "]"))
options = st.sampled_from(
    [
        "-r",
        "-c",
        "-e",
        "--hash=sha256:00",
        "-i",
        "--index-url=",
        "--extra-index-url",
        "--frobnicate",
        "-f",
        "--pre",
        "--only-binary :all:",
        "--no-binary",
        "-r nowhere.txt",
        "-r ../../../etc/passwd",
        "--index-url http://user:t0ken-secret@127.0.0.1:9/simple",
    ]
)
requirement = st.builds(lambda n, e, o, v, m: f"{n}{e}{o}{v}{m}", names, extras, operators, versions, markers)
line = st.one_of(
    requirement,
    options,
    st.text(max_size=30),
    requirement.map(lambda r: r + " \\"),
    requirement.map(lambda r: r + "  # comment"),
)


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    code = exc.value.code if isinstance(exc.value.code, int) else 1
    return code, out, err


def _assert_accepted_or_one_line(code: int, err: str) -> None:
    assert "Traceback" not in err
    assert code in (0, 2), err
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("layerbuild: error: "), err
        assert "internal error" not in lines[0]
    assert "t0ken-secret" not in err


@_SETTINGS
@given(lines=st.lists(line, min_size=0, max_size=5))
def test_any_requirements_file_is_accepted_or_refused_in_one_line(lines, capsys, monkeypatch):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "wheels").mkdir()
        reqs = root / "requirements.txt"
        reqs.write_text(
            "\n".join(["--no-index", f"--find-links {root / 'wheels'}", *lines]) + "\n",
            encoding="utf-8",
            errors="surrogatepass",
        )
        monkeypatch.setenv("LAYERBUILD_CACHE_DIR", str(root / "cache"))
        monkeypatch.delenv("PIP_INDEX_URL", raising=False)
        code, _, err = _run(["-q", "lock", str(reqs)], capsys)
    _assert_accepted_or_one_line(code, err)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"


scalars = st.one_of(
    st.booleans(),
    st.integers(-10, 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(
        [
            "python3.12",
            "python3.11",
            "arm64",
            "x86_64",
            "safe",
            "aggressive",
            "none",
            "wheels",
            "container",
            "auto",
            "only",
            "true",
            "numpy:tests/**",
        ]
    ),
)
values = st.one_of(scalars, st.lists(scalars, max_size=3), st.dictionaries(st.text(max_size=5), scalars, max_size=2))
keys = st.one_of(st.sampled_from(sorted(_BUILD_KEYS | SECTION_KEYS)), st.from_regex(r"[a-z_-]{1,12}", fullmatch=True))


@_SETTINGS
@given(table=st.dictionaries(keys, values, max_size=4))
def test_any_config_values_are_accepted_or_refused_in_one_line(table, capsys, monkeypatch):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config = root / "pyproject.toml"
        config.write_text(
            "[tool.layerbuild]\n" + "".join(f"{json.dumps(k)} = {_toml_value(v)}\n" for k, v in table.items())
        )
        lock = root / "requirements.lock"
        lock.write_text(
            f"# layerbuild-lock: runtime=python3.12 arch=x86_64\ntinypkg==1.0 \\\n    --hash=sha256:{'0' * 64}\n"
        )
        monkeypatch.setenv("LAYERBUILD_CACHE_DIR", str(root / "cache"))
        code, out, err = _run(["-q", "lock", str(lock), "--config", str(config)], capsys)
    _assert_accepted_or_one_line(code, err)
    if code == 0:
        assert "tinypkg==1.0" in out

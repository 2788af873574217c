"""The config reads the audit's settings schema without importing the audit's checks."""

from __future__ import annotations

import subprocess
import sys

import pytest

from layerbuild.audit.settings import audit_table, parse_size
from layerbuild.errors import InputError


def test_reading_the_build_options_imports_no_audit_check_or_native_check():
    code = (
        "import sys, layerbuild.config as c;"
        "assert c.BuildOptions(max_unzipped='200MB').max_unzipped_bytes() == 200_000_000;"
        "print(sorted(m for m in sys.modules if m.startswith(('layerbuild.audit', 'layerbuild.verify'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['layerbuild.audit', 'layerbuild.audit.rules', 'layerbuild.audit.settings']"


def test_audit_keys_take_dashes_or_underscores_and_unknown_keys_name_the_table():
    assert audit_table({"max_unzipped": "10MB", "fail-on": "warning"}, "x") == {
        "max-unzipped": "10MB",
        "fail-on": "warning",
    }
    with pytest.raises(InputError, match=r"^pyproject.toml \[tool.layerbuild.audit\]: unknown key 'max-size'"):
        audit_table({"max-size": 1}, "pyproject.toml [tool.layerbuild.audit]")


def test_lambdas_250_mb_is_250_mib():
    assert parse_size("250MiB", "x") == 262_144_000 and parse_size("50MB", "x") == 50_000_000

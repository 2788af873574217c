"""What the build container is given: the user's index settings and CA bundle (read-only), local
wheel folders at the same path, and nothing that names this machine's pip setup. No engine needed."""

from __future__ import annotations

from layerbuild.install.container.box import telling_line
from layerbuild.install.container.env import CA_PATH, container_index_args, pass_through
from layerbuild.model.lock import Lock, Pin
from layerbuild.model.target import Target

TOKEN = "tok-9e1f0c77ab42"


def _lock(index_args=(), pins=(Pin("six", "1.16.0"),)) -> Lock:
    return Lock(Target("python3.11", "x86_64"), tuple(pins), index_args=tuple(index_args))


def _clean_env(monkeypatch):
    import os

    for key in list(os.environ):
        if key.startswith(("PIP_", "UV_")) or key in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
            monkeypatch.delenv(key)


def test_uv_index_settings_reach_pip_in_the_container_with_their_credentials(monkeypatch):
    _clean_env(monkeypatch)
    monkeypatch.setenv("UV_DEFAULT_INDEX", f"https://ci:{TOKEN}@pypi.corp.example/simple")
    monkeypatch.setenv("UV_INDEX", "internal=https://pkgs.corp.example/simple https://more.corp.example/simple")
    env, _ = pass_through(_lock())
    assert env["PIP_INDEX_URL"] == f"https://ci:{TOKEN}@pypi.corp.example/simple"
    assert env["PIP_EXTRA_INDEX_URL"] == "https://pkgs.corp.example/simple https://more.corp.example/simple"
    assert env["UV_DEFAULT_INDEX"] == env["PIP_INDEX_URL"]  # an image that uses uv gets them too


def test_pip_settings_pass_but_not_those_naming_this_machines_paths(monkeypatch):
    _clean_env(monkeypatch)
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "https://pkgs.corp.example/simple")
    monkeypatch.setenv("PIP_TIMEOUT", "60")
    monkeypatch.setenv("PIP_REQUIRE_VIRTUALENV", "1")  # would make pip refuse to run in the image
    monkeypatch.setenv("PIP_CONFIG_FILE", "/home/me/.config/pip/pip.conf")
    env, _ = pass_through(_lock())
    assert env["PIP_EXTRA_INDEX_URL"] == "https://pkgs.corp.example/simple" and env["PIP_TIMEOUT"] == "60"
    assert "PIP_REQUIRE_VIRTUALENV" not in env and "PIP_CONFIG_FILE" not in env


def test_the_ca_bundle_is_mounted_read_only_and_every_ca_variable_points_at_it(monkeypatch, tmp_path):
    _clean_env(monkeypatch)
    ca = tmp_path / "corp-ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca))
    env, mounts = pass_through(_lock())
    assert mounts[str(ca.resolve())] == CA_PATH  # BuildContainer mounts every entry read-only
    assert env["PIP_CERT"] == env["SSL_CERT_FILE"] == env["REQUESTS_CA_BUNDLE"] == CA_PATH


def test_local_find_links_folders_are_seen_at_the_same_absolute_path(monkeypatch, tmp_path):
    _clean_env(monkeypatch)
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    monkeypatch.chdir(tmp_path)
    lock = _lock(index_args=("--find-links", "wheels", "--extra-index-url", "https://pkgs.corp.example/simple"))
    _, mounts = pass_through(lock)
    assert mounts[str(wheels.resolve())] == str(wheels.resolve())
    assert container_index_args(lock.index_args) == [
        "--find-links",
        str(wheels.resolve()),
        "--extra-index-url",
        "https://pkgs.corp.example/simple",
    ]


def test_the_error_shown_is_the_compilers_line_without_credentials():
    output = (
        f"Looking in indexes: https://ci:{TOKEN}@pypi.corp.example/simple\n"
        "  error: subprocess-exited-with-error\n"
        "  lbbroken.c:2:1: error: unknown type name 'this'\n"
        "ERROR: Failed building wheel for layerbuild-broken-probe\n"
    )
    assert telling_line(output) == "lbbroken.c:2:1: error: unknown type name 'this'"
    assert TOKEN not in telling_line(f"ERROR: 401 from https://ci:{TOKEN}@pypi.corp.example/simple/x/")

"""The stored resolution holds no credential in clear, and gets it back only from the same settings."""

from __future__ import annotations

import dataclasses

from layerbuild.model.lock import Lock, Pin
from layerbuild.model.target import Target
from layerbuild.resolve import reuse
from layerbuild.resolve.requirements import read_requirements

TOKEN = "tok-0123456789abcdef"
URL = f"https://ci:{TOKEN}@pkgs.example.com/files/six-1.17.0-py2.py3-none-any.whl#sha256={'0' * 64}"


def test_a_stored_lock_holds_no_token_and_gets_it_back_from_the_same_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("LAYERBUILD_CACHE_DIR", str(tmp_path / "cache"))
    req = tmp_path / "requirements.txt"
    req.write_text(f"--index-url https://ci:{TOKEN}@pkgs.example.com/simple\nsix\n")
    reqs = read_requirements(req)
    target = Target("python3.11", "x86_64")
    lock = Lock(target, (Pin("six", "1.17.0", ("sha256:" + "0" * 64,), direct=True),), wheel_urls=(("six", URL),))
    key = reuse.resolution_key(reqs, target)
    reuse.store(key, lock)
    stored = list((tmp_path / "cache" / "resolutions").rglob("*.json"))
    assert len(stored) == 1 and TOKEN not in stored[0].read_text() and "pkgs.example.com" in stored[0].read_text()
    found = reuse.load(reqs, target, key, ttl=60)
    assert found is not None and found[0].wheel_urls == (("six", URL),) and found[0].pins == lock.pins
    # Settings without that credential cannot restore it: no reuse (another key in practice, checked here too).
    other = dataclasses.replace(reqs, index_args=(), texts=(), uv_lines=("six",))
    assert reuse.load(other, target, key, ttl=60) is None


def test_an_entry_older_than_the_ttl_or_a_ttl_of_zero_is_not_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("LAYERBUILD_CACHE_DIR", str(tmp_path / "cache"))
    req = tmp_path / "requirements.txt"
    req.write_text("six\n")
    reqs = read_requirements(req)
    target = Target("python3.12", "x86_64")
    key = reuse.resolution_key(reqs, target)
    reuse.store(key, Lock(target, (Pin("six", "1.17.0", direct=True),)))
    assert reuse.load(reqs, target, key, ttl=600) is not None
    assert reuse.load(reqs, target, key, ttl=0) is None
    monkeypatch.setattr(reuse.time, "time", lambda: 10**11)  # fault injection: a clock far ahead, not a sleep
    assert reuse.load(reqs, target, key, ttl=600) is None

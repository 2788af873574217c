"""The init gate's judgement (audit/checks/init.py) on given measurements: which findings it makes.

The numbers are written here (no timing): the promise is the rule, e.g. that a runner twice as slow as
the baseline's, shown by the same run's empty handler, is not a growth.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from layerbuild.audit.checks.init import check_init, load_init_baseline
from layerbuild.audit.settings import AuditSettings, settings_from
from layerbuild.errors import InputError
from layerbuild.model.handler_init import CODE, STDLIB, HandlerInit, MemoryInit, PackageInit


def _init(init_ms: float, baseline_ms: float = 100.0, spread_ms: float = 20.0, memory: int = 512) -> HandlerInit:
    m = MemoryInit(
        memory=memory, cpu_share=0.29, measured=True, init_ms=init_ms, runs_ms=(init_ms,) * 5, spread_ms=spread_ms,
        baseline_ms=baseline_ms, baseline_runs_ms=(baseline_ms,) * 5, billed_ms=int(init_ms), usd_per_million=1.0,
    )  # fmt: skip
    packages = (
        PackageInit("pandas", "layer", 600.0, 400, 10_000_000),
        PackageInit(STDLIB, "stdlib", 300.0, 200, 5_000_000),
        PackageInit(CODE, "code", 100.0, 1, 1000),
    )
    return HandlerInit(
        handler="app.handler", runtime="python3.12", arch="x86_64", python="3.12.1", runs=5, note="",
        memories=(m,), packages=packages, never_imported=(), modules=601, bytes_loaded=15_001_000,
    )  # fmt: skip


BASE = {512: {"init_ms": 1000.0, "baseline_ms": 100.0, "spread_ms": 20.0}}


def _rules(findings):
    return sorted(f.rule for f in findings)


def test_init_over_max_init_ms_at_the_memory_size_is_an_error():
    s = AuditSettings(max_init_ms=800)
    found = check_init(_init(1000.0), s, 512, None)
    assert _rules(found) == ["LB601"] and found[0].severity == "error"
    assert check_init(_init(700.0), s, 512, None) == []


def test_growth_past_max_init_growth_against_the_baseline_is_an_error():
    s = AuditSettings(max_init_growth=20.0)
    assert _rules(check_init(_init(1300.0), s, 512, BASE)) == ["LB602"]
    assert check_init(_init(1150.0), s, 512, BASE) == []


def test_a_runner_twice_as_slow_as_the_baselines_is_not_a_growth():
    # Everything took twice as long, the empty handler too: the runner, not the layer.
    s = AuditSettings(max_init_growth=20.0)
    assert check_init(_init(2000.0, baseline_ms=200.0), s, 512, BASE) == []
    # The same slow runner with a really heavier init still fails.
    assert _rules(check_init(_init(3000.0, baseline_ms=200.0), s, 512, BASE)) == ["LB602"]


def test_an_empty_handler_that_ran_faster_than_the_baselines_never_makes_a_growth():
    # The empty handler's short whole-process time scatters more than init: it may excuse, never accuse.
    s = AuditSettings(max_init_growth=20.0)
    assert check_init(_init(1050.0, baseline_ms=60.0), s, 512, BASE) == []


def test_a_growth_inside_the_runs_own_spread_is_not_a_growth():
    s = AuditSettings(max_init_growth=5.0)
    small = {512: {"init_ms": 100.0, "baseline_ms": 100.0, "spread_ms": 40.0}}
    assert check_init(_init(130.0, spread_ms=40.0), s, 512, small) == []  # +30 %, but within ±40 ms
    assert _rules(check_init(_init(180.0, spread_ms=40.0), s, 512, small)) == ["LB602"]


def test_a_package_over_max_init_share_is_a_warning_and_the_standard_library_never_is():
    found = check_init(_init(1000.0), AuditSettings(max_init_share=25.0), 512, None)
    assert [(f.rule, f.package, f.severity) for f in found] == [("LB603", "pandas", "warning")]  # 60 %; stdlib 30 %


def test_a_baseline_without_the_memory_size_is_one_clear_line():
    with pytest.raises(InputError, match="no init at 512 MB"):
        check_init(_init(1000.0), AuditSettings(max_init_growth=20.0), 512, {1769: BASE[512]})


def test_the_baseline_is_read_from_an_audit_json_or_a_coldstart_json(tmp_path):
    memories = [{"memory": 512, "init_ms": 900.5, "baseline_ms": 80.0, "spread_ms": 12.0, "measured": True}]
    (tmp_path / "audit.json").write_text(json.dumps({"packages": [], "init": {"memories": memories}}))
    (tmp_path / "coldstart.json").write_text(json.dumps({"memories": memories}))
    (tmp_path / "old.json").write_text(json.dumps({"packages": []}))
    want = {512: {"init_ms": 900.5, "baseline_ms": 80.0, "spread_ms": 12.0}}
    assert load_init_baseline(tmp_path / "audit.json") == want
    assert load_init_baseline(tmp_path / "coldstart.json") == want
    with pytest.raises(InputError, match="holds no handler init"):
        load_init_baseline(tmp_path / "old.json")


def test_the_init_thresholds_come_from_flags_over_the_config_keys(tmp_path):
    cfg = {"max-init-ms": 900, "max-init-growth": "25%", "max_init_share": "40%"}
    s = settings_from({"max_init_ms": None, "max_init_growth": "10%"}, cfg, None)
    assert (s.max_init_ms, s.max_init_growth, s.max_init_share) == (900.0, 10.0, 40.0)
    assert replace(s, max_init_ms=None).max_init_ms is None
    with pytest.raises(InputError, match="not a percentage"):
        settings_from({"max_init_share": "0.4"}, None, None)

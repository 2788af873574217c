"""The import guard's memo: a rebuild reads only the sources that changed, and rescues what a cold run would."""

from __future__ import annotations

import hashlib

from layerbuild.slim.guard import import_guard
from layerbuild.slim.guard_memo import GuardMemo

FILES = {
    "lib/__init__.py": b"",
    "lib/testing.py": b"from lib.tests._helpers import assert_close\n",
    "lib/plain.py": b"import os\n",
    "lib/tests/_helpers.py": b"from ._tolerance import TOL\n",
    "lib/tests/_tolerance.py": b"TOL = 1e-9\n",
    "lib/tests/test_big.py": b"def test(): pass\n",
}
CHOSEN = {p: ("tests", "lib", "tests") for p in FILES if "/tests/" in p}


def _guard(files: dict[str, bytes], memo_path, chosen=CHOSEN) -> tuple[dict[str, str], list[str]]:
    read: list[str] = []

    def reader(path: str) -> bytes:
        read.append(path)
        return files[path]

    memo = GuardMemo(lambda path: hashlib.sha256(files[path]).digest(), memo_path)
    rescued = import_guard(None, sorted(files), dict(chosen), read=reader, memo=memo)
    memo.save()
    return rescued, sorted(read)


def test_an_unchanged_tree_is_judged_from_the_memo_with_the_same_answer(tmp_path):
    memo = tmp_path / "guard.json"
    cold, read = _guard(FILES, memo)
    assert cold == {"lib/tests/_helpers.py": "lib/testing.py", "lib/tests/_tolerance.py": "lib/tests/_helpers.py"}
    assert read  # the first run reads the sources
    again, read = _guard(FILES, memo)
    assert again == cold and read == []


def test_a_changed_source_is_read_again_and_changes_the_answer(tmp_path):
    memo = tmp_path / "guard.json"
    _guard(FILES, memo)
    changed = {**FILES, "lib/testing.py": b"import math\n"}
    rescued, read = _guard(changed, memo)
    assert read == ["lib/testing.py"]
    assert rescued == {}  # nothing kept imports the tests any more


def test_other_guard_words_judge_every_source_again(tmp_path):
    memo = tmp_path / "guard.json"
    _guard(FILES, memo)
    chosen = {**CHOSEN, "lib/plain.py": ("docs", "lib", "plain")}
    _, read = _guard(FILES, memo, chosen)
    assert "lib/testing.py" in read

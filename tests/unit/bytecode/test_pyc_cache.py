"""The .pyc cache answers only for the very same source, path, layout and interpreter."""

from layerbuild.bytecode.pyc_cache import PycCache


def _pyc(src: str) -> str:
    return src + "c"


def test_a_stored_pyc_is_found_again_only_for_the_same_source_and_path(tmp_path):
    tree = tmp_path / "tree"
    (tree / "pkg").mkdir(parents=True)
    (tree / "pkg" / "a.py").write_text("x = 1\n")
    (tree / "pkg" / "a.pyc").write_bytes(b"compiled a")
    cache = PycCache(tmp_path / "cache", "/usr/bin/python3", "3.11.7", sourceless=True)
    cache.store(tree, ["pkg/a.py"], _pyc)

    other = tmp_path / "other"
    (other / "pkg").mkdir(parents=True)
    (other / "pkg" / "a.py").write_text("x = 1\n")
    (other / "pkg" / "b.py").write_text("x = 1\n")  # same bytes, another path: another co_filename
    assert cache.fill(other, ["pkg/a.py", "pkg/b.py"], _pyc) == ["pkg/b.py"]
    assert (other / "pkg" / "a.pyc").read_bytes() == b"compiled a"

    (other / "pkg" / "a.py").write_text("x = 2\n")
    (other / "pkg" / "a.pyc").unlink()
    assert cache.fill(other, ["pkg/a.py"], _pyc) == ["pkg/a.py"]


def test_another_interpreter_or_layout_does_not_share_entries(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "m.py").write_text("y = 3\n")
    (tree / "m.pyc").write_bytes(b"compiled")
    PycCache(tmp_path / "c", "/usr/bin/python3", "3.11.7", sourceless=True).store(tree, ["m.py"], _pyc)
    (tree / "m.pyc").unlink()
    for cache in (
        PycCache(tmp_path / "c", "/usr/bin/python3", "3.11.8", sourceless=True),
        PycCache(tmp_path / "c", "/usr/bin/python3", "3.11.7", sourceless=False),
    ):
        assert cache.fill(tree, ["m.py"], _pyc) == ["m.py"]

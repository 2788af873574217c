"""What `--prune unused` never removes, whatever the trace saw (slim/unused.files_to_keep): package
`__init__`, data files a kept module names next to importlib.resources / pkgutil.get_data, shared
libraries a kept extension needs (DT_NEEDED, on real ELF files of this machine), a .pyc's source."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from layerbuild.slim.unused import files_to_keep
from layerbuild.tree.index import TreeIndex


def _tree(root: Path, files: dict[str, str | bytes]) -> TreeIndex:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
    return TreeIndex.of(root)


def test_a_data_file_a_kept_module_names_next_to_importlib_resources_is_kept(tmp_path):
    tree = _tree(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/loader.py": "from importlib import resources\n\n\ndef schema():\n"
            "    return resources.files(__package__).joinpath('schema.json').read_text()\n",
            "pkg/schema.json": "{}",
            "pkg/other.json": "{}",
            "pkg/words.py": "import pkgutil\nWORDS = pkgutil.get_data(__name__, 'data/words.txt')\n",
            "pkg/data/words.txt": "a\n",
            "pkg/unused.py": "X = 1\n",
        },
    )
    keep = files_to_keep(tree, frozenset({"pkg/__init__.py", "pkg/loader.py", "pkg/words.py"}), frozenset())
    assert {"pkg/schema.json", "pkg/data/words.txt"} <= keep
    assert "pkg/other.json" not in keep and "pkg/unused.py" not in keep


def test_every_package_init_and_the_source_of_a_kept_pyc_are_kept(tmp_path):
    tree = _tree(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/sub/__init__.py": "",
            "pkg/sub/mod.py": "",
            "pkg/sub/__pycache__/mod.cpython-312.pyc": b"\0",
            "pkg/sub/gone.py": "",
            "pkg/sub/__pycache__/gone.cpython-312.pyc": b"\0",
        },
    )
    keep = files_to_keep(tree, frozenset({"pkg/sub/__pycache__/mod.cpython-312.pyc"}), frozenset())
    assert {"pkg/__init__.py", "pkg/sub/__init__.py", "pkg/sub/mod.py"} <= keep
    assert not keep & {"pkg/sub/gone.py", "pkg/sub/__pycache__/gone.cpython-312.pyc"}


def _zlib_extension() -> Path | None:
    """Some Python's zlib extension module: a real ELF that needs libz.so.1 (DT_NEEDED)."""
    from layerbuild.util.interpreters import find_interpreter

    for version in ("3.12", "3.11", "3.13", "3.10"):
        python = find_interpreter(version)
        if python is None:
            continue
        found = subprocess.run(
            [str(python), "-c", "import zlib; print(getattr(zlib, '__file__', ''))"], capture_output=True, text=True
        )
        if found.stdout.strip().endswith(".so"):
            return Path(found.stdout.strip())
    return None


@pytest.mark.skipif(not Path("/lib/x86_64-linux-gnu/libz.so.1").is_file(), reason="needs this machine's libz")
def test_a_shared_library_a_kept_extension_needs_is_kept_and_an_unneeded_one_is_not(tmp_path):
    ext = _zlib_extension()
    if ext is None:
        pytest.skip("no Python here has zlib as an extension module")
    tree_root = tmp_path / "tree"
    (tree_root / "zpkg.libs").mkdir(parents=True)
    (tree_root / "zpkg").mkdir()
    shutil.copy(ext, tree_root / "zpkg" / ext.name)
    shutil.copy("/lib/x86_64-linux-gnu/libz.so.1", tree_root / "zpkg.libs" / "libz.so.1")
    shutil.copy(ext, tree_root / "zpkg.libs" / "libother.so")  # an ELF nothing kept needs
    tree = TreeIndex.of(tree_root)
    keep = files_to_keep(tree, frozenset({f"zpkg/{ext.name}"}), frozenset())
    assert "zpkg.libs/libz.so.1" in keep and "zpkg.libs/libother.so" not in keep
    assert "zpkg.libs/libother.so" in files_to_keep(tree, frozenset(), frozenset({"libother.so"}))  # ctypes

"""`build --into DIR` (zip/unpack.py): the zip's tree lands in DIR whole, replacing an older one."""

from __future__ import annotations

import zipfile

import pytest

from layerbuild.errors import InputError
from layerbuild.zip.unpack import unpack_layer


def _zip(path, files):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o755 if name.endswith(".so") else 0o644) << 16
            zf.writestr(info, data)
    return path


def test_the_layers_python_tree_replaces_what_an_earlier_unpack_left(tmp_path):
    old = _zip(tmp_path / "old.zip", {"python/gone.py": "x", "python/pkg/__init__.py": "1"})
    new = _zip(tmp_path / "new.zip", {"python/pkg/__init__.py": "2", "python/pkg/_x.so": b"\x7fELF"})
    dest = tmp_path / "artifacts"
    unpack_layer(old, dest)
    (dest / "other.txt").write_text("not ours")
    unpack_layer(new, dest)
    files = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
    assert files == ["other.txt", "python/pkg/__init__.py", "python/pkg/_x.so"]
    assert (dest / "python/pkg/__init__.py").read_text() == "2"
    assert (dest / "python/pkg/_x.so").stat().st_mode & 0o777 == 0o755
    assert not [p for p in dest.iterdir() if p.name.startswith(".layerbuild-unpack-")]


def test_an_entry_climbing_out_of_the_folder_is_refused_and_nothing_is_written(tmp_path):
    bad = _zip(tmp_path / "bad.zip", {"python/ok.py": "1", "../escape.py": "x"})
    with pytest.raises(InputError, match="outside the layer"):
        unpack_layer(bad, tmp_path / "dest")
    assert not (tmp_path / "escape.py").exists()
    assert list((tmp_path / "dest").iterdir()) == []

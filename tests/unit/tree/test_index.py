"""The tree index: one walk and one read per distribution, then kept true to the tree by the stages."""

from __future__ import annotations

import csv
import io
import os
import zipfile
from pathlib import Path

from layerbuild.tree import counts
from layerbuild.tree.distributions import distributions_in_dir
from layerbuild.tree.index import TreeIndex
from layerbuild.tree.walk import tree_files

from ...conftest import make_wheel


def _tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    wheels = [
        make_wheel(tmp_path / "w", "alpha", "1.0", {"alpha/__init__.py": "A = 1\n", "alpha/tests/t.py": "x = 1\n"}),
        make_wheel(tmp_path / "w", "beta", "2.0", {"beta.py": "B = 2\n"}, requires=["alpha>=1"]),
    ]
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as zf:
            zf.extractall(tree)
    return tree


def _record(tree: Path, name: str) -> list[str]:
    info = next(tree.glob(f"{name}-*.dist-info"))
    return [row[0] for row in csv.reader(io.StringIO((info / "RECORD").read_text())) if row]


def test_indexing_walks_once_and_reads_each_dist_info_file_once(tmp_path):
    tree = _tree(tmp_path)
    counts.walks.clear()
    counts.reads.clear()
    index = TreeIndex.of(tree)
    assert counts.walks == {str(tree): 1}
    assert sorted(Path(p).name for p in counts.reads) == ["METADATA"] * 2 + ["RECORD"] * 2 + ["WHEEL"] * 2
    assert set(counts.reads.values()) == {1}
    assert [d.name for d in index.distributions] == ["alpha", "beta"]
    assert index.distributions[1].requires_dist == ("alpha>=1",)
    assert index.owner_of("alpha/tests/t.py") == "alpha" and index.owner_of("beta.py") == "beta"
    assert [f.arcname for f in index.files()] == [f.arcname for f in tree_files(tree)]  # what a fresh walk sees


def test_removals_and_additions_keep_the_index_and_every_record_true_to_the_tree(tmp_path):
    tree = _tree(tmp_path)
    index = TreeIndex.of(tree)
    [removal] = index.remove(["alpha/tests/t.py"], "tests", "alpha")
    (tree / "alpha" / "__pycache__").mkdir()
    (tree / "alpha" / "__pycache__" / "__init__.cpython-312.pyc").write_bytes(b"pyc")
    index.add(["alpha/__pycache__/__init__.cpython-312.pyc"])
    index.update_records(
        removed=[("alpha", removal.path)], added=[("alpha", "alpha/__pycache__/__init__.cpython-312.pyc")]
    )
    assert not (tree / "alpha" / "tests").exists()  # emptied folders go too
    assert index.removals == [removal] and removal.bytes == len("x = 1\n")
    assert [f.arcname for f in index.files()] == [f.arcname for f in tree_files(tree)]
    assert "alpha/tests/t.py" not in _record(tree, "alpha")
    assert "alpha/__pycache__/__init__.cpython-312.pyc" in _record(tree, "alpha")
    assert index.distributions == distributions_in_dir(tree)  # as a fresh read of the RECORDs says


def test_a_removed_distribution_leaves_nothing_and_missing_rows_are_dropped(tmp_path):
    tree = _tree(tmp_path)
    index = TreeIndex.of(tree)
    alpha, beta = index.distributions
    gone = index.remove_distributions([beta], "runtime-provided")
    assert {r.path for r in gone.removals} == {"beta.py", *(f for f in beta.files if ".dist-info/" in f)}
    assert not list(tree.glob("beta-*.dist-info")) and index.removed_distributions == [beta]
    os.unlink(tree / "alpha" / "__init__.py")  # deleted without telling the index (an installer's bin/)
    index.drop_missing_rows()
    assert "alpha/__init__.py" not in _record(tree, "alpha")
    assert index.distributions == distributions_in_dir(tree) == [index.distributions[0]]


def test_distributions_moved_aside_leave_the_tree_as_a_removal_would_and_arrive_whole(tmp_path):
    """remove_distributions(move_to=…) (the import check's set-aside): the tree, the index and the removals
    are what a deletion gives, and every moved file is under the destination with its bytes. A folder
    only the distribution holds moves whole; one another distribution shares moves file by file; a file
    its RECORD lists but the tree lacks (an installer's bin/ removed) is skipped."""
    wheels = [
        make_wheel(tmp_path / "w", "alpha", "1.0", {"alpha/__init__.py": "A = 1\n", "shared/a.py": "a = 1\n"}),
        make_wheel(
            tmp_path / "w", "beta", "2.0", {"beta/__init__.py": "B = 2\n", "shared/b.py": "b = 2\n", "bin/tool": "x"}
        ),
    ]
    indexes = []
    for name in ("tree", "twin"):
        for wheel in wheels:
            with zipfile.ZipFile(wheel) as zf:
                zf.extractall(tmp_path / name)
        os.unlink(tmp_path / name / "bin" / "tool")
        os.rmdir(tmp_path / name / "bin")
        indexes.append(TreeIndex.of(tmp_path / name))
    moved_index, deleted_index = indexes
    tree, dest = tmp_path / "tree", tmp_path / "aside"
    moved = moved_index.remove_distributions(
        [d for d in moved_index.distributions if d.name == "beta"], "runtime-provided", move_to=dest
    )
    deleted = deleted_index.remove_distributions(
        [d for d in deleted_index.distributions if d.name == "beta"], "runtime-provided"
    )
    assert sorted(moved.removals, key=repr) == sorted(deleted.removals, key=repr)
    assert moved_index.paths() == deleted_index.paths()
    on_disk = sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*"))
    assert on_disk == sorted(p.relative_to(tmp_path / "twin").as_posix() for p in (tmp_path / "twin").rglob("*"))
    assert (tree / "shared" / "a.py").is_file() and not (tree / "beta").exists()
    for r in moved.removals:
        assert (dest / r.path).is_file(), r.path
    assert (dest / "beta" / "__init__.py").read_text() == "B = 2\n"
    assert (dest / "shared" / "b.py").read_text() == "b = 2\n"


def test_removing_every_file_of_a_folder_prunes_it_and_its_emptied_parents_only(tmp_path):
    root = tmp_path / "tree"
    for rel in ("pkg/a/b/one.py", "pkg/a/b/two.py", "pkg/a/c/three.py", "pkg/keep.py", "pkg/a/b/dir/x.py"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x = 1\n")
    from layerbuild.tree.remove import remove_files

    done = remove_files(
        root, ["pkg/a/b/one.py", "pkg/a/b/two.py", "pkg/a/b/dir/x.py", "pkg/a/c/three.py", "gone.py", "pkg/a"], "r", "d"
    )
    assert sorted(r.path for r in done) == ["pkg/a/b/dir/x.py", "pkg/a/b/one.py", "pkg/a/b/two.py", "pkg/a/c/three.py"]
    assert all(r.bytes == 6 for r in done)  # each file's size, read before it went
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*")) == ["pkg", "pkg/keep.py"]


def test_folders_whose_every_file_goes_are_set_aside_whole_with_the_removals_of_file_by_file(tmp_path):
    files = {
        "pkg/tests/a.py": "a = 1\n",
        "pkg/tests/data/b.json": "{}\n",
        "pkg/tests/data/deep/c.txt": "ccc\n",
        "pkg/docs/keep.md": "kept\n",
        "pkg/docs/drop.md": "dropped\n",
        "pkg/__init__.py": "",
        "other/tests/t.py": "t = 1\n",
    }
    removing = [
        ("pkg/tests/a.py", "tests"),
        ("pkg/tests/data/b.json", "tests"),
        ("pkg/tests/data/deep/c.txt", "data"),  # another rule: the folder still goes whole
        ("pkg/docs/drop.md", "docs"),  # pkg/docs keeps a file: removed on its own
        ("other/tests/t.py", "tests"),
    ]

    def build(name: str) -> tuple[TreeIndex, list]:
        root = tmp_path / name / "tree"
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        index = TreeIndex.of(root)
        if name == "aside":
            index.trash = tmp_path / name
        groups = [([p for p, r in removing if r == rule], rule, "pkg") for rule in ("data", "docs", "tests")]
        return index, index.remove_groups(groups)

    plain, by_file = build("plain")
    aside, whole = build("aside")
    assert whole == by_file  # the same removals, sizes and order, whichever way the files went
    assert [(r.path, r.bytes) for r in whole][:2] == [("pkg/tests/data/deep/c.txt", 4), ("pkg/docs/drop.md", 8)]
    for index in (plain, aside):
        left = sorted(str(p.relative_to(index.root)) for p in index.root.rglob("*"))
        assert left == ["pkg", "pkg/__init__.py", "pkg/docs", "pkg/docs/keep.md"]
        assert index.paths() == ["pkg/__init__.py", "pkg/docs/keep.md"]
    from layerbuild.tree.remove import whole_folders

    assert whole_folders({p for p, _ in removing}, files) == ["other", "pkg/tests"]  # outermost only
    # the set-aside folders are deleted in a thread: nothing of them is left beside the tree
    import threading

    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join(timeout=30)
    assert sorted(p.name for p in (tmp_path / "aside").iterdir()) == ["tree"]

"""Native-code verification on real ELF files compiled here and on exact binary headers."""

from __future__ import annotations

import json

from layerbuild.audit.run import audit_package
from layerbuild.audit.settings import settings_from
from layerbuild.measure.elf import read_elf
from layerbuild.model.target import Target
from layerbuild.verify.native import binary_kind, verify_package
from tests.conftest import run_cli
from tests.unit.audit_helpers import FCNTL64_SOURCE, aarch64_elf, compile_so, layer_zip, wheel
from tests.unit.test_slim_smoke import needs_311

SO_NAME = "_flags.cpython-311-x86_64-linux-gnu.so"


def _glibc_228_layer(tmp_path, name="native-python3.11-x86_64.zip"):
    so = compile_so(tmp_path, SO_NAME, FCNTL64_SOURCE)
    info = read_elf(so.read_bytes())
    assert info is not None and info.glibc_needed == (2, 28), info  # the fixture really needs GLIBC_2.28
    whl = wheel(
        tmp_path,
        "flags",
        "1.0",
        {"flags/__init__.py": "", f"flags/{SO_NAME}": so.read_bytes()},
        tag="cp311-cp311-linux_x86_64",
        purelib=False,
    )
    return layer_zip(tmp_path / name, [whl])


def test_a_python311_so_needing_glibc_2_28_is_reported_with_file_and_version(tmp_path):
    zip_path = _glibc_228_layer(tmp_path)
    r = run_cli("audit", str(zip_path), "--format", "json")
    assert r.code == 1, r.stderr
    found = [f for f in json.loads(r.stdout)["findings"] if f["rule"] == "LB302"]
    assert len(found) == 1
    assert found[0]["file"] == f"python/flags/{SO_NAME}"
    assert "GLIBC_2.28" in found[0]["message"] and "glibc 2.26" in found[0]["message"]
    assert found[0]["package"] == "flags" and found[0]["severity"] == "error"


def test_the_same_so_passes_on_python312_whose_glibc_is_2_34(tmp_path):
    zip_path = _glibc_228_layer(tmp_path)
    findings = verify_package(zip_path, Target("python3.12", "x86_64"))
    assert findings == []


def test_an_aarch64_so_in_an_x86_64_layer_is_reported(tmp_path):
    header = aarch64_elf()
    assert read_elf(header).machine == "aarch64"
    zip_path = layer_zip(
        tmp_path / "mixed-python3.12-x86_64.zip",
        [
            wheel(
                tmp_path,
                "fast",
                "1.0",
                {"fast/__init__.py": "", "fast/_speedups.abi3.so": header},
                tag="cp312-abi3-manylinux_2_17_aarch64",
                purelib=False,
            )
        ],
    )
    r = run_cli("audit", str(zip_path), "--format", "json")
    assert r.code == 1
    found = [f for f in json.loads(r.stdout)["findings"] if f["rule"] == "LB301"]
    assert [f["file"] for f in found] == ["python/fast/_speedups.abi3.so"]
    assert "built for aarch64" in found[0]["message"] and "x86_64" in found[0]["message"]
    # Audited for arm64, the same layer is fine.
    assert not verify_package(zip_path, Target("python3.12", "arm64"))


def test_a_library_neither_shipped_nor_in_the_base_image_is_reported(tmp_path):
    dep = compile_so(tmp_path, "libdep.so.1", "int lb_dep(void) { return 7; }\n", "-Wl,-soname,libdep.so.1")
    user = compile_so(
        tmp_path,
        "_user.abi3.so",
        "int lb_dep(void);\nint lb_user(void) { return lb_dep(); }\n",
        "-L.",
        "-l:libdep.so.1",
    )
    assert read_elf(user.read_bytes()).needed == ("libdep.so.1",)
    target = Target("python3.12", "x86_64")
    alone = layer_zip(
        tmp_path / "alone.zip", [wheel(tmp_path / "a", "user", "1.0", {"user/_user.abi3.so": user.read_bytes()})]
    )
    found = verify_package(alone, target)
    assert [(f.rule, f.file) for f in found] == [("LB303", "python/user/_user.abi3.so")]
    assert "libdep.so.1" in found[0].message and "Amazon Linux 2023" in found[0].message
    # Shipped beside it (as auditwheel vendors into `user.libs/`), it is found.
    vendored = layer_zip(
        tmp_path / "vendored.zip",
        [
            wheel(
                tmp_path / "b",
                "user",
                "1.0",
                {"user/_user.abi3.so": user.read_bytes(), "user.libs/libdep.so.1": dep.read_bytes()},
            )
        ],
    )
    assert verify_package(vendored, target) == []
    # Shipped by another layer of the function, it is found too.
    assert verify_package(alone, target, shipped=["lib/libdep.so.1"]) == []
    # And a library the user declares present in the runtime is accepted.
    assert verify_package(alone, target, extra_provided=["libdep.so.1"]) == []


def test_glibc_libraries_are_provided_by_the_base_image(tmp_path):
    so = compile_so(tmp_path, "_m.abi3.so", "#include <math.h>\ndouble lb(double x) { return cos(x); }\n", "-lm")
    assert "libm.so.6" in read_elf(so.read_bytes()).needed or "libc.so.6" in read_elf(so.read_bytes()).needed
    zip_path = layer_zip(tmp_path / "m.zip", [wheel(tmp_path, "m", "1.0", {"m/_m.abi3.so": so.read_bytes()})])
    assert verify_package(zip_path, Target("python3.12", "x86_64")) == []


def test_macos_and_windows_binaries_are_reported(tmp_path):
    macho = b"\xcf\xfa\xed\xfe" + bytes(60)
    pe = bytearray(256)
    pe[0:2] = b"MZ"
    pe[0x3C:0x40] = (0x80).to_bytes(4, "little")
    pe[0x80:0x84] = b"PE\0\0"
    assert binary_kind("x.dylib", macho) == "macho" and binary_kind("x.pyd", bytes(pe)) == "pe"
    assert binary_kind("Foo.class", b"\xca\xfe\xba\xbe" + bytes(4)) is None  # Java, not a fat Mach-O
    zip_path = layer_zip(
        tmp_path / "foreign-python3.12-x86_64.zip",
        [
            wheel(
                tmp_path,
                "mixed",
                "1.0",
                {
                    "mixed/__init__.py": "",
                    "mixed/_core.cpython-312-darwin.so": macho,  # a macOS extension module named like a Linux one
                    "mixed/_core.cp312-win_amd64.pyd": bytes(pe),
                    "mixed/launcher.exe": bytes(pe),
                },
            )
        ],
    )
    result = audit_package(
        zip_path, target=Target("python3.12", "x86_64"), target_source="flags", settings=settings_from({}, None, None)
    )
    foreign = {f.file: f for f in result.findings if f.rule == "LB304"}
    assert set(foreign) == {
        "python/mixed/_core.cpython-312-darwin.so",
        "python/mixed/_core.cp312-win_amd64.pyd",
        "python/mixed/launcher.exe",
    }
    assert foreign["python/mixed/_core.cpython-312-darwin.so"].severity == "error"
    assert "macOS" in foreign["python/mixed/_core.cpython-312-darwin.so"].message
    assert foreign["python/mixed/launcher.exe"].severity == "warning"
    assert "Windows" in foreign["python/mixed/launcher.exe"].message


def test_verification_works_on_a_folder(tmp_path):
    so = compile_so(tmp_path, SO_NAME, FCNTL64_SOURCE)
    root = tmp_path / "layer" / "python" / "flags"
    root.mkdir(parents=True)
    (root / SO_NAME).write_bytes(so.read_bytes())
    (root / "linked.so").symlink_to(SO_NAME)  # a symlink is checked once, through its target
    found = verify_package(tmp_path / "layer", Target("python3.11", "x86_64"))
    assert [(f.rule, f.file) for f in found] == [("LB302", f"python/flags/{SO_NAME}")]


def test_the_build_check_reads_no_binary_it_checked_before_and_finds_the_same(tmp_path, cache_dir, monkeypatch):
    """A rebuild's native check answers from what it learnt of each file's content (measure/elf.BinaryMemo),
    its digest remembered by identity (tree/digests.py): no binary is opened, the findings are the same."""
    from layerbuild.tree.digests import FileDigests
    from layerbuild.tree.index import TreeIndex
    from layerbuild.verify import native
    from layerbuild.verify.native_build import check_build_tree

    so = compile_so(tmp_path, SO_NAME, FCNTL64_SOURCE)
    tree = tmp_path / "tree"
    (tree / "flags").mkdir(parents=True)
    (tree / "flags" / "__init__.py").write_text("")
    (tree / "flags" / SO_NAME).write_bytes(so.read_bytes())
    (tree / "flags" / "arm.so").write_bytes(aarch64_elf())
    (tree / "flags" / "data.bin").write_bytes(b"not a binary" * 10)
    target = Target("python3.11", "x86_64")
    memo = tmp_path / "digests"

    def check() -> tuple[list[tuple[str, str | None]], int]:
        opened: list[str] = []
        real = native.PackageFiles.read
        with monkeypatch.context() as patch:  # only this patch: cache_dir's variable stays set
            patch.setattr(
                native.PackageFiles, "read", lambda self, n, limit=None: opened.append(n) or real(self, n, limit)
            )
            digests = FileDigests(memo)
            found = check_build_tree(TreeIndex.of(tree, digests), target)
            digests.save()
        return sorted((f.rule, f.file) for f in found), len(opened)

    cold, cold_reads = check()
    assert cold == [("LB301", "python/flags/arm.so"), ("LB302", f"python/flags/{SO_NAME}")]
    assert cold_reads > 0
    assert check() == (cold, 0)
    (tree / "flags" / "arm.so").unlink()
    (tree / "flags" / "arm.so").write_bytes(so.read_bytes() + bytes(16))  # new content: read, judged anew
    again, reads = check()
    assert again == [("LB302", f"python/flags/{SO_NAME}"), ("LB302", "python/flags/arm.so")] and reads > 0


@needs_311
def test_a_build_whose_binary_fails_both_checks_fails_with_the_native_finding(tmp_path, cache_dir):
    """The native check runs beside the import check (build/overlap.py); a library that cannot load on the
    target is why its module does not import, so the native finding is the build's error."""
    arm = "_arm.cpython-311-x86_64-linux-gnu.so"
    wheel(
        tmp_path,
        "armpkg",
        "1.0",
        {"armpkg/__init__.py": "from . import _arm\n", f"armpkg/{arm}": aarch64_elf()},
        tag="cp311-cp311-manylinux2014_x86_64",
        purelib=False,
    )
    reqs = tmp_path / "proj" / "requirements.txt"
    reqs.parent.mkdir()
    reqs.write_text(f"--no-index\n--find-links {tmp_path / 'wheels'}\narmpkg\n")
    result = run_cli("build", str(reqs), "--runtime", "python3.11", "-o", str(tmp_path / "out"))
    assert result.code == 1, result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("layerbuild: error: native check failed: 1 file(s)")
    assert "LB301" in result.stderr
    assert not list((tmp_path / "out").glob("*.zip"))

"""Requirements input is checked before uv runs: clear errors, includes followed, index options kept."""

import pytest

from layerbuild.errors import InputError
from layerbuild.resolve.requirements import read_requirements


def test_includes_constraints_extras_markers_and_index_options_are_read(tmp_path):
    (tmp_path / "base.txt").write_text("requests[socks]>=2.31 ; python_version >= '3.8'\n")
    (tmp_path / "constraints.txt").write_text("urllib3<3\n")
    (tmp_path / "requirements.txt").write_text(
        "-r base.txt\n-c constraints.txt\n--index-url https://user:s3cret@pypi.example/simple\n"
        "--extra-index-url=https://mirror.example/simple\n-f ./wheels\n"
        "pydantic==2.9.2 \\\n    --hash=sha256:" + "ab" * 32 + "  # pinned\n"
    )
    reqs = read_requirements(tmp_path / "requirements.txt")
    assert [f.name for f in reqs.files] == ["requirements.txt", "base.txt", "constraints.txt"]
    assert reqs.requirement_lines == ("requests[socks]>=2.31 ; python_version >= '3.8'", "pydantic==2.9.2")
    assert reqs.index_args == (
        "--index-url",
        "https://user:s3cret@pypi.example/simple",
        "--extra-index-url",
        "https://mirror.example/simple",
        "--find-links",
        "./wheels",
    )
    assert not reqs.all_hashed_pins


def test_a_fully_pinned_and_hashed_file_is_recognised_as_a_lock(tmp_path):
    p = tmp_path / "r.txt"
    p.write_text("six==1.16.0 \\\n    --hash=sha256:1e61c37477a1626458e36f7b1d82aa5c9b094fa4802892072e49de9c60c4c926\n")
    assert read_requirements(p).all_hashed_pins


@pytest.mark.parametrize(
    "files,match",
    [
        ({}, "does not exist"),
        ({"requirements.txt": b""}, "lists no requirements"),
        ({"requirements.txt": b"# only a comment\n"}, "lists no requirements"),
        ({"requirements.txt": b"\x7fELF\x00\x00binary"}, "binary file"),
        ({"requirements.txt": b"\xff\xfer\x00e"}, "UTF-16 byte-order mark but is not UTF-16 text"),
        ({"requirements.txt": b"r\x00e\x00q\x00"}, "binary file"),  # UTF-16 without a BOM: pip refuses it too
        ({"requirements.txt": b"foo bar baz\n"}, r"requirements.txt:1: 'foo bar baz' is not a valid requirement"),
        ({"requirements.txt": b"requests\nflask>=>2\n"}, "requirements.txt:2"),
        ({"requirements.txt": b"-r missing.txt\n"}, "missing.txt does not exist"),
        ({"requirements.txt": b"-r b.txt\n", "b.txt": b"-r requirements.txt\n"}, "include loop"),
        (
            {"requirements.txt": b"-e ./src\n"},
            r"local package ./src is neither at .* \(from the working directory\) "
            r"nor at .* \(beside the requirements file\)",
        ),
        ({"requirements.txt": b"--no-binary :all:\nsix\n"}, "--no-binary :all: would build every package"),
        ({"requirements.txt": b"six --global-option=--x\n"}, "per-requirement option --global-option"),
        (
            {"requirements.txt": b"six \\\n  --config-settings=a=b\n"},
            "requirements.txt:1: per-requirement option --config-settings",
        ),
        ({"requirements.txt": b"--only-binary\nsix\n"}, "--only-binary needs a value"),
        ({"requirements.txt": b"--bogus-option x\n"}, "unknown option"),
    ],
)
def test_bad_requirements_files_give_one_clear_error(tmp_path, files, match):
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    with pytest.raises(InputError, match=match) as err:
        read_requirements(tmp_path / "requirements.txt")
    assert "\n" not in str(err.value)


def test_credentials_never_appear_in_an_error_about_a_bad_line(tmp_path):
    p = tmp_path / "r.txt"
    p.write_text("pkg @ https://user:t0ken-value@host/pkg.whl extra junk\nbad line here\n")
    with pytest.raises(InputError) as err:
        read_requirements(p)
    assert "t0ken-value" not in str(err.value)


def _project(folder, name, setup_style="pyproject"):
    folder.mkdir(parents=True, exist_ok=True)
    if setup_style == "pyproject":
        (folder / "pyproject.toml").write_text(f'[project]\nname = "{name}"\nversion = "1.0"\n')
    elif setup_style == "setup.cfg":
        (folder / "setup.cfg").write_text(f"[metadata]\nname = {name}\nversion = 1.0\n")
    else:
        (folder / "setup.py").write_text(f"from setuptools import setup\nsetup(name={name!r}, version='1.0')\n")
    return folder


PIP_TEXT = "-r base.txt\r\n--pre\r\nrequests>=2 ; python_version >= '3.8'\r\n"


@pytest.mark.parametrize(
    "encoding,bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"), ("utf-8", b"\xef\xbb\xbf"), ("utf-8", b"")]
)
def test_files_pip_decodes_are_decoded_and_uv_gets_a_utf8_copy(tmp_path, encoding, bom):
    """PowerShell's `>` writes UTF-16 LE with a BOM and CRLF; Notepad writes a UTF-8 BOM."""
    (tmp_path / "base.txt").write_bytes(bom + "six==1.17.0\r\n".encode(encoding))
    (tmp_path / "requirements.txt").write_bytes(bom + PIP_TEXT.encode(encoding))
    reqs = read_requirements(tmp_path / "requirements.txt")
    assert reqs.requirement_lines == ("six==1.17.0", "requests>=2 ; python_version >= '3.8'")
    assert reqs.pre and reqs.resolver_args == ("--prerelease", "allow")
    copy = reqs.uv_requirements().read_bytes()
    assert copy.decode("utf-8").splitlines() == ["six==1.17.0", "requests>=2 ; python_version >= '3.8'"]
    assert b"\r" not in copy and not copy.startswith(b"\xef\xbb\xbf")


def test_local_projects_become_named_file_urls_found_from_the_working_directory_first(tmp_path, monkeypatch, capsys):
    repo = tmp_path / "repo"
    _project(repo / "libs" / "common", "Common_Lib")
    _project(repo / "shared", "shared", "setup.py")
    _project(repo / "services" / "api" / "vendored", "vendored", "setup.cfg")
    _project(repo / "services" / "api" / "libs" / "common", "wrong-one")  # beside the file: cwd wins
    req = repo / "services" / "api" / "requirements.txt"
    req.write_text(
        "./libs/common[extra] ; python_version >= '3'\n"
        f"named @ {(repo / 'shared').as_uri()}\n"
        "-e ../../shared\n"
        "vendored\n"  # a name, not a path: from the index
        "./vendored\n"
    )  # not in the working directory: found beside the file
    monkeypatch.chdir(repo)
    reqs = read_requirements(req)
    assert reqs.uv_lines == (
        f"common-lib[extra] @ {(repo / 'libs/common').as_uri()} ; python_version >= '3'",
        f"named @ {(repo / 'shared').as_uri()}",
        f"shared @ {(repo / 'shared').as_uri()}",
        "vendored",
        f"vendored @ {(repo / 'services/api/vendored').as_uri()}",
    )
    assert reqs.source_builds == {"common-lib", "named", "shared", "vendored"}
    assert not reqs.all_hashed_pins
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"layerbuild: {req}:3: -e ../../shared is installed as a regular package "
        "(Lambda cannot use an editable install)"
    ]


def test_a_local_project_whose_name_needs_a_build_is_refused_with_the_line_to_write(tmp_path):
    (tmp_path / "dyn").mkdir()
    (tmp_path / "dyn" / "setup.py").write_text("from setuptools import setup\nsetup(name=NAME)\n")
    (tmp_path / "r.txt").write_text(f"{tmp_path / 'dyn'}\n")
    with pytest.raises(
        InputError,
        match=rf"r.txt:1: cannot tell the package name of .*dyn without building it: "
        rf"write it as NAME @ {(tmp_path / 'dyn').as_uri()}",
    ):
        read_requirements(tmp_path / "r.txt")


def test_no_binary_builds_from_source_and_only_binary_forbids_it(tmp_path):
    (tmp_path / "r.txt").write_text(
        "--no-binary attrs\n--only-binary :all:\n--no-binary=Six,pyyaml\n--prefer-binary\nsix\npyyaml\nsimplejson\n"
    )
    reqs = read_requirements(tmp_path / "r.txt")
    # as pip: `:all:` clears the names before it; a name after it is built from source
    assert reqs.no_binary == {"six", "pyyaml"} and reqs.only_binary == {":all:"}
    reqs.check_source_builds({"six", "pyyaml"}, "python3.12 x86_64")
    with pytest.raises(
        InputError,
        match=r"^simplejson has no wheel for python3.12 x86_64 and .*r.txt says "
        r"--only-binary :all:: pick a version with a wheel",
    ):
        reqs.check_source_builds({"six", "simplejson"}, "python3.12 x86_64")


def test_hashes_on_continuation_lines_reach_uv_and_make_the_file_a_lock(tmp_path):
    """aws-lambda-builders' requirements-inflate64.txt style: a pin, then `--hash` lines after `\\`."""
    a, b = "a" * 64, "b" * 64
    (tmp_path / "r.txt").write_text(f"inflate64==0.3.1 \\\n    --hash=sha256:{a} \\\n    --hash sha256:{b}\n")
    reqs = read_requirements(tmp_path / "r.txt")
    assert reqs.uv_lines == (f"inflate64==0.3.1 --hash=sha256:{a} --hash=sha256:{b}",)
    assert reqs.all_hashed_pins
    (tmp_path / "r.txt").write_text(f"inflate64==0.3.1 \\\n    --hash=sha256:sha256:{a}\n")
    with pytest.raises(InputError, match=r"r.txt:1: --hash=sha256:sha256:a+ is not a hash pip accepts"):
        read_requirements(tmp_path / "r.txt")


def test_index_credentials_stay_out_of_the_copy_uv_reads(tmp_path):
    (tmp_path / "r.txt").write_text("--extra-index-url https://user:s3cret-tok@pypi.example/simple\nsix\n")
    reqs = read_requirements(tmp_path / "r.txt")
    assert "s3cret-tok" not in reqs.uv_requirements().read_text()
    assert "s3cret-tok" in " ".join(reqs.index_args)

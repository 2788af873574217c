"""Requirements input is checked before uv runs: clear errors, includes followed, index options kept."""

import pytest

from layerbuild.errors import InputError
from layerbuild.requirements_file import read_requirements


def test_includes_constraints_extras_markers_and_index_options_are_read(tmp_path):
    (tmp_path / "base.txt").write_text("requests[socks]>=2.31 ; python_version >= '3.8'\n")
    (tmp_path / "constraints.txt").write_text("urllib3<3\n")
    (tmp_path / "requirements.txt").write_text(
        "-r base.txt\n-c constraints.txt\n--index-url https://user:s3cret@pypi.example/simple\n"
        "--extra-index-url=https://mirror.example/simple\n-f ./wheels\n"
        "pydantic==2.9.2 \\\n    --hash=sha256:abc  # pinned\n")
    reqs = read_requirements(tmp_path / "requirements.txt")
    assert [f.name for f in reqs.files] == ["requirements.txt", "base.txt", "constraints.txt"]
    assert reqs.requirement_lines == ("requests[socks]>=2.31 ; python_version >= '3.8'", "pydantic==2.9.2")
    assert reqs.index_args == ("--index-url", "https://user:s3cret@pypi.example/simple",
                               "--extra-index-url", "https://mirror.example/simple", "--find-links", "./wheels")
    assert "s3cret" not in " ".join(reqs.index_args_redacted())
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
        ({"requirements.txt": b"\xff\xfe r\x00e"}, "binary file|not UTF-8"),
        ({"requirements.txt": b"foo bar baz\n"}, r"requirements.txt:1: 'foo bar baz' is not a valid requirement"),
        ({"requirements.txt": b"requests\nflask>=>2\n"}, "requirements.txt:2"),
        ({"requirements.txt": b"-r missing.txt\n"}, "missing.txt does not exist"),
        ({"requirements.txt": b"-r b.txt\n", "b.txt": b"-r requirements.txt\n"}, "include loop"),
        ({"requirements.txt": b"-e ./src\n"}, "editable"),
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

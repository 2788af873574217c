"""The plain-requirement fast path (requirements_options.PLAIN_REQUIREMENT) never passes a line that
packaging would refuse: what it matches needs no packaging import, everything else is parsed."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from packaging.requirements import InvalidRequirement, Requirement

from layerbuild.errors import InputError
from layerbuild.resolve.requirements_options import PLAIN_REQUIREMENT, check_requirement

PIECES = [
    "requests",
    "Django",
    "zope.interface",
    "a",
    "a_b-c.d",
    "-bad",
    "bad-",
    ".x",
    "x.",
    "name",
    "name2",
    "[",
    "]",
    "[security]",
    "[a,b]",
    "[ a , b ]",
    "[]",
    "[a,]",
    ",",
    " ",
    "  ",
    "==",
    "!=",
    ">=",
    "<=",
    "<",
    ">",
    "~=",
    "===",
    "=",
    "=>",
    "=<",
    "1",
    "1.2",
    "1.2.3",
    "01",
    "1.",
    ".1",
    "1..2",
    "1.*",
    "1.2.*",
    "*",
    "1.*.2",
    "1.0a1",
    "1.0b2",
    "1.0rc1",
    "1.0.post1",
    "1.0.dev3",
    "1.0a1.post2.dev3",
    "1.0c1",
    "1.0-1",
    "1.0+local",
    "v1",
    "1.0a",
    "2.*a1",
    ";",
    "; python_version<'3.12'",
    "@",
    "@ https://x/y.whl",
    "#",
    "\t",
]


def _samples(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 7))) for _ in range(n)]


def _packaging_accepts(spec: str) -> bool:
    try:
        Requirement(spec)
    except InvalidRequirement:
        return False
    return True


def test_whatever_the_fast_path_matches_packaging_accepts() -> None:
    matched = 0
    for spec in _samples(40_000, 11):
        if PLAIN_REQUIREMENT.fullmatch(spec):
            matched += 1
            assert _packaging_accepts(spec), spec
    assert matched > 500  # the grammar was exercised, not only its refusals


@pytest.mark.parametrize(
    "spec",
    ["requests", "pydantic>=2.5", "PyJWT>=2.8,<3", "numpy==2.*", "boto3 ~= 1.34.0", "uvicorn[standard]==0.30.1"],
)
def test_the_lines_people_write_take_the_fast_path(spec: str) -> None:
    assert PLAIN_REQUIREMENT.fullmatch(spec)
    assert check_requirement(spec, Path("requirements.txt"), 1) == spec


@pytest.mark.parametrize("spec", ["requests>=", "pandas==1.*.2", "numpy~=1", "-e", "name[", "x==1.0c1 ]"])
def test_a_line_the_fast_path_leaves_gets_packagings_verdict(spec: str) -> None:
    assert not PLAIN_REQUIREMENT.fullmatch(spec)
    if _packaging_accepts(spec):
        assert check_requirement(spec, Path("r.txt"), 3) == spec
    else:
        with pytest.raises(InputError, match=r"r\.txt:3: .* is not a valid requirement"):
            check_requirement(spec, Path("r.txt"), 3)

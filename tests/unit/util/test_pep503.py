"""layerbuild.facts.pep503.canonicalize_name gives packaging's answer."""

from __future__ import annotations

import random

from packaging.utils import canonicalize_name as packaging_canonicalize

from layerbuild.facts.pep503 import canonicalize_name


def test_the_same_normalized_names_as_packaging() -> None:
    rng = random.Random(3)
    names = ["Django", "oslo.concurrency", "zope.interface", "A__B", "a-_.-b", "Pillow", "ruamel.yaml.clib"]
    names += ["".join(rng.choice("aB3-_.") for _ in range(rng.randint(1, 12))) for _ in range(5000)]
    for name in names:
        assert canonicalize_name(name) == packaging_canonicalize(name), name

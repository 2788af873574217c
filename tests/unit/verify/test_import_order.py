"""The import check starts the slowest imports first: a distribution weighs its modules and those of
what it requires in the layer (verify/smoke.py)."""

from __future__ import annotations

from pathlib import Path

from layerbuild.model.target import Target
from layerbuild.tree.distributions import Distribution
from layerbuild.verify.judge import LayerFacts
from layerbuild.verify.smoke import _weight


def _dist(name: str, modules: int, requires: tuple[str, ...] = (), data: int = 0) -> Distribution:
    files = tuple(f"{name}/m{i}.py" for i in range(modules)) + tuple(f"{name}/d{i}.json" for i in range(data))
    return Distribution(
        name=name,
        version="1",
        dist_info=f"{name}-1.dist-info",
        files=files,
        top_level=(name,),
        pure=True,
        wheel_tags=("py3-none-any",),
        requires_dist=requires,
    )


def test_a_distribution_weighs_its_modules_and_those_it_requires_not_its_data_or_extras(tmp_path: Path) -> None:
    dists = [
        _dist("pandas", 50, ("numpy>=1.26", "python-dateutil>=2.8; python_version>='3'", "scipy; extra == 'all'")),
        _dist("numpy", 30),
        _dist("python-dateutil", 5, ("six",)),
        _dist("six", 1),
        _dist("scipy", 400),  # only an extra of pandas: not imported with it
        _dist("tzdata", 1, data=600),  # data files do not import
    ]
    layer = LayerFacts(tmp_path, (), dists, Target("python3.12", "x86_64"))
    assert _weight("pandas", layer) == 50 + 30 + 5 + 1
    assert _weight("python_dateutil", layer) == 0  # an unknown (unnormalized) name weighs nothing
    assert _weight("tzdata", layer) == 1
    order = sorted(("pandas", "numpy", "six", "tzdata"), key=lambda n: -_weight(n, layer))
    assert order[0] == "pandas"

"""Files the slim rules must keep, and libraries `strip` must never touch: known breakages, as data.

Each entry names the distribution (normalized), what to protect (a glob relative to the layer's
`python/` folder, `**` spanning folders) and where the breakage was reported. The import guard in
`slim.py` finds most cases of "a kept module imports a removed one" by itself; these entries cover the
cases it cannot see (imports built from strings, files read as data) and document the known ones.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Breaker:
    distribution: str  # normalized distribution name; "*" for every distribution
    glob: str  # relative to the layer's python/ folder
    source: str  # where the breakage was reported or can be read


# Files a removal rule (tests, docs, type stubs, …) must keep.
KEEP_FILES: tuple[Breaker, ...] = (
    # numpy 2.x: numpy/testing/_private/utils.py does `from numpy._core.tests._natype import pd_NA`,
    # so `import numpy.testing` (pandas imports it in pandas._testing) needs this one test-folder file.
    Breaker("numpy", "numpy/_core/tests/_natype.py", "numpy 2.2 numpy/testing/_private/utils.py line 31"),
    # h5py/__init__.py runs `from .tests import run_tests` at import time.
    Breaker("h5py", "h5py/tests/**", "googledatalab/datalab#1971 'h5py references its tests directory during import'"),
    # Tools that read .pyi stubs as data at run time (typeshed bundles): removing *.pyi breaks them.
    Breaker("mypy", "mypy/typeshed/**", "mypy reads its bundled typeshed stubs at run time"),
    Breaker("jedi", "jedi/third_party/typeshed/**", "jedi reads its bundled typeshed stubs at run time"),
    Breaker("typeshed-client", "typeshed_client/typeshed/**", "typeshed_client reads bundled stubs at run time"),
)

# Distributions that exist only to ship *.pyi: if someone puts one in a layer, it is on purpose.
STUB_ONLY_SUFFIXES = ("-stubs",)
STUB_ONLY_PREFIXES = ("types-",)

# Libraries `strip --strip-debug` must never touch: stripping them gives
# "ELF load command address/offset not properly aligned" at import in Lambda.
NEVER_STRIP: tuple[Breaker, ...] = (
    Breaker("numpy", "numpy.libs/**", "OpenBLAS in numpy.libs: not page-aligned after strip (docs/slim-rules.md)"),
    Breaker("numpy", "numpy/**", "serverless-python-requirements#318 thread: numpy fails after strip"),
    Breaker("pillow", "**", "serverless/serverless-python-requirements#318, #345; ryfeus/lambda-packs#39"),
    Breaker("opencv-python", "**", "serverless/serverless-python-requirements#326 (cv2 breaks after strip)"),
    Breaker("opencv-python-headless", "**", "serverless/serverless-python-requirements#326"),
    Breaker("opencv-contrib-python", "**", "serverless/serverless-python-requirements#326"),
    Breaker("opencv-contrib-python-headless", "**", "serverless/serverless-python-requirements#326"),
    Breaker("psycopg2", "**", "serverless/serverless-python-requirements#73 (corrupted _psycopg after strip)"),
    Breaker("psycopg2-binary", "**", "serverless/serverless-python-requirements#73 (libpq in psycopg2_binary.libs)"),
    # auditwheel grafts libraries into NAME.libs/ and rewrites them with patchelf; `strip` on a
    # patchelf-edited file is what produces the misaligned load segments above, whatever the package.
    Breaker("*", "*.libs/**", "auditwheel/patchelf-edited libraries; augerai/a2ml#455"),
)


@dataclass(frozen=True)
class Alternative:
    """A distribution whose native code needs libraries Lambda lacks, and the one to use instead."""

    distribution: str  # normalized
    instead: str
    why: str
    source: str


# Named in the native check's "missing shared library" findings (build and audit alike).
NATIVE_ALTERNATIVES: dict[str, Alternative] = {
    a.distribution: a
    for a in (
        Alternative(
            "opencv-python",
            "opencv-python-headless",
            "the same cv2 without the Qt GUI, whose X11/OpenGL libraries (libGL, libxcb, libX11) Lambda lacks",
            "github.com/opencv/opencv-python README 'Installation and Usage' (headless packages for "
            "server environments); lambda_base_libs.py",
        ),
        Alternative(
            "opencv-contrib-python",
            "opencv-contrib-python-headless",
            "the same cv2 with contrib modules, without the Qt GUI whose X11/OpenGL libraries Lambda lacks",
            "github.com/opencv/opencv-python README 'Installation and Usage'",
        ),
    )
}

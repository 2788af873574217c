"""Counters of the work done on staging trees: directory walks and dist-info files read.

They exist so a test can prove what the build promises (one walk per build, each distribution's
METADATA and RECORD read once): with `LAYERBUILD_DEBUG_COUNTS=FILE` set, `layerbuild build` writes
them to FILE as JSON when it is done (`write_if_asked`). Counting costs a dict update per event.
"""

from __future__ import annotations

import json
import os
from collections import Counter

DEBUG_COUNTS_ENV = "LAYERBUILD_DEBUG_COUNTS"

walks: Counter[str] = Counter()  # root folder -> full walks of it
reads: Counter[str] = Counter()  # "<root>/<name>.dist-info/<file>" -> times read from a folder


def write_if_asked() -> None:
    """Write the counters to the file named by LAYERBUILD_DEBUG_COUNTS, when set."""
    path = os.environ.get(DEBUG_COUNTS_ENV)
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump({"walks": dict(walks), "dist_info_reads": dict(reads)}, fh, indent=1, sort_keys=True)

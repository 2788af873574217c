"""The date every entry of a layer zip carries: SOURCE_DATE_EPOCH when set, else 1980-01-01 (zip's first).

Its own module: a build checks it before any work, also when the cache has the layer and no zip is written.
"""

from __future__ import annotations

import os
import time

from layerbuild.errors import InputError

_MIN_DATE = (1980, 1, 1, 0, 0, 0)


def zip_date() -> tuple[int, int, int, int, int, int]:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return _MIN_DATE
    try:
        value = int(epoch)
    except ValueError:
        raise InputError(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds") from None
    t = time.gmtime(max(value, 315532800))  # zip cannot store dates before 1980
    # Zip stores local times with 2-second precision; round down so every build agrees.
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec - t.tm_sec % 2)

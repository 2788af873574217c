"""Human-readable byte counts, shared by the text formats."""


def human_bytes(n: int | float | None) -> str:
    if n is None:
        return "-"
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if abs(value) < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


def parse_seconds(value: str | int, where: str) -> int:
    """A duration in whole seconds: `600`, `600s`, `10m`, `1h`, `0`; ValueError naming `where` otherwise."""
    import re

    text = str(value).strip().lower()
    m = re.fullmatch(r"(\d+)\s*(s|m|h)?", text)
    if not m:
        raise ValueError(f"{where} must be a number of seconds, or like 10m or 1h, not {value!r}")
    return int(m[1]) * {None: 1, "s": 1, "m": 60, "h": 3600}[m[2]]

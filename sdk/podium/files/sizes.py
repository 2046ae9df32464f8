"""Byte sizes written the way users write them: `max_file_size="5mb"`, `"1.5 GB"`, `10_000`."""

from __future__ import annotations

import math
import re

# Binary multiples, as Gradio's `max_file_size` parser uses them ("1kb" is 1024 bytes).
_UNITS: dict[str, int] = {
    "": 1,
    "b": 1,
    "k": 1024,
    "kb": 1024,
    "kib": 1024,
    "m": 1024**2,
    "mb": 1024**2,
    "mib": 1024**2,
    "g": 1024**3,
    "gb": 1024**3,
    "gib": 1024**3,
    "t": 1024**4,
    "tb": 1024**4,
    "tib": 1024**4,
}

_SIZE_RE = re.compile(r"^\s*(?P<number>\d+(?:\.\d*)?|\.\d+)\s*(?P<unit>[a-zA-Z]*)\s*$")


def parse_size(value: int | float | str | None) -> int | None:
    """Return `value` as a number of bytes: `100` -> 100, `"5mb"` -> 5242880, `"1.5 GB"`, `"10kb"`.

    Units are binary (1 kb = 1024 bytes) and case-insensitive: b, k/kb/kib, m/mb/mib, g/gb/gib, t/tb/tib.
    A bare number means bytes. `None` means "no limit" and is returned as is.
    Anything else (a negative size, an unknown unit, a bool, text that is not a size) raises `ValueError`.
    """
    if value is None:
        return None
    if isinstance(value, bool):  # bool is an int subclass; `max_file_size=True` is a mistake, not 1 byte
        raise ValueError(f"Invalid size {value!r}: give a number of bytes or a string like '5mb' or '1.5 GB'.")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"Invalid size {value!r}: a size cannot be negative.")
        return value
    if isinstance(value, float):  # not in the signature, but `max_file_size=1e6` is a reasonable thing to write
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"Invalid size {value!r}: give a finite, non-negative number of bytes.")
        return int(value)
    if not isinstance(value, str):
        raise ValueError(f"Invalid size {value!r}: give a number of bytes or a string like '5mb' or '1.5 GB'.")
    match = _SIZE_RE.match(value.replace("_", ""))
    if match is None:
        raise ValueError(f"Invalid size {value!r}: write a number and an optional unit, like '5mb', '1.5 GB' or '100'.")
    unit = match["unit"].lower()
    if unit not in _UNITS:
        raise ValueError(f"Invalid size {value!r}: unknown unit {match['unit']!r}; use b, kb, mb, gb or tb.")
    return int(float(match["number"]) * _UNITS[unit])


def format_size(size: int) -> str:
    """Format a byte count for messages: 1536 -> "1.5 KB", 120 * 1024**2 -> "120.0 MB"."""
    amount = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if amount < 1024:
            return f"{amount:.0f} B" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{amount:.1f} TB"

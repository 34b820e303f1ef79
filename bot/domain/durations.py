"""Durations written the way people write them in config files: `30s`, `15m`, `2h`, `7d`."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_PART = re.compile(r"(\d+)\s*([smhdw])")
_WHOLE = re.compile(r"^\s*(?:\d+\s*[smhdw]\s*)+$")


def parse_duration(text: str) -> timedelta:
    """Turn `1h30m`, `2h`, `7d` into a timedelta.

    Raises:
        ValueError: the text is not a positive duration in those units.
    """
    if not isinstance(text, str) or not _WHOLE.match(text.lower()):
        raise ValueError(f"durée invalide {text!r} (exemples : 30s, 15m, 2h, 7d)")
    total = timedelta()
    for amount, unit in _PART.findall(text.lower()):
        total += timedelta(**{_UNITS[unit]: int(amount)})
    if total <= timedelta():
        raise ValueError(f"durée nulle {text!r}")
    return total


def format_duration(delta: timedelta) -> str:
    """Write a timedelta back in the compact form (`2d`, `1h30m`)."""
    seconds = int(delta.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"

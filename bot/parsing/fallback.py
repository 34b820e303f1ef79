"""Ask dateparser about date-like fragments the parser's own rules did not read."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from functools import cache
from typing import Any

log = logging.getLogger(__name__)

# A day number followed by a word: "4 déc", "12 dicembre"; only read when no rule matched.
_FRAGMENT = re.compile(r"\b(\d{1,2})(?:er|st|nd|rd|th)?\s+([a-z]{3,10})\.?(?:\s+(\d{4}))?\b")


@cache
def _dateparser() -> Any:
    """Import dateparser lazily (it is slow to import) and once."""
    import dateparser

    return dateparser


def search(text: str, today: date) -> list[tuple[int, int, date]]:
    """Return (start, end, date) for fragments dateparser reads as a day and a month."""
    found: list[tuple[int, int, date]] = []
    for m in _FRAGMENT.finditer(text):
        settings = {
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": datetime(today.year, today.month, today.day),
            "DATE_ORDER": "DMY",
            "REQUIRE_PARTS": ["day", "month"],
        }
        try:
            parsed = _dateparser().parse(m.group(0), languages=["fr", "en"], settings=settings)
        except Exception:  # dateparser raises assorted errors on odd input
            log.debug("dateparser failed on a fragment", exc_info=True)
            continue
        if parsed is not None and parsed.day == int(m.group(1)):
            day = parsed.date()
            if not m.group(3) and day < today:
                try:
                    day = day.replace(year=day.year + 1)
                except ValueError:
                    continue
            found.append((m.start(), m.end(), day))
    return found

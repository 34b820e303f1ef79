"""Read an absence range: « du 20/12 au 04/01 », « le 24/12 », « from 20/12 to 4/1 ».

Pure: text and today in, two dates or `Invalid` out.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.domain.roster import Invalid
from bot.parsing.normalize import fold_plain
from bot.parsing.vocabulary import vocabulary

MAX_ABSENCE_DAYS = 366


def _invalid(code: str, **values: object) -> Invalid:
    return Invalid(code, dict(values))


_NUMERIC = r"(?P<d{n}>\d{{1,2}})[/.-](?P<m{n}>\d{{1,2}})(?:[/.-](?P<y{n}>\d{{2}}|\d{{4}}))?"
_WORDED = r"(?P<wd{n}>\d{{1,2}})(?:er)?\s+(?P<wm{n}>[a-z]+)\.?(?:\s+(?P<wy{n}>\d{{4}}))?"


def _day_pattern(n: int) -> str:
    return f"(?:{_NUMERIC.format(n=n)}|{_WORDED.format(n=n)})"


_RANGE = re.compile(
    rf"^(?:du|from|de)?\s*{_day_pattern(1)}\s*"
    rf"(?:(?:au|a|to|until|jusqu'au|-)\s*{_day_pattern(2)})?$"
)
_SINGLE_LEAD = re.compile(r"^(?:le|on)\s+")


def _part(match: re.Match[str], n: int) -> tuple[int, int, int | None, str]:
    if match.group(f"d{n}"):
        day, month, year = match.group(f"d{n}"), match.group(f"m{n}"), match.group(f"y{n}")
        source = f"{day}/{month}" + (f"/{year}" if year else "")
        month_number = int(month)
    else:
        day, name, year = match.group(f"wd{n}"), match.group(f"wm{n}"), match.group(f"wy{n}")
        source = f"{day} {name}"
        if name not in vocabulary().months:
            raise _invalid("date", value=source)
        month_number = vocabulary().months[name]
    full_year = None if year is None else int(year) + (2000 if len(year) == 2 else 0)
    return int(day), month_number, full_year, source


def _make(day: int, month: int, year: int, source: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise _invalid("date", value=source) from None


def parse_absence(text: str, today: date) -> tuple[date, date]:
    """Read « du 20/12 au 04/01 » (or « le 24/12 », « from 20/12 to 4/1 »).

    Without a year, a range is the next one not yet over, and one that
    wraps past December ends the next year.

    Raises:
        Invalid: unreadable, ending before it starts, already over, or too long.
    """
    cleaned = _SINGLE_LEAD.sub("", fold_plain(text))
    match = _RANGE.match(cleaned)
    if match is None:
        raise _invalid("absence_format")
    d1, m1, y1, source1 = _part(match, 1)
    if match.group("d2") or match.group("wd2"):
        d2, m2, y2, source2 = _part(match, 2)
    else:
        d2, m2, y2, source2 = d1, m1, y1, source1
    if y1 is None and y2 is None:
        year = today.year
        wraps = (m2, d2) < (m1, d1) and m2 < m1
        start = _make(d1, m1, year, source1)
        end = _make(d2, m2, year + wraps, source2)
        if end < today:
            start = _make(d1, m1, year + 1, source1)
            end = _make(d2, m2, year + 1 + wraps, source2)
    elif y2 is None:
        start = _make(d1, m1, y1, source1)  # type: ignore[arg-type]
        end = _make(d2, m2, start.year, source2)
        if end < start and m2 < m1:
            end = _make(d2, m2, start.year + 1, source2)
    elif y1 is None:
        end = _make(d2, m2, y2, source2)
        start = _make(d1, m1, end.year, source1)
        if start > end and m2 < m1:
            start = _make(d1, m1, end.year - 1, source1)
    else:
        start, end = _make(d1, m1, y1, source1), _make(d2, m2, y2, source2)
    if end < start:
        raise _invalid("absence_order", start=start, end=end)
    if end < today:
        raise _invalid("absence_past", end=end)
    if end - start > timedelta(days=MAX_ABSENCE_DAYS):
        raise _invalid("absence_too_long", days=MAX_ABSENCE_DAYS)
    return start, end

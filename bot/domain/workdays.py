"""Working days in France: weekends and French public holidays are not counted."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=1)
def _french_holidays() -> holidays.HolidayBase:
    # Metropolitan France's public holidays; the years are filled in as they are asked.
    return holidays.country_holidays("FR")


def is_working_day(day: date) -> bool:
    """Whether `day` is a working day (Monday to Friday, not a public holiday)."""
    return day.weekday() < 5 and day not in _french_holidays()


def add_working_days(day: date, count: int) -> date:
    """The working day `count` working days after `day` (before it when negative).

    Counting starts from the next (or previous) day, so `day` itself never
    counts; 0 gives `day` back as it is.
    """
    step = timedelta(days=1 if count > 0 else -1)
    left = abs(count)
    while left:
        day += step
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days lie after `start` up to `end` included (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count

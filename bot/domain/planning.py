"""Which reminders a mission or an event needs, and when (pure: plain values in, UTC out).

Offsets in whole days keep the wall-clock time of the event ("J-1" is the
day before at the same hour, even across a change to or from summer time);
the rest of an offset is elapsed time ("H-1" is 60 minutes before).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.requests import RequestDetails
from bot.domain.schedule import Wanted
from bot.parsing.result import FULL_DAY_MINUTES

FULL_DAY_START = time(9, 0)


def local_moment(day: date, at: time, tz: ZoneInfo) -> datetime:
    """Turn a wall-clock date and time in `tz` into a UTC instant.

    A time that does not exist (skipped when clocks go forward, e.g. 02:30 on
    the last Sunday of March in Paris) moves forward by the gap (03:30); a
    time that happens twice (the last Sunday of October) is the first one.
    """
    # fold=0 makes zoneinfo use the offset in force before a transition, which
    # is exactly "shift forward" for a gap and "first occurrence" for a repeat.
    return datetime.combine(day, at.replace(tzinfo=None), tzinfo=tz).astimezone(UTC)


def shift_before(anchor: datetime, offset: timedelta, tz: ZoneInfo) -> datetime:
    """The instant `offset` before `anchor`: whole days on the wall clock, the rest elapsed."""
    days = offset.days
    rest = offset - timedelta(days=days)
    wall = anchor.astimezone(tz).replace(tzinfo=None) - timedelta(days=days)
    return local_moment(wall.date(), wall.time(), tz) - rest


def shift_after(anchor: datetime, offset: timedelta, tz: ZoneInfo) -> datetime:
    """The instant `offset` after `anchor`, with the same rule as `shift_before`."""
    days = offset.days
    rest = offset - timedelta(days=days)
    wall = anchor.astimezone(tz).replace(tzinfo=None) + timedelta(days=days)
    return local_moment(wall.date(), wall.time(), tz) + rest


def mission_start(details: RequestDetails, tz: ZoneInfo) -> datetime | None:
    """When a mission starts (UTC), or None while its date or start is unknown."""
    if details.event_date is None:
        return None
    start = details.start_time
    if start is None:
        if details.duration_minutes != FULL_DAY_MINUTES:
            return None
        start = FULL_DAY_START
    return local_moment(details.event_date, start, tz)


def mission_end(details: RequestDetails, tz: ZoneInfo) -> datetime | None:
    """When a mission ends (UTC): its end time, or start plus duration, or its start."""
    start = mission_start(details, tz)
    if start is None or details.event_date is None:
        return None
    if details.end_time is not None:
        end = local_moment(details.event_date, details.end_time, tz)
        if end > start:
            return end
    if details.duration_minutes:
        return start + timedelta(minutes=details.duration_minutes)
    return start


@dataclass(frozen=True)
class Planned:
    """One reminder to plan: its offset and when it is due."""

    offset: timedelta
    due_at: datetime


def plan_before(
    anchor: datetime, offsets: tuple[timedelta, ...], tz: ZoneInfo, now: datetime
) -> list[Planned]:
    """The reminders still ahead of `now` for an event at `anchor`, earliest first."""
    planned = [Planned(offset, shift_before(anchor, offset, tz)) for offset in set(offsets)]
    return sorted((p for p in planned if p.due_at > now), key=lambda p: p.due_at)


def to_zone(moment: datetime, timezone: str | None, default: ZoneInfo) -> datetime:
    """Show an instant in someone's own zone, or the configured one when theirs is unknown."""
    if timezone:
        try:
            return moment.astimezone(ZoneInfo(timezone))
        except (ValueError, KeyError):
            pass
    return moment.astimezone(default)


def mission_jobs(
    details: RequestDetails,
    people: list[str],
    tz: ZoneInfo,
    *,
    reminders_before: list[timedelta] | None,
    feedback_after: timedelta,
    reminder_kind: str,
    feedback_kind: str,
) -> list[Wanted]:
    """The reminders and feedback requests a staffed mission wants.

    A reminder at each offset before the start to each person, useless once
    the mission started (`None`: the request is no longer active, so no
    reminder); after the end, a feedback request to each of them.
    """
    start = mission_start(details, tz)
    if start is None or not people:
        return []
    wanted = [
        Wanted(reminder_kind, who, offset, shift_before(start, offset, tz), start, start)
        for offset in sorted(set(reminders_before or ()))
        for who in people
    ]
    end = mission_end(details, tz) or start
    due = shift_after(end, feedback_after, tz)
    wanted += [Wanted(feedback_kind, who, feedback_after, due, end) for who in people]
    return wanted

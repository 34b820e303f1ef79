"""Requests held on several sessions: which session leads, moving or cancelling one,
who is absent on which, and how places are sought for a large event (pure)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, time

from bot.domain.matching import Excluded
from bot.domain.requests import RequestDetails, Session


def active(details: RequestDetails) -> tuple[Session, ...]:
    """The sessions still planned, in date order."""
    return tuple(
        sorted((s for s in details.sessions if not s.cancelled), key=lambda s: (s.day, s.number))
    )


def is_cycle(details: RequestDetails) -> bool:
    """Whether the request has several sessions."""
    return len(details.sessions) >= 2


def session_details(details: RequestDetails, session: Session) -> RequestDetails:
    """The request as it stands for one session: its day and times, no sessions."""
    duration = details.duration_minutes
    if session.start_time and session.end_time and session.end_time > session.start_time:
        duration = (session.end_time.hour * 60 + session.end_time.minute) - (
            session.start_time.hour * 60 + session.start_time.minute
        )
    return replace(
        details,
        event_date=session.day,
        start_time=session.start_time,
        end_time=session.end_time,
        duration_minutes=duration,
        sessions=(),
    )


def led_by_first(details: RequestDetails) -> RequestDetails:
    """The top-level fields made those of the first session still planned."""
    planned = active(details)
    if not planned:
        return details
    first = session_details(details, planned[0])
    return replace(first, sessions=details.sessions)


def find(details: RequestDetails, number: int) -> Session | None:
    """Session number `number`, or None."""
    return next((s for s in details.sessions if s.number == number), None)


def cancel_session(details: RequestDetails, number: int) -> RequestDetails:
    """The request with one session cancelled (the others untouched)."""
    sessions = tuple(
        replace(s, cancelled=True) if s.number == number else s for s in details.sessions
    )
    return led_by_first(replace(details, sessions=sessions))


def move_session(
    details: RequestDetails,
    number: int,
    *,
    day: date | None = None,
    start: time | None = None,
    end: time | None = None,
) -> RequestDetails:
    """The request with one session moved to another day or time (the others untouched)."""

    def moved(s: Session) -> Session:
        if s.number != number:
            return s
        new_start = start or s.start_time
        new_end = end
        if new_end is None and start is not None and s.start_time and s.end_time:
            # Keep the session's length when only its start is given.
            length = (s.end_time.hour * 60 + s.end_time.minute) - (
                s.start_time.hour * 60 + s.start_time.minute
            )
            minutes = start.hour * 60 + start.minute + length
            new_end = time(minutes // 60, minutes % 60) if minutes < 24 * 60 else None
        elif new_end is None:
            new_end = s.end_time
        return replace(s, day=day or s.day, start_time=new_start, end_time=new_end)

    sessions = tuple(moved(s) for s in details.sessions)
    return led_by_first(replace(details, sessions=sessions))


def absent_on(details: RequestDetails, absences: list[tuple[date, date]]) -> tuple[Session, ...]:
    """The planned sessions that fall in one of a facilitator's absences."""
    return tuple(s for s in active(details) if any(a <= s.day <= b for a, b in absences))


def last_day(details: RequestDetails) -> date | None:
    """The day the mission ends: its last planned session, else its date."""
    planned = active(details)
    return planned[-1].day if planned else details.event_date


def round_size(
    *, open_places: int, per_place: int, directory: int, share: float, minimum: int = 10
) -> int:
    """How many people to ping in one round: enough for the open places, never more than
    `share` of the directory at once (unless that is under `minimum`: the share only
    bites on large events)."""
    if open_places <= 0:
        return 0
    cap = max(minimum, int(directory * share))
    return max(1, min(open_places * per_place, cap))


def shortfall(places: int, suitable: int) -> int:
    """How many places cannot be filled from the directory as it stands."""
    return max(0, places - suitable)


def shortfall_reasons(excluded: tuple[Excluded, ...], notes: tuple[str, ...]) -> str:
    """« absent ce jour-là : 2, trop loin : 1 »: why people were left out, most often first."""
    counts = Counter(left_out.reason for left_out in excluded)
    parts = [f"{reason} : {count}" for reason, count in counts.most_common(3)]
    return ", ".join(parts) or "; ".join(notes) or "pas assez de personnes dans l'annuaire"

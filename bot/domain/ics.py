"""Calendar invitations (RFC 5545) for a confirmed mission, built with `icalendar`."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from bot.domain.cycles import session_details
from bot.domain.requests import RequestDetails

PRODID = "-//Facilibot//Missions de facilitation//FR"
MIMETYPE = "text/calendar"
# When only the start is known, the slot is assumed to last this long.
DEFAULT_LENGTH = timedelta(hours=2)


def mission_slot(
    details: RequestDetails, tz: ZoneInfo
) -> tuple[datetime, datetime] | tuple[date, date] | None:
    """The mission's start and end: aware datetimes, or whole days when no time is known."""
    day = details.event_date
    if day is None:
        return None
    if details.start_time is None:
        return day, day + timedelta(days=1)
    start = datetime.combine(day, details.start_time, tzinfo=tz)
    if details.end_time is not None and details.end_time > details.start_time:
        end = datetime.combine(day, details.end_time, tzinfo=tz)
    elif details.duration_minutes:
        end = start + timedelta(minutes=details.duration_minutes)
    else:
        end = start + DEFAULT_LENGTH
    return start, end


def mission_invitation(
    *,
    request_id: int,
    details: RequestDetails,
    summary: str,
    description: str,
    tz: ZoneInfo,
    domain: str,
    stamp: datetime,
    sequence: int = 0,
    cancelled: bool = False,
) -> bytes | None:
    """The .ics file of a mission, or None when its date is unknown.

    The UID depends only on the request, so a calendar that already has the
    mission updates it (higher `sequence`) instead of adding a second one.
    """
    if len(details.sessions) >= 2:
        # One event per session, each with its own UID (the request's, plus its number):
        # a session moved or cancelled updates that entry only.
        slots = []
        for session in details.sessions:
            slot = mission_slot(session_details(details, session), tz)
            if slot is not None:
                uid = f"facilibot-demande-{request_id}-seance-{session.number}@{domain}"
                title = f"{summary} (séance {session.number}/{len(details.sessions)})"
                slots.append((uid, slot, title, cancelled or session.cancelled))
    else:
        slot = mission_slot(details, tz)
        if slot is None:
            return None
        slots = [(f"facilibot-demande-{request_id}@{domain}", slot, summary, cancelled)]
    if not slots:
        return None
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    for uid, (start, end), title, off in slots:
        event = Event()
        event.add("uid", uid)
        event.add("dtstamp", stamp.astimezone(ZoneInfo("UTC")))
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add("summary", title)
        event.add("description", description)
        event.add("sequence", sequence)
        event.add("status", "CANCELLED" if off else "CONFIRMED")
        if details.location:
            event.add("location", details.location)
        elif details.modality == "distanciel":
            event.add("location", "Visioconférence")
        calendar.add_component(event)
    if any(isinstance(slot[1][0], datetime) for slot in slots):
        calendar.add_missing_timezones()
    return calendar.to_ical()


def meeting_invitation(
    *,
    uid: str,
    start: datetime,
    length: timedelta,
    summary: str,
    description: str,
    stamp: datetime,
    sequence: int = 0,
) -> bytes:
    """The .ics file of a meeting (a mission's scoping meeting); the same `uid` updates it."""
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp.astimezone(ZoneInfo("UTC")))
    event.add("dtstart", start)
    event.add("dtend", start + length)
    event.add("summary", summary)
    event.add("description", description)
    event.add("sequence", sequence)
    event.add("status", "CONFIRMED")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()

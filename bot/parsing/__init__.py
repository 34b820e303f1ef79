"""Understand a facilitation request written in French or English."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.parsing import classify, dates, labels, people, places, sessions, times
from bot.parsing.normalize import fold
from bot.parsing.result import ParseResult, missing_fields

__all__ = ["ParseResult", "Reading", "parse", "read"]

log = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
_USER_ID = re.compile(r"<@[^>\s]{1,255}>")
_QUOTED = re.compile(r"^\s*>")


def parse(text: str, now: datetime, *, assume_request: bool = False) -> ParseResult:
    """Parse one message sent at `now` (tz-aware); never raises on any text."""
    try:
        return _parse(text, now, assume_request)
    except Exception:  # the bot must keep going whatever a user types
        log.exception("parser failed on a message of %d characters", len(text or ""))
        return (
            ParseResult(is_request=True, facilitators_needed=1)
            if assume_request
            else (ParseResult.not_a_request())
        )


@dataclass(frozen=True)
class Reading:
    """What the extractors read in a message, before deciding whether it is a request."""

    text: str  # normalised, quotes included: the speech-act rules split them themselves
    evidence: classify.Evidence
    request: ParseResult  # the fields, should the message be a request


def _parse(text: str, now: datetime, assume_request: bool) -> ParseResult:
    """Parse without the safety net."""
    r = read(text, now)
    if assume_request or classify.is_request(r.text, r.evidence):
        return r.request
    return ParseResult.not_a_request()


def read(text: str, now: datetime) -> Reading:
    """Extract every field of `text` sent at `now`, whether or not it is a request."""
    if not isinstance(text, str):
        text = str(text)
    local = now.astimezone(PARIS) if now.tzinfo else now.replace(tzinfo=PARIS)
    # A reply fallback names its author by user id; its server name is no place or medium.
    text = _USER_ID.sub(" ", text)
    whole = folded = fold(text)
    if classify.answers_quote(folded.text):
        # A reply that makes its own ask: the quote it answers is context, not its fields.
        folded = fold("\n".join(line for line in text.split("\n") if not _QUOTED.match(line)))
    norm = folded.text
    event_date = dates.event_date(norm, local.date())
    past = dates.past_date(norm, local.date()) if event_date is None else None
    timing = times.timing(norm)
    # After thanks for a past session, the new ask names the format and headcount; « une 2e
    # séance » after thanks for a codev is a codev, not after thanks for « la réunion ».
    start = classify.focus(norm)
    fmt = labels.event_format(norm[start:]) or labels.event_format(norm, named=start > 0)
    where = places.place(folded, dated=event_date is not None)
    if start:
        # "Merci pour l'atelier d'hier à Toulon ! ... un deuxième à Draguignan": the new
        # ask says where its own event is.
        told = places.place(folded.after(start), dated=event_date is not None)
        if told.modality is not None:
            where = told
    if classify.relays_quote(folded.text):
        # "Je transfère une demande de la DGCCRF à Rennes : > ... en ligne ?": the quoted
        # request says where its event is; the relaying line names who sent it.
        lines = [line.lstrip(" >") for line in text.split("\n") if _QUOTED.match(line)]
        quoted = fold("\n".join(lines))
        told = places.place(quoted, dated=event_date is not None)
        if told.modality is not None:
            where = told
    needed, spans = people.facilitators(norm)
    attendees = None
    if start:
        masked = [(max(0, s - start), e - start) for s, e in spans if e > start]
        attendees = people.participants(norm[start:], masked)
    if attendees is None:
        attendees = people.participants(norm, spans)
    evidence = classify.Evidence(
        has_date=event_date is not None or past is not None,
        has_time=timing.start is not None or timing.duration is not None,
        has_format=fmt is not None,
        has_place=where.modality is not None,
        has_people=attendees is not None,
        # An event today whose time is past, or unsaid, is being held, not asked for.
        today=event_date == local.date()
        and (timing.start is None or timing.start <= local.time().replace(tzinfo=None)),
    )
    # Several dates: the first session leads; a span to pick a day in leaves the date open.
    event_date, timing, several = sessions.settle(norm, local.date(), event_date, timing)
    request = ParseResult(
        is_request=True,
        event_date=event_date,
        start_time=timing.start,
        end_time=timing.end,
        duration_minutes=timing.duration,
        facilitators_needed=needed or 1,
        format=fmt,
        modality=where.modality,
        location=where.location,
        participants=attendees,
        directorate=labels.directorate(norm),
        topic=labels.topic(folded),
        missing=missing_fields(
            event_date, timing.start, timing.duration, where.modality is not None
        ),
        past_date=past,
        sessions=several,
    )
    return Reading(whole.text, evidence, request)

"""Pure rules for a request being drafted: what is missing, merging an answer, sanity."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date, datetime, timedelta

from bot.domain.requests import RequestDetails, Session
from bot.parsing import result as parse_rules
from bot.parsing.result import FULL_DAY_MINUTES


def details_from_parse(result: object) -> RequestDetails:
    """Copy the request fields out of a parse result (at least one facilitator)."""
    values = {f.name: getattr(result, f.name, f.default) for f in fields(RequestDetails)}
    values["facilitators_needed"] = max(1, values["facilitators_needed"] or 1)
    values["sessions"] = tuple(
        Session(n, s.day, s.start, s.end) for n, s in enumerate(values["sessions"] or (), start=1)
    )
    return RequestDetails(**values)


def missing_fields(details: RequestDetails) -> tuple[str, ...]:
    """What the bot must ask before it can look for facilitators (the parser's rule)."""
    place = details.modality is not None or details.location is not None
    return parse_rules.missing_fields(
        details.event_date, details.start_time, details.duration_minutes, place
    )


def merge_answer(current: RequestDetails, answer: RequestDetails) -> RequestDetails:
    """Complete a request with what an answer in its thread says (new values win)."""
    updates: dict[str, object] = {}
    for name in (
        "event_date",
        "start_time",
        "end_time",
        "duration_minutes",
        "format",
        "modality",
        "location",
        "participants",
        "directorate",
        "topic",
    ):
        value = getattr(answer, name)
        if value is not None and name != "topic":
            updates[name] = value
    # A fragment that does not state a number says 1 by default: only a larger
    # number is a real change of need.
    if answer.facilitators_needed > 1:
        updates["facilitators_needed"] = answer.facilitators_needed
    if answer.location and answer.modality is None and current.modality == "distanciel":
        updates["modality"] = "presentiel"
    if answer.modality == "distanciel" and answer.location is None:
        updates["location"] = None
    merged = replace(current, **updates)
    return _complete_times(merged)


def _complete_times(details: RequestDetails) -> RequestDetails:
    """Derive the end from start + duration, or the duration from start and end."""
    start, end, minutes = details.start_time, details.end_time, details.duration_minutes
    if start and end and end > start:
        span = datetime.combine(date.min, end) - datetime.combine(date.min, start)
        return replace(details, duration_minutes=int(span.total_seconds() // 60))
    if start and not end and minutes and minutes != FULL_DAY_MINUTES:
        finish = datetime.combine(date.min, start) + timedelta(minutes=minutes)
        if finish.date() == date.min:
            return replace(details, end_time=finish.time())
    return details


def apply_changes(current: RequestDetails, changes: dict[str, object]) -> RequestDetails:
    """A request with some fields changed (a correction read in its conversation); the
    duration follows the times when both are known."""
    fields_ = {k: v for k, v in changes.items() if k in RequestDetails.__dataclass_fields__}
    updated = replace(current, **fields_)
    if (
        updated.start_time
        and updated.end_time
        and ("start_time" in changes or "end_time" in changes)
    ):
        start = updated.start_time.hour * 60 + updated.start_time.minute
        end = updated.end_time.hour * 60 + updated.end_time.minute
        if end > start:
            updated = replace(updated, duration_minutes=end - start)
    return updated


def changed_fields(before: RequestDetails, after: RequestDetails) -> tuple[str, ...]:
    """Names of the fields whose value changed."""
    return tuple(
        name
        for name in RequestDetails.__dataclass_fields__
        if getattr(before, name) != getattr(after, name)
    )


def keep_thread_changes(
    current: RequestDetails, first_reading: RequestDetails, edited_reading: RequestDetails
) -> RequestDetails:
    """A request re-read after its first message was edited: each field the edit changed
    (its reading differs from the first message's) takes the edit's value; every other
    field keeps the request's current value, which the conversation may have set."""
    values = {
        name: getattr(edited_reading, name)
        if getattr(edited_reading, name) != getattr(first_reading, name)
        else getattr(current, name)
        for name in RequestDetails.__dataclass_fields__
    }
    return RequestDetails(**values)


def past_date(result: object, details: RequestDetails, today: date) -> date | None:
    """The event date when it is already past: stored details, or one the parser set aside."""
    if details.event_date is not None and details.event_date < today:
        return details.event_date
    past = getattr(result, "past_date", None)
    return past if isinstance(past, date) and details.event_date is None else None

"""Rank the directory for one stored request: the database prefilter, then `bot.matching`."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, time, timedelta

from bot.matching import MatchRequest, MatchResult, Workload, canonical_city, match, region_of
from storage.requests import Request
from storage.store import Store

# How many profiles the indexed prefilter hands to the pure ranking.
PREFILTER_LIMIT = 300


def match_request_of(request: Request) -> MatchRequest:
    """What matching needs of a stored request (its date must be known)."""
    d = request.details
    if d.event_date is None:
        raise ValueError(f"request {request.id} has no date")
    location = canonical_city(d.location)
    return MatchRequest(
        event_date=d.event_date,
        start_time=d.start_time,
        end_time=d.end_time,
        format=d.format,
        modality=d.modality,
        location=location,
        region=region_of(location),
        directorate=d.directorate,
        facilitators_needed=d.facilitators_needed,
    )


async def workloads(
    store: Store, people: list[str], day: date, *, exclude_request: int
) -> dict[str, Workload]:
    """Accepted missions of these people: that day's slots, this month, last 90 days."""
    if not people:
        return {}
    marks = ", ".join("?" for _ in people)
    since = (day - timedelta(days=90)).isoformat()
    rows = await store.db.fetchall(
        "SELECT a.facilitator, r.event_date, r.start_time, r.end_time FROM assignments a "
        "JOIN requests r ON r.id = a.request_id "
        f"WHERE a.state = 'acceptee' AND a.facilitator IN ({marks}) AND r.id != ? "
        "AND r.state != 'annulee' AND r.event_date >= ?",
        (*people, exclude_request, since),
    )
    month: dict[str, int] = defaultdict(int)
    recent: dict[str, int] = defaultdict(int)
    busy: dict[str, list[tuple[time | None, time | None]]] = defaultdict(list)
    for who, when, start, end in rows:
        mission_day = date.fromisoformat(when)
        if (mission_day.year, mission_day.month) == (day.year, day.month):
            month[who] += 1
        if mission_day <= day:
            recent[who] += 1
        if mission_day == day:
            busy[who].append(
                (
                    time.fromisoformat(start) if start else None,
                    time.fromisoformat(end) if end else None,
                )
            )
    return {
        who: Workload(
            missions_this_month=month[who],
            missions_last_90_days=recent[who],
            busy=tuple(busy[who]),
        )
        for who in people
    }


async def rank_request(store: Store, request: Request) -> MatchResult:
    """Filter and rank the directory for a stored request, best first, with reasons."""
    wanted = match_request_of(request)
    profiles = await store.facilitators.candidates(
        wanted.event_date,
        modality=wanted.modality,
        site=wanted.location,
        region=wanted.region,
        skill=wanted.format,
        limit=PREFILTER_LIMIT,
    )
    loads = await workloads(
        store, [p.matrix_id for p in profiles], wanted.event_date, exclude_request=request.id
    )
    return match(wanted, profiles, loads)

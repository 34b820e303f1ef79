"""The network's year in figures, for `facilibot report` (pure)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import tzinfo

from bot.domain.geography import region_of
from bot.domain.reports import (
    MissionFact,
    MonthFigures,
    PeriodStats,
    RequestFact,
    monthly,
    months_ending,
    period_stats,
    ranked,
)

NO_COHORT = "non renseignée"
REMOTE_OR_UNKNOWN = "à distance ou lieu non précisé"


@dataclass(frozen=True)
class CohortPart:
    """One cohort's part in the year."""

    cohort: str
    members: int  # listed in the directory
    active: int  # of whom facilitated at least once
    places: int  # places held on missions
    share: float  # of all places held


@dataclass(frozen=True)
class YearReport:
    """What the yearly report shows."""

    year: int
    stats: PeriodStats
    months: tuple[MonthFigures, ...]
    declared_minutes: int  # time declared with `!temps` (preparation included)
    members: int  # listed in the directory
    active: int  # of them, facilitated at least once in the year
    cohorts: tuple[CohortPart, ...]
    regions: tuple[tuple[str, int], ...]  # missions by region of the session
    ratings: tuple[int, ...]  # how many ratings of 1, 2, 3, 4, 5
    comments: int

    @property
    def active_share(self) -> float | None:
        """The share of the directory that facilitated at least once."""
        return self.active / self.members if self.members else None


def year_report(
    year: int,
    requests: list[RequestFact],
    missions: list[MissionFact],
    directory: list[tuple[str, int | None, str | None]],
    *,
    comments: int,
    tz: tzinfo,
) -> YearReport:
    """Figures of a year: requests received in it, missions dated in it, the directory now."""
    stats = period_stats(requests, missions)
    cohort_of = {who: cohort for who, cohort, _ in directory}
    people = {m.facilitator for m in missions}
    members: Counter[str] = Counter()
    active: Counter[str] = Counter()
    for who, cohort, _ in directory:
        name = str(cohort) if cohort is not None else NO_COHORT
        members[name] += 1
        active[name] += who in people
    places: Counter[str] = Counter()
    for mission in missions:
        cohort = cohort_of.get(mission.facilitator)
        places[str(cohort) if cohort is not None else NO_COHORT] += 1
    total = sum(places.values())
    names = sorted(set(members) | set(places), key=lambda c: (c == NO_COHORT, _number(c)))
    cohorts = tuple(
        CohortPart(c, members[c], active[c], places[c], places[c] / total if total else 0.0)
        for c in names
    )
    by_request = {m.request_id: m for m in missions}
    regions = ranked(region_of(m.location) or REMOTE_OR_UNKNOWN for m in by_request.values())
    rated = Counter(int(m.rating) for m in by_request.values() if m.rating is not None)
    return YearReport(
        year=year,
        stats=stats,
        months=tuple(monthly(requests, months_ending(year, 12), tz)),
        declared_minutes=sum(m.reported_minutes or 0 for m in missions),
        members=len(directory),
        active=sum(1 for who, _, _ in directory if who in people),
        cohorts=cohorts,
        regions=regions,
        ratings=tuple(rated[n] for n in range(1, 6)),
        comments=comments,
    )


def _number(cohort: str) -> int:
    return int(cohort) if cohort.isdigit() else 0

"""The coordinators' figures: staffing of a period, missions per facilitator (pure)."""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo


@dataclass(frozen=True)
class RequestFact:
    """What the statistics need of one request."""

    id: int
    state: str
    created_at: datetime
    staffed_at: datetime | None
    format: str | None
    directorate: str | None = None

    @property
    def staffed(self) -> bool:
        """Fully staffed at some point, and still staffed or done (not cancelled, not reopened)."""
        return self.staffed_at is not None and self.state in ("pourvue", "realisee")


@dataclass(frozen=True)
class MissionFact:
    """One accepted mission of one facilitator."""

    request_id: int
    facilitator: str
    event_date: date | None
    minutes: int | None
    format: str | None
    rating: float | None = None  # the requester's 1–5 rating of the request, if given
    reported_minutes: int | None = None  # time the facilitator said they spent
    directorate: str | None = None  # the requesting team's
    location: str | None = None  # the city, when it was said


@dataclass
class FacilitatorSummary:
    """Missions of one facilitator over a period."""

    matrix_id: str
    name: str = ""
    missions: int = 0
    minutes: int = 0
    reported_minutes: int = 0
    formats: Counter[str] = field(default_factory=Counter)
    ratings: list[float] = field(default_factory=list)

    @property
    def mean_rating(self) -> float | None:
        """The mean rating of their missions, None when none was rated."""
        return round(statistics.fmean(self.ratings), 2) if self.ratings else None


@dataclass(frozen=True)
class PeriodStats:
    """The `!stats` figures of a period.

    Requests are those received in the period (by creation); missions are
    those dated in the period (by the day of the session). A mission is one
    request facilitated; a place is one person on it.
    """

    requests: int
    cancelled: int
    staffed: int
    staffing_rate: float | None
    median_time_to_staff: timedelta | None
    missions: int
    places: int
    facilitators: int
    minutes: int
    busiest: tuple[tuple[str, int], ...]  # (matrix id, missions), most first
    mean_rating: float | None
    ratings: int
    formats: tuple[tuple[str, int], ...]  # formats requested, by requests received
    mission_formats: tuple[tuple[str, int], ...]  # missions of the period by format
    mission_directorates: tuple[tuple[str, int], ...]  # missions of the period by directorate


@dataclass(frozen=True)
class MonthFigures:
    """One month of requests received: how many, how many staffed, how fast."""

    year: int
    month: int
    requests: int
    staffed: int
    staffing_rate: float | None
    median_time_to_staff: timedelta | None


def mission_minutes(
    start: time | None, end: time | None, duration_minutes: int | None
) -> int | None:
    """How long a mission lasts: its time range, or its stated duration, or unknown."""
    if start is not None and end is not None and end > start:
        return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return duration_minutes


def per_facilitator(
    missions: list[MissionFact], names: dict[str, str] | None = None
) -> list[FacilitatorSummary]:
    """Missions per facilitator, most missions first, then by matrix id."""
    names = names or {}
    summaries: dict[str, FacilitatorSummary] = {}
    for mission in missions:
        summary = summaries.setdefault(
            mission.facilitator,
            FacilitatorSummary(mission.facilitator, names.get(mission.facilitator, "")),
        )
        summary.missions += 1
        summary.minutes += mission.minutes or 0
        summary.reported_minutes += mission.reported_minutes or 0
        if mission.format:
            summary.formats[mission.format] += 1
        if mission.rating is not None:
            summary.ratings.append(mission.rating)
    return sorted(summaries.values(), key=lambda s: (-s.missions, s.matrix_id))


def ranked(values: object) -> tuple[tuple[str, int], ...]:
    """Count values, most frequent first, then alphabetically."""
    counts = Counter(values)  # type: ignore[call-overload]
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _staffing(requests: list[RequestFact]) -> tuple[int, int, float | None, timedelta | None]:
    """Non-cancelled requests, staffed ones, the rate and the median time to staff."""
    considered = [r for r in requests if r.state != "annulee"]
    staffed = [r for r in considered if r.staffed]
    delays = [r.staffed_at - r.created_at for r in staffed if r.staffed_at is not None]
    return (
        len(considered),
        len(staffed),
        len(staffed) / len(considered) if considered else None,
        statistics.median(delays) if delays else None,
    )


def period_stats(requests: list[RequestFact], missions: list[MissionFact]) -> PeriodStats:
    """Requests received, staffing rate and time, missions held, people, rating, formats."""
    considered, staffed, rate, delay = _staffing(requests)
    people = per_facilitator(missions)
    by_request = {m.request_id: m for m in missions}
    rated = [m.rating for m in by_request.values() if m.rating is not None]
    return PeriodStats(
        requests=len(requests),
        cancelled=len(requests) - considered,
        staffed=staffed,
        staffing_rate=rate,
        median_time_to_staff=delay,
        missions=len(by_request),
        places=len(missions),
        facilitators=len(people),
        minutes=sum(m.minutes or 0 for m in missions),
        busiest=tuple((p.matrix_id, p.missions) for p in people[:5]),
        mean_rating=round(statistics.fmean(rated), 2) if rated else None,
        ratings=len(rated),
        formats=ranked(r.format for r in requests if r.format),
        mission_formats=ranked(m.format or "inconnu" for m in by_request.values()),
        mission_directorates=ranked(m.directorate or "inconnue" for m in by_request.values()),
    )


def months_ending(year: int, month: int, count: int = 12) -> list[tuple[int, int]]:
    """The `count` months up to (year, month) included, oldest first."""
    index = year * 12 + month - 1
    return [(n // 12, n % 12 + 1) for n in range(index - count + 1, index + 1)]


def monthly(
    requests: list[RequestFact], months: list[tuple[int, int]], tz: tzinfo
) -> list[MonthFigures]:
    """Requests received per month (months are 1-based), with staffing, in the given zone."""
    buckets: dict[tuple[int, int], list[RequestFact]] = {(y, m): [] for y, m in months}
    for request in requests:
        local = request.created_at.astimezone(tz)
        bucket = buckets.get((local.year, local.month))
        if bucket is not None:
            bucket.append(request)
    figures = []
    for (year, month), received in buckets.items():
        _, staffed, rate, delay = _staffing(received)
        figures.append(MonthFigures(year, month, len(received), staffed, rate, delay))
    return figures


CSV_COLUMNS = (
    "matrix_id",
    "nom",
    "missions",
    "heures",
    "heures_declarees",
    "formats",
    "note_moyenne",
)


def missions_csv(summaries: list[FacilitatorSummary]) -> str:
    """The export: one line per facilitator (hours as decimals, formats `atelier:3;codev:1`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for s in summaries:
        formats = ";".join(f"{name}:{count}" for name, count in sorted(s.formats.items()))
        writer.writerow(
            [
                s.matrix_id,
                s.name,
                s.missions,
                f"{s.minutes / 60:.2f}",
                f"{s.reported_minutes / 60:.2f}",
                formats,
                "" if s.mean_rating is None else f"{s.mean_rating:.2f}",
            ]
        )
    return out.getvalue()

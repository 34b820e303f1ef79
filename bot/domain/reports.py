"""The coordinators' figures: staffing of a period, missions per facilitator (pure)."""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta


@dataclass(frozen=True)
class RequestFact:
    """What the statistics need of one request."""

    id: int
    state: str
    created_at: datetime
    staffed_at: datetime | None
    format: str | None


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
    """The `!stats` figures of a period."""

    requests: int
    cancelled: int
    staffed: int
    staffing_rate: float | None
    median_time_to_staff: timedelta | None
    missions: int
    facilitators: int
    busiest: tuple[tuple[str, int], ...]
    mean_rating: float | None
    formats: tuple[tuple[str, int], ...]


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


def period_stats(requests: list[RequestFact], missions: list[MissionFact]) -> PeriodStats:
    """Requests, staffing rate, time to staff, missions per person, rating, formats."""
    cancelled = sum(r.state == "annulee" for r in requests)
    considered = [r for r in requests if r.state != "annulee"]
    staffed = [r for r in considered if r.staffed_at is not None]
    delays = [r.staffed_at - r.created_at for r in staffed if r.staffed_at is not None]
    people = per_facilitator(missions)
    rated = {m.request_id: m.rating for m in missions if m.rating is not None}
    formats = Counter(r.format for r in requests if r.format)
    return PeriodStats(
        requests=len(requests),
        cancelled=cancelled,
        staffed=len(staffed),
        staffing_rate=len(staffed) / len(considered) if considered else None,
        median_time_to_staff=statistics.median(delays) if delays else None,
        missions=len(missions),
        facilitators=len(people),
        busiest=tuple((p.matrix_id, p.missions) for p in people[:5]),
        mean_rating=round(statistics.fmean(rated.values()), 2) if rated else None,
        formats=tuple(sorted(formats.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


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

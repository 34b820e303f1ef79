"""Reading the facts behind the coordinators' figures (see `bot.domain.reports`)."""

from __future__ import annotations

from datetime import date, datetime, time

from bot.domain.reports import MissionFact, RequestFact, mission_minutes
from storage.db import Database
from storage.feedback import FeedbackRepository


class ReportRepository:
    """Requests and missions of a period, as plain facts."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def requests_created(self, start: datetime, end: datetime) -> list[RequestFact]:
        """Requests created in [start, end), with when each first became fully staffed."""
        rows = await self.db.fetchall(
            "SELECT r.id, r.state, r.created_at, r.format, r.directorate, "
            "(SELECT MIN(t.at) FROM transitions t WHERE t.request_id = r.id "
            " AND t.facilitator IS NULL AND t.to_state = 'pourvue') AS staffed_at "
            "FROM requests r WHERE r.created_at >= ? AND r.created_at < ? AND r.discarded = 0 "
            "ORDER BY r.id",
            (start.isoformat(), end.isoformat()),
        )
        return [
            RequestFact(
                id=row["id"],
                state=row["state"],
                created_at=datetime.fromisoformat(row["created_at"]),
                staffed_at=datetime.fromisoformat(row["staffed_at"]) if row["staffed_at"] else None,
                format=row["format"],
                directorate=row["directorate"],
            )
            for row in rows
        ]

    async def missions_between(self, first: date, last: date) -> list[MissionFact]:
        """Accepted missions of requests dated from `first` to `last` inclusive, not cancelled."""
        rows = await self.db.fetchall(
            "SELECT a.request_id, a.facilitator, r.event_date, r.start_time, r.end_time, "
            "r.duration_minutes, r.format, r.directorate, r.location FROM assignments a "
            "JOIN requests r ON r.id = a.request_id "
            "WHERE a.state = 'acceptee' AND r.state NOT IN ('annulee', 'non tenue') "
            "AND r.discarded = 0 "
            "AND r.event_date >= ? AND r.event_date <= ? ORDER BY r.event_date, a.request_id",
            (first.isoformat(), last.isoformat()),
        )
        ids = sorted({row["request_id"] for row in rows})
        ratings, reported = await FeedbackRepository(self.db).for_requests(ids)
        facts = []
        for row in rows:
            start = time.fromisoformat(row["start_time"]) if row["start_time"] else None
            end = time.fromisoformat(row["end_time"]) if row["end_time"] else None
            facts.append(
                MissionFact(
                    request_id=row["request_id"],
                    facilitator=row["facilitator"],
                    event_date=date.fromisoformat(row["event_date"]),
                    minutes=mission_minutes(start, end, row["duration_minutes"]),
                    format=row["format"],
                    rating=ratings.get(row["request_id"]),
                    reported_minutes=reported.get((row["request_id"], row["facilitator"])),
                    directorate=row["directorate"],
                    location=row["location"],
                )
            )
        return facts

    async def directory(self) -> list[tuple[str, int | None, str | None]]:
        """(matrix id, cohort, region) of everyone listed in the directory (not those who left)."""
        rows = await self.db.fetchall(
            "SELECT matrix_id, cohort, region FROM facilitators WHERE left_at IS NULL "
            "ORDER BY matrix_id"
        )
        return [(row[0], row[1], row[2]) for row in rows]

    async def comments(self, first: date, last: date) -> int:
        """How many requesters left a comment on a mission dated `first` to `last`."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM mission_feedback f JOIN requests r ON r.id = f.request_id "
            "WHERE f.role = 'requester' AND f.comment IS NOT NULL AND f.comment != '' "
            "AND r.event_date >= ? AND r.event_date <= ?",
            (first.isoformat(), last.isoformat()),
        )
        return int(row[0]) if row else 0

    async def names(self) -> dict[str, str]:
        """Display names of the directory, by matrix id."""
        rows = await self.db.fetchall("SELECT matrix_id, display_name FROM facilitators")
        return {row[0]: row[1] for row in rows}

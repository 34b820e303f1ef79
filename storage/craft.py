"""A person's missions as facts, and the register of attestations issued."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from bot.domain.craft import CraftMission, attestation_reference
from bot.domain.reports import mission_minutes
from storage.db import Database


@dataclass(frozen=True)
class IssuedAttestation:
    """One row of the register: enough to say whether a reference was issued, and for whom."""

    reference: str
    holder: str
    holder_name: str | None  # None once the holder asked to be forgotten
    directorate: str | None
    year: int
    missions: int
    minutes: int
    issued_by: str
    issued_at: datetime


class CraftRepository:
    """What `!parcours` and `!attestation` read and write."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def missions_of(self, person: str, first: date, last: date) -> list[CraftMission]:
        """Missions this person accepted, dated `first` to `last` inclusive, not cancelled."""
        rows = await self.db.fetchall(
            "SELECT r.id, r.event_date, r.start_time, r.end_time, r.duration_minutes, r.format, "
            "r.directorate, "
            "(SELECT COUNT(*) FROM assignments o WHERE o.request_id = r.id "
            " AND o.state = 'acceptee' AND o.facilitator != a.facilitator) AS partners, "
            "(SELECT f.rating FROM mission_feedback f WHERE f.request_id = r.id "
            " AND f.role = 'requester' AND f.rating IS NOT NULL "
            " ORDER BY f.updated_at DESC LIMIT 1) AS rating, "
            "(SELECT f.minutes_spent FROM mission_feedback f WHERE f.request_id = r.id "
            " AND f.author = a.facilitator AND f.role = 'facilitator') AS declared "
            "FROM assignments a JOIN requests r ON r.id = a.request_id "
            "WHERE a.facilitator = ? AND a.state = 'acceptee' AND r.state != 'annulee' "
            "AND r.discarded = 0 AND r.event_date >= ? AND r.event_date <= ? "
            "ORDER BY r.event_date, r.id",
            (person, first.isoformat(), last.isoformat()),
        )
        return [
            CraftMission(
                request_id=row["id"],
                event_date=date.fromisoformat(row["event_date"]),
                format=row["format"],
                directorate=row["directorate"],
                minutes=mission_minutes(
                    time.fromisoformat(row["start_time"]) if row["start_time"] else None,
                    time.fromisoformat(row["end_time"]) if row["end_time"] else None,
                    row["duration_minutes"],
                ),
                declared_minutes=row["declared"],
                partners=row["partners"],
                rating=row["rating"],
            )
            for row in rows
        ]

    async def issue(
        self,
        *,
        holder: str,
        holder_name: str,
        directorate: str | None,
        year: int,
        missions: int,
        minutes: int,
        issued_by: str,
        at: datetime,
    ) -> str:
        """Register a new attestation; return its reference."""
        async with self.db.transaction():
            row = await self.db.fetchone("SELECT COALESCE(MAX(id), 0) + 1 FROM attestations")
            number = int(row[0]) if row else 1
            reference = attestation_reference(number, year, holder, at.isoformat())
            await self.db.execute(
                "INSERT INTO attestations (id, reference, holder, holder_name, directorate, year, "
                "missions, minutes, issued_by, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    number,
                    reference,
                    holder,
                    holder_name,
                    directorate,
                    year,
                    missions,
                    minutes,
                    issued_by,
                    at.isoformat(),
                ),
            )
        return reference

    async def find(self, reference: str) -> IssuedAttestation | None:
        """The attestation issued under this reference (case and spaces ignored), or None."""
        row = await self.db.fetchone(
            "SELECT * FROM attestations WHERE reference = ?", (reference.strip().upper(),)
        )
        if row is None:
            return None
        return IssuedAttestation(
            reference=row["reference"],
            holder=row["holder"],
            holder_name=row["holder_name"],
            directorate=row["directorate"],
            year=row["year"],
            missions=row["missions"],
            minutes=row["minutes"],
            issued_by=row["issued_by"],
            issued_at=datetime.fromisoformat(row["issued_at"]),
        )

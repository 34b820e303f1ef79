"""Network events (plenaries, meetups) and who said they would attend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from storage.db import Database


@dataclass(frozen=True)
class NetworkEvent:
    """A plenary or other rendezvous of the network."""

    id: int
    title: str
    starts_at: datetime
    location: str | None
    state: str  # 'prevu' or 'annule'
    created_by: str


@dataclass(frozen=True)
class Attendee:
    """Someone who said they would come, and how."""

    user_id: str
    via: str
    at: datetime


def _from_row(row: Any) -> NetworkEvent:
    return NetworkEvent(
        id=row["id"],
        title=row["title"],
        starts_at=datetime.fromisoformat(row["starts_at"]),
        location=row["location"],
        state=row["state"],
        created_by=row["created_by"],
    )


class NetworkEventRepository:
    """Create, list and cancel events; record attendance."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self,
        *,
        title: str,
        starts_at: datetime,
        location: str | None,
        created_by: str,
        source_event_id: str,
        at: datetime,
    ) -> NetworkEvent:
        """Store a new event and return it with its number."""
        new_id = await self.db.insert(
            "INSERT INTO network_events (title, starts_at, location, created_by, "
            "source_event_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                title,
                starts_at.astimezone(UTC).isoformat(),
                location,
                created_by,
                source_event_id,
                at.astimezone(UTC).isoformat(),
                at.astimezone(UTC).isoformat(),
            ),
        )
        created = await self.get(new_id)
        assert created is not None
        return created

    async def get(self, event_id: int) -> NetworkEvent | None:
        """Return an event, or None."""
        row = await self.db.fetchone("SELECT * FROM network_events WHERE id = ?", (event_id,))
        return _from_row(row) if row else None

    async def upcoming(self, now: datetime, limit: int = 50) -> list[NetworkEvent]:
        """Planned events that have not started yet, soonest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM network_events WHERE state = 'prevu' AND starts_at > ? "
            "ORDER BY starts_at, id LIMIT ?",
            (now.astimezone(UTC).isoformat(), limit),
        )
        return [_from_row(row) for row in rows]

    async def cancel(self, event_id: int, *, at: datetime) -> bool:
        """Cancel a planned event; False if it was not planned."""
        changed = await self.db.execute(
            "UPDATE network_events SET state = 'annule', updated_at = ? "
            "WHERE id = ? AND state = 'prevu'",
            (at.astimezone(UTC).isoformat(), event_id),
        )
        return changed == 1

    async def attend(self, event_id: int, user_id: str, *, via: str, at: datetime) -> bool:
        """Record that someone will attend; False if they already said so."""
        changed = await self.db.execute(
            "INSERT OR IGNORE INTO event_attendees (event_id, user_id, via, created_at) "
            "VALUES (?, ?, ?, ?)",
            (event_id, user_id, via, at.astimezone(UTC).isoformat()),
        )
        return changed == 1

    async def attendees(self, event_id: int) -> list[Attendee]:
        """Who will attend, in the order they said so."""
        rows = await self.db.fetchall(
            "SELECT * FROM event_attendees WHERE event_id = ? ORDER BY created_at, user_id",
            (event_id,),
        )
        return [
            Attendee(row["user_id"], row["via"], datetime.fromisoformat(row["created_at"]))
            for row in rows
        ]

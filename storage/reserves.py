"""Facilitators waiting in reserve for a place on a full request, first in line first."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database


class ReserveRepository:
    """Join, leave and promote from a request's reserve."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def join(self, request_id: int, facilitator: str, *, at: datetime) -> bool:
        """Put someone at the end of the reserve; False if they already wait there."""
        changed = await self.db.execute(
            "INSERT INTO reserves (request_id, facilitator, position, state, created_at, "
            "updated_at) SELECT :rid, :who, COALESCE(MAX(position), 0) + 1, 'attente', :at, :at "
            "FROM reserves WHERE request_id = :rid "
            "ON CONFLICT (request_id, facilitator) DO UPDATE SET state = 'attente', "
            "position = excluded.position, updated_at = excluded.updated_at "
            "WHERE reserves.state != 'attente'",
            {"rid": request_id, "who": facilitator, "at": at.isoformat()},
        )
        return changed == 1

    async def waiting(self, request_id: int) -> list[str]:
        """Who waits in reserve, first in line first."""
        rows = await self.db.fetchall(
            "SELECT facilitator FROM reserves WHERE request_id = ? AND state = 'attente' "
            "ORDER BY position",
            (request_id,),
        )
        return [row[0] for row in rows]

    async def is_waiting(self, request_id: int, facilitator: str) -> bool:
        """Whether someone waits in reserve for this request."""
        row = await self.db.fetchone(
            "SELECT 1 FROM reserves WHERE request_id = ? AND facilitator = ? AND state = 'attente'",
            (request_id, facilitator),
        )
        return row is not None

    async def leave(self, request_id: int, facilitator: str, state: str, *, at: datetime) -> bool:
        """End someone's wait (`promue`, `liberee`, `desistee`); False if they were not waiting."""
        changed = await self.db.execute(
            "UPDATE reserves SET state = ?, updated_at = ? "
            "WHERE request_id = ? AND facilitator = ? AND state = 'attente'",
            (state, at.isoformat(), request_id, facilitator),
        )
        return changed == 1

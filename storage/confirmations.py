"""What the bot asked someone to confirm, and what their « oui » will do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database


@dataclass(frozen=True)
class Pending:
    """An action the bot asked a person to confirm, in one place (a thread, a DM)."""

    action: str
    request_id: int
    asked_at: datetime


class ConfirmationRepository:
    """Pending confirmations, one per person and place."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # Who may have a confirmation pending (read once, then added to; never taken
        # from, since a settle may roll back): nearly every message is from someone
        # the bot asked nothing, and needs no read to learn it.
        self._maybe: set[str] | None = None

    async def ask(
        self, user_id: str, place: str, action: str, request_id: int, *, at: datetime
    ) -> None:
        """Remember that a « oui » from this person, here, carries out `action`."""
        await self.db.execute(
            "INSERT OR REPLACE INTO confirmations (user_id, place, action, request_id, asked_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (user_id, place, action, request_id, at.isoformat()),
        )
        if self._maybe is not None:
            self._maybe.add(user_id)

    async def pending(self, user_id: str, place: str) -> Pending | None:
        """The action awaiting this person's confirmation here, if any."""
        if self._maybe is None:
            rows = await self.db.fetchall("SELECT DISTINCT user_id FROM confirmations")
            self._maybe = {row[0] for row in rows}
        if user_id not in self._maybe:
            return None
        row = await self.db.fetchone(
            "SELECT action, request_id, asked_at FROM confirmations "
            "WHERE user_id = ? AND place = ?",
            (user_id, place),
        )
        return Pending(row[0], row[1], datetime.fromisoformat(row[2])) if row else None

    async def settle(self, user_id: str, place: str) -> None:
        """Forget the pending confirmation (done, declined, or overtaken)."""
        await self.db.execute(
            "DELETE FROM confirmations WHERE user_id = ? AND place = ?", (user_id, place)
        )

"""Notes on a request: what its conversation said that changes none of its fields."""

from __future__ import annotations

from datetime import datetime

from bot.domain.requests import Note
from storage.db import Database


class NoteRepository:
    """Keep and read the notes of a request."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self, request_id: int, author: str, text: str, *, source_event_id: str, at: datetime
    ) -> bool:
        """Keep a note once per Matrix event; return False if that event's note was kept."""
        changed = await self.db.execute(
            "INSERT OR IGNORE INTO request_notes (request_id, author, text, source_event_id, "
            "created_at) VALUES (?, ?, ?, ?, ?)",
            (request_id, author, text, source_event_id, at.isoformat()),
        )
        return changed == 1

    async def of(self, request_id: int) -> list[Note]:
        """A request's notes, oldest first."""
        rows = await self.db.fetchall(
            "SELECT request_id, author, text, created_at FROM request_notes "
            "WHERE request_id = ? ORDER BY id",
            (request_id,),
        )
        return [Note(row[0], row[1], row[2], datetime.fromisoformat(row[3])) for row in rows]

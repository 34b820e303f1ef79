"""Encrypted events waiting for their room key: kept so that none is silently lost."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Database


@dataclass(frozen=True)
class WaitingEvent:
    """One `m.room.encrypted` event the bot could not decrypt yet."""

    event_id: str
    room_id: str
    room_kind: str
    sender: str
    session_id: str
    source: dict[str, Any]
    received_at: datetime
    notified_at: datetime | None


def _from_row(row: Any) -> WaitingEvent:
    notified = row["notified_at"]
    return WaitingEvent(
        event_id=row["event_id"],
        room_id=row["room_id"],
        room_kind=row["room_kind"],
        sender=row["sender"],
        session_id=row["session_id"],
        source=json.loads(row["source"]),
        received_at=datetime.fromisoformat(row["received_at"]),
        notified_at=datetime.fromisoformat(notified) if notified else None,
    )


class UndecryptableRepository:
    """Hold, list and settle undecryptable events."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def hold(
        self, source: dict[str, Any], room_id: str, room_kind: str, at: datetime
    ) -> bool:
        """Keep an encrypted event until it can be read; False if it was already kept."""
        content = source.get("content", {})
        changed = await self.db.execute(
            "INSERT OR IGNORE INTO undecryptable_events "
            "(event_id, room_id, room_kind, sender, session_id, source, received_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                source["event_id"],
                room_id,
                room_kind,
                source.get("sender", ""),
                content.get("session_id", ""),
                json.dumps(source),
                at.isoformat(),
            ),
        )
        return changed == 1

    async def waiting(self, session_ids: Iterable[str] | None = None) -> list[WaitingEvent]:
        """Events still waiting, oldest first (only those of some sessions, if given)."""
        sql = "SELECT * FROM undecryptable_events"
        params: tuple[str, ...] = ()
        if session_ids is not None:
            params = tuple(sorted(set(session_ids)))
            if not params:
                return []
            sql += f" WHERE session_id IN ({', '.join('?' * len(params))})"
        rows = await self.db.fetchall(sql + " ORDER BY received_at, event_id", params)
        return [_from_row(row) for row in rows]

    async def settle(self, event_id: str) -> None:
        """The event could be read at last (and was handled): forget its ciphertext."""
        await self.db.execute("DELETE FROM undecryptable_events WHERE event_id = ?", (event_id,))

    async def purge(self, before: datetime) -> int:
        """Give up on events received before `before` (their senders were told)."""
        removed = await self.db.execute(
            "DELETE FROM undecryptable_events WHERE received_at < ? AND notified_at IS NOT NULL",
            (before.isoformat(),),
        )
        return removed

    async def mark_notified(self, event_ids: Iterable[str], at: datetime) -> None:
        """Its sender was told (in the same transaction as the notice's outbox row)."""
        async with self.db.transaction():
            for event_id in event_ids:
                await self.db.defer(
                    "UPDATE undecryptable_events SET notified_at = ? "
                    "WHERE event_id = ? AND notified_at IS NULL",
                    (at.isoformat(), event_id),
                )

"""A mission's room and what was done on its steps: facts, debriefs, shared files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.domain.steps import Fact
from storage.db import Database

OPEN, CLOSED, LEFT = "open", "closed", "left"


@dataclass(frozen=True)
class MissionRoom:
    """The private room of one mission."""

    request_id: int
    room_id: str | None  # None until the sender has created it
    state: str
    name: str
    topic: str
    created_at: datetime


@dataclass(frozen=True)
class SharedFile:
    """A file someone shared in a mission room."""

    event_id: str
    request_id: int
    sender: str
    name: str


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def _room(row: object) -> MissionRoom:
    return MissionRoom(
        request_id=row["request_id"],  # type: ignore[index]
        room_id=row["room_id"],  # type: ignore[index]
        state=row["state"],  # type: ignore[index]
        name=row["name"],  # type: ignore[index]
        topic=row["topic"],  # type: ignore[index]
        created_at=datetime.fromisoformat(row["created_at"]),  # type: ignore[index]
    )


class MissionRoomRepository:
    """Mission rooms, and the steps of their missions."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, request_id: int) -> MissionRoom | None:
        """The room of a mission, or None if it has none."""
        row = await self.db.fetchone(
            "SELECT * FROM mission_rooms WHERE request_id = ?", (request_id,)
        )
        return _room(row) if row else None

    async def by_room(self, room_id: str) -> MissionRoom | None:
        """The mission a room is for, or None."""
        row = await self.db.fetchone("SELECT * FROM mission_rooms WHERE room_id = ?", (room_id,))
        return _room(row) if row else None

    async def served(self) -> list[str]:
        """The created rooms the bot is still in."""
        rows = await self.db.fetchall(
            "SELECT room_id FROM mission_rooms WHERE room_id IS NOT NULL AND state != ?", (LEFT,)
        )
        return [row[0] for row in rows]

    async def want(self, request_id: int, *, name: str, topic: str, at: datetime) -> bool:
        """Record that a mission has a room (created later by the sender); False if it had."""
        changed = await self.db.execute(
            "INSERT OR IGNORE INTO mission_rooms (request_id, name, topic, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?)",
            (request_id, name, topic, _iso(at), _iso(at)),
        )
        return changed == 1

    async def set_room(self, request_id: int, room_id: str, at: datetime) -> None:
        """Record the room the sender created for a mission."""
        await self.db.execute(
            "UPDATE mission_rooms SET room_id = ?, updated_at = ? WHERE request_id = ?",
            (room_id, _iso(at), request_id),
        )

    async def set_state(self, request_id: int, state: str, at: datetime) -> None:
        """Open, closed (the request is over) or left (the bot left the room)."""
        await self.db.execute(
            "UPDATE mission_rooms SET state = ?, updated_at = ? WHERE request_id = ?",
            (state, _iso(at), request_id),
        )

    async def set_topic(self, request_id: int, topic: str, at: datetime) -> bool:
        """Store a new topic; False when it is the same as before."""
        changed = await self.db.execute(
            "UPDATE mission_rooms SET topic = ?, updated_at = ? WHERE request_id = ? "
            "AND topic != ?",
            (topic, _iso(at), request_id, topic),
        )
        return changed == 1

    # The steps.

    async def facts(self, request_id: int) -> dict[str, Fact]:
        """What was done on a mission's steps, by name."""
        rows = await self.db.fetchall(
            "SELECT name, value, author, at FROM mission_facts WHERE request_id = ?",
            (request_id,),
        )
        return {row[0]: Fact(row[1], row[2], datetime.fromisoformat(row[3])) for row in rows}

    async def set_fact(
        self, request_id: int, name: str, value: str, *, author: str, at: datetime
    ) -> None:
        """Record (or replace) a fact of a mission."""
        await self.db.execute(
            "INSERT INTO mission_facts (request_id, name, value, author, at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (request_id, name) DO UPDATE SET "
            "value = excluded.value, author = excluded.author, at = excluded.at",
            (request_id, name, value, author, _iso(at)),
        )

    async def debriefs(self, request_id: int) -> dict[str, Fact]:
        """The facilitators' debriefs, by facilitator."""
        rows = await self.db.fetchall(
            "SELECT author, text, at FROM mission_debriefs WHERE request_id = ?", (request_id,)
        )
        return {row[0]: Fact(row[1], row[0], datetime.fromisoformat(row[2])) for row in rows}

    async def debrief(self, request_id: int, author: str, text: str, *, at: datetime) -> None:
        """Record (or replace) a facilitator's debrief."""
        await self.db.execute(
            "INSERT INTO mission_debriefs (request_id, author, text, at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (request_id, author) DO UPDATE SET text = excluded.text, at = excluded.at",
            (request_id, author, text, _iso(at)),
        )

    async def add_file(
        self, event_id: str, request_id: int, sender: str, name: str, *, at: datetime
    ) -> None:
        """Remember a file shared in a mission room."""
        await self.db.execute(
            "INSERT OR IGNORE INTO mission_files (event_id, request_id, sender, name, at) "
            "VALUES (?, ?, ?, ?, ?)",
            (event_id, request_id, sender, name, _iso(at)),
        )

    async def file(self, event_id: str) -> SharedFile | None:
        """A file shared in a mission room, by its event."""
        row = await self.db.fetchone(
            "SELECT event_id, request_id, sender, name FROM mission_files WHERE event_id = ?",
            (event_id,),
        )
        return SharedFile(row[0], row[1], row[2], row[3]) if row else None

    async def without(self, fact: str, states: tuple[str, ...]) -> list[int]:
        """Requests in these states that have a mission room and lack a fact."""
        marks = ", ".join("?" for _ in states)
        rows = await self.db.fetchall(
            "SELECT r.id FROM requests r JOIN mission_rooms m ON m.request_id = r.id "
            f"WHERE r.state IN ({marks}) AND NOT EXISTS (SELECT 1 FROM mission_facts f "
            "WHERE f.request_id = r.id AND f.name = ?) ORDER BY r.event_date, r.id",
            (*states, fact),
        )
        return [row[0] for row in rows]

    async def clear_fact(self, request_id: int, name: str) -> None:
        """Forget a fact (a déroulé shared anew is approved anew)."""
        await self.db.execute(
            "DELETE FROM mission_facts WHERE request_id = ? AND name = ?", (request_id, name)
        )

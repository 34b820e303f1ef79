"""The bot's own bookkeeping: handled events, sync token, DM rooms."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database

SYNC_TOKEN = "sync_token"
# Key in `bot_state` of a room the bot has asked the homeserver to create.
CREATING = "creating:"


_PUT = (
    "INSERT INTO bot_state (key, value) VALUES (?, ?) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)


class StateRepository:
    """Small key-value facts and the set of handled Matrix events."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # DM rooms by user, as read or written: every ping reads one.
        self._dm_rooms: dict[str, str | None] = {}

    async def get(self, key: str) -> str | None:
        """Return a stored value, or None."""
        row = await self.db.fetchone("SELECT value FROM bot_state WHERE key = ?", (key,))
        return row[0] if row else None

    async def put(self, key: str, value: str) -> None:
        """Store a value."""
        await self.db.execute(_PUT, (key, value))

    def put_behind(self, key: str, value: str) -> None:
        """Store a value with the next statement (lost in a crash: the older one stays)."""
        self.db.write_behind(_PUT, (key, value))

    async def is_handled(self, event_id: str) -> bool:
        """Whether the event was already acted on."""
        row = await self.db.fetchone("SELECT 1 FROM handled_events WHERE event_id = ?", (event_id,))
        return row is not None

    async def mark_handled_later(
        self, event_id: str, room_id: str, outcome: str, at: datetime
    ) -> None:
        """Record an event as handled with the transaction's next statement (or its commit)."""
        await self.db.defer(
            "INSERT OR IGNORE INTO handled_events (event_id, room_id, outcome, handled_at) "
            "VALUES (?, ?, ?, ?)",
            (event_id, room_id, outcome, at.isoformat()),
        )

    async def dm_room(self, user_id: str) -> str | None:
        """Return the DM room the bot uses with a user, or None."""
        if user_id not in self._dm_rooms:
            row = await self.db.fetchone(
                "SELECT room_id FROM dm_rooms WHERE user_id = ?", (user_id,)
            )
            self._dm_rooms[user_id] = row[0] if row else None
        return self._dm_rooms[user_id]

    async def dm_user(self, room_id: str) -> str | None:
        """Return the user a DM room is with, or None if it is not a known DM."""
        row = await self.db.fetchone("SELECT user_id FROM dm_rooms WHERE room_id = ?", (room_id,))
        return row[0] if row else None

    async def set_dm_room(self, user_id: str, room_id: str, at: datetime) -> None:
        """Remember the DM room used with a user."""
        await self.db.execute(
            "INSERT INTO dm_rooms (user_id, room_id, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET room_id = excluded.room_id",
            (user_id, room_id, at.isoformat()),
        )
        self._dm_rooms[user_id] = room_id

    def forget_cached(self, user_id: str) -> None:
        """Drop what the cache holds for a person (after an erasure)."""
        self._dm_rooms.pop(user_id, None)

    async def creating(self, key: str) -> bool:
        """Whether the bot may have created the room `key` already (it asked, then stopped)."""
        return await self.get(f"{CREATING}{key}") is not None

    async def start_creating(self, key: str, at: datetime) -> None:
        """Record, before asking the homeserver, that the room `key` is being created."""
        await self.put(f"{CREATING}{key}", at.isoformat())

    async def done_creating(self, key: str) -> None:
        """The room `key` is created and recorded."""
        await self.db.execute("DELETE FROM bot_state WHERE key = ?", (f"{CREATING}{key}",))

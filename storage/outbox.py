"""The durable outbox: messages written with the change that causes them, sent after."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Database

MAX_ATTEMPTS = 20
# A mission's room, addressed by what it is for until the sender has created it.
MISSION_ROOM = "mission:"
# Room operations, queued in order with the messages: calls the sender makes
# (invite, remove with a reason, set the topic, leave), not events it sends.
OP_PREFIX = "org.facilibot.op."
OP_INVITE, OP_KICK, OP_TOPIC, OP_LEAVE = (
    f"{OP_PREFIX}{name}" for name in ("invite", "kick", "topic", "leave")
)


def mission_address(request_id: int) -> str:
    """Where messages to a mission's room go (its room is created on first use)."""
    return f"{MISSION_ROOM}{request_id}"


# Outbox lanes: answers to someone waiting in the chat go before the fan-out.
ANSWER, FAN_OUT = 0, 1
BATCH = 100  # messages read from the outbox at once


def txn_id_for(key: str) -> str:
    """Derive the Matrix transaction id of a message from what it is about."""
    return "fb" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]


@dataclass(frozen=True)
class OutgoingMessage:
    """One message waiting in (or sent from) the outbox."""

    seq: int
    txn_id: str
    key: str
    room_id: str | None
    dm_user: str | None
    event_type: str
    content: dict[str, Any]
    replaces_key: str | None
    state: str
    attempts: int
    event_id: str | None
    attachment: Attachment | None = None
    lane: int = FAN_OUT


@dataclass(frozen=True)
class Attachment:
    """A file to upload and send as `m.file` (the message content gets its address)."""

    data: bytes
    name: str
    mimetype: str


def _from_row(row: Any) -> OutgoingMessage:
    return OutgoingMessage(
        seq=row["seq"],
        txn_id=row["txn_id"],
        key=row["key"],
        room_id=row["room_id"],
        dm_user=row["dm_user"],
        event_type=row["event_type"],
        content=json.loads(row["content"]),
        replaces_key=row["replaces_key"],
        state=row["state"],
        attempts=row["attempts"],
        event_id=row["event_id"],
        attachment=(
            Attachment(bytes(row["attachment"]), row["attachment_name"], row["attachment_type"])
            if row["attachment"] is not None
            else None
        ),
        lane=row["lane"],
    )


_ENQUEUE = (
    "INSERT OR IGNORE INTO outbox (txn_id, key, room_id, dm_user, event_type, content, "
    "replaces_key, created_at, attachment, attachment_name, attachment_type, lane) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _row(
    *,
    key: str,
    content: dict[str, Any],
    at: datetime,
    room_id: str | None = None,
    dm_user: str | None = None,
    event_type: str = "m.room.message",
    replaces_key: str | None = None,
    attachment: Attachment | None = None,
    lane: int = FAN_OUT,
) -> tuple[Any, ...]:
    """The parameters of `_ENQUEUE` for one message: its key (the transaction id
    derives from it), content, creation time and where it goes (a room, or a
    user whose DM is opened on first use)."""
    return (
        txn_id_for(key),
        key,
        room_id,
        dm_user,
        event_type,
        json.dumps(content, ensure_ascii=False),
        replaces_key,
        at.isoformat(),
        attachment.data if attachment else None,
        attachment.name if attachment else None,
        attachment.mimetype if attachment else None,
        lane,
    )


_PENDING_IN_LANE = "SELECT * FROM outbox WHERE state = 'pending' AND lane = ? ORDER BY seq LIMIT ?"


class OutboxRepository:
    """Queue, list and settle outgoing messages."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # The lanes that got a message since the sender last looked (`take_queued`): a
        # sync that brought only the bot's own events wakes no lane for nothing.
        self._queued: set[int] = set()
        # Each lane's pending messages as read with the COMMIT that queued to it, and how
        # many messages had been settled then (`take_read`).
        self._read: dict[int, tuple[int, list[OutgoingMessage]]] = {}
        self._settled = 0

    async def queue(self, **message: Any) -> None:
        """Queue a message once per key (fields as `_row`'s), without waiting for the answer:
        in a transaction, the row goes with the next statement or the commit, and the
        commit's hop reads the lane's pending messages for the sender (`take_read`)."""
        row = _row(**message)
        await self.db.defer(_ENQUEUE, row)
        lane = row[-1]
        self._queued.add(lane)
        settled = self._settled

        def keep(rows: list[Any]) -> None:
            self._read[lane] = (settled, [_from_row(r) for r in rows])

        self.db.read_after_commit(_PENDING_IN_LANE, (lane, BATCH), keep)

    def take_read(self, lane: int) -> list[OutgoingMessage] | None:
        """The lane's pending messages as the last commit that queued to it read them, if
        no message was settled since it was queued (else None: read them again)."""
        settled, found = self._read.pop(lane, (-1, []))
        return found if settled == self._settled else None

    def take_queued(self) -> set[int]:
        """The lanes queued to since the last call (a rolled-back message included)."""
        lanes, self._queued = self._queued, set()
        return lanes

    async def pending(
        self, limit: int = BATCH, *, lane: int | None = None
    ) -> list[OutgoingMessage]:
        """Return messages still to send (of one lane): answers first, then fan-out,
        each oldest first."""
        if lane is None:
            rows = await self.db.fetchall(
                "SELECT * FROM outbox WHERE state = 'pending' ORDER BY lane, seq LIMIT ?", (limit,)
            )
        else:
            rows = await self.db.fetchall(_PENDING_IN_LANE, (lane, limit))
        return [_from_row(row) for row in rows]

    async def by_key(self, key: str) -> OutgoingMessage | None:
        """Return the message queued under a key, or None."""
        row = await self.db.fetchone("SELECT * FROM outbox WHERE txn_id = ?", (txn_id_for(key),))
        return _from_row(row) if row else None

    async def by_event(self, event_id: str) -> OutgoingMessage | None:
        """The message the homeserver stored under this event id, if the bot sent it."""
        row = await self.db.fetchone("SELECT * FROM outbox WHERE event_id = ?", (event_id,))
        return _from_row(row) if row else None

    async def mark_sent(
        self, seq: int, event_id: str | None, at: datetime, *, room_id: str | None = None
    ) -> None:
        """Record that the homeserver accepted a message, in that room (a DM's or a
        mission's room is known once the message is sent).

        Written behind (with the next statement): lost in a crash, the message
        is sent again under the same transaction id, which the homeserver
        recognises and does not post twice.
        """
        self._settled += 1
        self.db.write_behind(
            "UPDATE outbox SET state = 'sent', room_id = COALESCE(?, room_id), event_id = ?, "
            "sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE seq = ?",
            (room_id, event_id, at.isoformat(), seq),
        )

    async def mark_failed_attempt(self, seq: int, error: str, *, give_up: bool) -> None:
        """Record a failed attempt (and give up on the message when told to)."""
        self._settled += 1
        await self.db.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, "
            "state = CASE WHEN ? THEN 'failed' ELSE state END WHERE seq = ?",
            (error[:500], give_up, seq),
        )

    async def files_named(self, name: str) -> int:
        """How many messages carried a file of this name (every version of a request's .ics)."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM outbox WHERE attachment_name = ?", (name,)
        )
        return int(row[0]) if row else 0

    async def count(self, state: str = "pending") -> int:
        """Count messages in a state."""
        row = await self.db.fetchone("SELECT COUNT(*) FROM outbox WHERE state = ?", (state,))
        return int(row[0]) if row else 0

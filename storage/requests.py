"""Facilitation requests: the aggregate every other table hangs from."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from datetime import date, datetime, time

from bot.domain.lifecycle import RequestState
from bot.domain.requests import OPEN_STATES, Request, RequestDetails, Session
from storage.db import Database

# The sessions live in their own table (request_sessions).
_DETAIL_FIELDS = tuple(f.name for f in fields(RequestDetails) if f.name != "sessions")
# A request with its sessions, its reserve and its lead's name, in one statement: a
# request is read on nearly every event, and each statement is a hop to the database's
# thread. The lists come as JSON arrays of [rank, ...] (sorted here: an aggregate's
# order is not guaranteed).
_SELECT = (
    "SELECT r.*, "
    "(SELECT json_group_array(json_array(s.number, s.day, s.start_time, s.end_time, "
    "s.cancelled)) FROM request_sessions s WHERE s.request_id = r.id) AS _sessions, "
    "(SELECT json_group_array(json_array(v.position, v.facilitator)) FROM reserves v "
    "WHERE v.request_id = r.id AND v.state = 'attente') AS _reserve, "
    "(SELECT f.display_name FROM facilitators f WHERE f.matrix_id = r.lead) AS _lead_name "
    "FROM requests r"
)

# AUTOINCREMENT's next number: one past the highest ever given, even if deleted since.
_NEXT_NUMBER = (
    "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'requests'), 0), "
    "COALESCE((SELECT MAX(id) FROM requests), 0)) + 1"
)


def _to_db(details: RequestDetails) -> dict[str, object]:
    row: dict[str, object] = {}
    for name in _DETAIL_FIELDS:
        value = getattr(details, name)
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, time):
            value = value.strftime("%H:%M")
        row[name] = value
    return row


def _sessions(raw: str | None) -> tuple[Session, ...]:
    return tuple(
        Session(
            number=number,
            day=date.fromisoformat(day),
            start_time=time.fromisoformat(start) if start else None,
            end_time=time.fromisoformat(end) if end else None,
            cancelled=bool(cancelled),
        )
        for number, day, start, end, cancelled in sorted(json.loads(raw or "[]"))
    )


def _from_row(row: object) -> Request:
    """The request of a row of `_SELECT`."""
    get = row.__getitem__  # type: ignore[attr-defined]
    details = RequestDetails(
        event_date=date.fromisoformat(get("event_date")) if get("event_date") else None,
        start_time=time.fromisoformat(get("start_time")) if get("start_time") else None,
        end_time=time.fromisoformat(get("end_time")) if get("end_time") else None,
        duration_minutes=get("duration_minutes"),
        facilitators_needed=get("facilitators_needed"),
        format=get("format"),
        modality=get("modality"),
        location=get("location"),
        participants=get("participants"),
        directorate=get("directorate"),
        topic=get("topic"),
        sessions=_sessions(get("_sessions")),
    )
    return Request(
        id=get("id"),
        source_event_id=get("source_event_id"),
        room_id=get("room_id"),
        thread_root=get("thread_root"),
        requester=get("requester"),
        text=get("text"),
        state=get("state"),
        details=details,
        card_key=get("card_key"),
        discarded=bool(get("discarded")),
        lead=get("lead"),
        lead_name=get("_lead_name"),
        reserve=tuple(who for _, who in sorted(json.loads(get("_reserve") or "[]"))),
        created_at=datetime.fromisoformat(get("created_at")),
        updated_at=datetime.fromisoformat(get("updated_at")),
    )


class RequestRepository:
    """Create, find and update requests."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def next_number(self) -> int:
        """The number the next request created gets: read in the transaction that creates
        it, with its other reads, it spares `create` a trip to the database of its own."""
        row = await self.db.fetchone(_NEXT_NUMBER)
        assert row is not None
        return int(row[0])

    async def create(
        self,
        *,
        source_event_id: str,
        room_id: str,
        thread_root: str,
        requester: str,
        text: str,
        details: RequestDetails,
        at: datetime,
        number: int | None = None,
    ) -> Request:
        """Store a new request and return it with its number.

        `number`: what `next_number()` gave in the same transaction, so that the
        row goes with the transaction's next statement or its COMMIT (a number
        taken meanwhile fails the COMMIT, which rolls everything back). Without
        it, the number is read first.
        """
        row: dict[str, object] = {
            "id": number,
            "source_event_id": source_event_id,
            "room_id": room_id,
            "thread_root": thread_root,
            "requester": requester,
            "text": text,
            "state": RequestState.OPEN.value,
            **_to_db(details),
            "card_key": None,
            "discarded": 0,
            "lead": None,
            "created_at": at.isoformat(),
            "updated_at": at.isoformat(),
        }
        async with self.db.transaction():  # joined when one is open, as in a handler
            if number is None:
                row["id"] = number = await self.next_number()
            columns = ", ".join(row)
            marks = ", ".join(f":{name}" for name in row)
            await self.db.defer(f"INSERT INTO requests ({columns}) VALUES ({marks})", row)
            await self._write_sessions(number, details.sessions, fresh=True)
        # New: no reserve, no lead; its sessions are those just written.
        request = _from_row({**row, "_sessions": None, "_reserve": None, "_lead_name": None})
        return replace(request, details=replace(request.details, sessions=details.sessions))

    async def get(self, request_id: int) -> Request | None:
        """Return a request by number, or None."""
        row = await self.db.fetchone(f"{_SELECT} WHERE r.id = ?", (request_id,))
        return _from_row(row) if row else None

    async def by_source_event(self, event_id: str) -> Request | None:
        """Return the request created from a given Matrix event, or None."""
        row = await self.db.fetchone(f"{_SELECT} WHERE r.source_event_id = ?", (event_id,))
        return _from_row(row) if row else None

    async def by_thread(self, room_id: str, thread_root: str) -> Request | None:
        """Return the request whose thread this is, or None."""
        row = await self.db.fetchone(
            f"{_SELECT} WHERE r.room_id = ? AND r.thread_root = ? ORDER BY r.id LIMIT 1",
            (room_id, thread_root),
        )
        return _from_row(row) if row else None

    async def by_card_event(self, event_id: str) -> Request | None:
        """Return the request whose summary card was sent as this event, or None."""
        row = await self.db.fetchone(
            f"{_SELECT} JOIN outbox o ON o.key = r.card_key WHERE o.event_id = ?", (event_id,)
        )
        return _from_row(row) if row else None

    async def update_details(
        self, request_id: int, details: RequestDetails, *, text: str | None, at: datetime
    ) -> Request:
        """Replace what is known of a request (and its text when it was edited)."""
        row = _to_db(details)
        assignments = ", ".join(f"{name} = :{name}" for name in row)
        await self.db.execute(
            f"UPDATE requests SET {assignments}, text = COALESCE(:text, text), "
            "updated_at = :at WHERE id = :id",
            {**row, "text": text, "at": at.isoformat(), "id": request_id},
        )
        await self._write_sessions(request_id, details.sessions)
        updated = await self.get(request_id)
        assert updated is not None
        return updated

    async def set_card_key(self, request_id: int, key: str) -> None:
        """Remember which outgoing message is the request's summary card."""
        await self.db.defer("UPDATE requests SET card_key = ? WHERE id = ?", (key, request_id))

    async def list(
        self,
        *,
        states: tuple[str, ...] = OPEN_STATES,
        requester: str | None = None,
        month: str | None = None,
        limit: int = 50,
    ) -> list[Request]:
        """List requests in some states (of one month, `2026-12`), soonest event first."""
        marks = ", ".join("?" for _ in states)
        sql = f"{_SELECT} WHERE r.state IN ({marks}) AND r.discarded = 0"
        params: list[object] = list(states)
        if requester:
            sql += " AND r.requester = ?"
            params.append(requester)
        if month:
            sql += " AND r.event_date >= ? AND r.event_date < ?"
            params += [f"{month}-01", f"{month}-32"]
        sql += " ORDER BY r.event_date IS NULL, r.event_date, r.id LIMIT ?"
        params.append(limit)
        return [_from_row(row) for row in await self.db.fetchall(sql, tuple(params))]

    async def lately_of(
        self,
        requester: str,
        room_id: str,
        *,
        since: datetime,
        day: date | None,
        states: tuple[str, ...] = OPEN_STATES,
    ) -> list[Request]:
        """A person's requests in a room since a time, for `day` or with no day yet
        (`day` None: only those with no day), latest first."""
        marks = ", ".join("?" for _ in states)
        rows = await self.db.fetchall(
            f"{_SELECT} WHERE r.requester = ? AND r.room_id = ? AND r.created_at >= ? "
            f"AND r.state IN ({marks}) AND r.discarded = 0 "
            "AND (r.event_date IS NULL OR r.event_date = ?) ORDER BY r.id DESC LIMIT 20",
            (requester, room_id, since.isoformat(), *states, day.isoformat() if day else None),
        )
        return [_from_row(row) for row in rows]

    async def discard(self, request_id: int, *, at: datetime) -> None:
        """Mark a request as removed by its author as a mistake (it counts nowhere)."""
        await self.db.execute(
            "UPDATE requests SET discarded = 1, updated_at = ? WHERE id = ?",
            (at.isoformat(), request_id),
        )

    async def count(self) -> int:
        """Return how many requests are stored."""
        row = await self.db.fetchone("SELECT COUNT(*) FROM requests")
        return int(row[0]) if row else 0

    async def set_lead(self, request_id: int, lead: str | None) -> None:
        """Name the facilitator who leads the mission (None: nobody yet)."""
        await self.db.execute("UPDATE requests SET lead = ? WHERE id = ?", (lead, request_id))

    async def _write_sessions(
        self, request_id: int, sessions: tuple[Session, ...], *, fresh: bool = False
    ) -> None:
        """Store a request's sessions as they now stand (`fresh`: it had none)."""
        if not fresh:
            await self.db.defer("DELETE FROM request_sessions WHERE request_id = ?", (request_id,))
        for s in sessions:
            await self.db.defer(
                "INSERT INTO request_sessions (request_id, number, day, start_time, end_time, "
                "cancelled) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    request_id,
                    s.number,
                    s.day.isoformat(),
                    s.start_time.strftime("%H:%M") if s.start_time else None,
                    s.end_time.strftime("%H:%M") if s.end_time else None,
                    int(s.cancelled),
                ),
            )

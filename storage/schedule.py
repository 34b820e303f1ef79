"""The schedule: one row per timed job (reminders, feedback requests, escalations)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal

from bot.domain.schedule import CANCELLED, PENDING, SENT, SKIPPED, Job
from storage.db import Database


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _from_row(row: Any) -> Job:
    return Job(
        id=row["id"],
        kind=row["kind"],
        target=row["target"],
        recipient=row["recipient"],
        offset=timedelta(seconds=row["offset_s"]),
        anchor_at=_when(row["anchor_at"]),
        due_at=datetime.fromisoformat(row["due_at"]),
        expires_at=_when(row["expires_at"]),
        state=row["state"],
        payload=json.loads(row["payload"]),
        note=row["note"],
        sent_at=_when(row["sent_at"]),
    )


def _iso(when: datetime | None) -> str | None:
    # Times are compared as text in SQL: always UTC, always the same shape.
    return when.astimezone(UTC).isoformat() if when else None


_CREATE = (
    "INSERT INTO jobs (kind, target, recipient, offset_s, anchor_at, due_at, expires_at, "
    "payload, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _creating(
    kind: str,
    target: str,
    recipient: str,
    offset: timedelta,
    anchor_at: datetime | None,
    due_at: datetime,
    expires_at: datetime | None,
    payload: dict[str, Any] | None,
    at: datetime,
) -> tuple:
    """The parameters of `_CREATE`."""
    return (
        kind,
        target,
        recipient,
        int(offset.total_seconds()),
        _iso(anchor_at),
        _iso(due_at),
        _iso(expires_at),
        json.dumps(payload or {}, ensure_ascii=False),
        _iso(at),
        _iso(at),
    )


# A touched row that is no longer pending: its transaction settled it and committed.
SETTLED: Final = "settled"
Touched = datetime | Literal["settled"] | None

_SETTLE = (
    "UPDATE jobs SET state = ?, note = ?, updated_at = ?, "
    "sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END "
    "WHERE id = ? AND state = 'pending'"
)


class JobRepository:
    """Create, move, cancel and settle jobs.

    Every id whose row was written is remembered in `touched` so that the
    alarm clock can be re-armed for it once the transaction is over: with the
    due time of a row it created (pending, due then, unless its transaction
    rolls back: an alarm for nothing), `SETTLED` for a row settled by a
    transaction that committed (pending no more), None for a row to read again.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self.touched: dict[int, Touched] = {}

    async def create(
        self,
        *,
        kind: str,
        target: str,
        due_at: datetime,
        at: datetime,
        recipient: str = "",
        offset: timedelta = timedelta(),
        anchor_at: datetime | None = None,
        expires_at: datetime | None = None,
        payload: dict[str, Any] | None = None,
    ) -> int:
        """Add a pending job; return its id."""
        job_id = await self.db.insert(
            _CREATE,
            _creating(kind, target, recipient, offset, anchor_at, due_at, expires_at, payload, at),
        )
        self.touched[job_id] = due_at
        return job_id

    async def create_later(
        self,
        *,
        kind: str,
        target: str,
        due_at: datetime,
        at: datetime,
        expires_at: datetime | None = None,
        then: Callable[[int], None] = lambda job_id: None,
    ) -> None:
        """`create` a job with the transaction's next statement or its commit (no trip to
        the database of its own); `then` gets its id once the row is written."""

        def written(job_id: int) -> None:
            self.touched[job_id] = due_at
            then(job_id)

        values = _creating(kind, target, "", timedelta(), None, due_at, expires_at, None, at)
        await self.db.defer(_CREATE, values, then=written)

    async def get(self, job_id: int) -> Job | None:
        """Return a job, or None."""
        row = await self.db.fetchone("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return _from_row(row) if row else None

    async def many(self, job_ids: set[int]) -> dict[int, Job]:
        """The jobs of these ids that exist, by id, in one statement."""
        if not job_ids:
            return {}
        marks = ", ".join("?" for _ in job_ids)
        rows = await self.db.fetchall(f"SELECT * FROM jobs WHERE id IN ({marks})", tuple(job_ids))
        return {job.id: job for job in map(_from_row, rows)}

    async def for_target(self, target: str, kinds: tuple[str, ...] | None = None) -> list[Job]:
        """Every job about a target (all states), oldest first."""
        sql = "SELECT * FROM jobs WHERE target = ?"
        params: list[object] = [target]
        if kinds:
            sql += f" AND kind IN ({', '.join('?' for _ in kinds)})"
            params += kinds
        rows = await self.db.fetchall(sql + " ORDER BY id", tuple(params))
        return [_from_row(row) for row in rows]

    async def due(self, now: datetime, limit: int) -> list[Job]:
        """Pending jobs whose time has come, earliest first (the first `limit` of them)."""
        rows = await self.db.fetchall(
            "SELECT * FROM jobs WHERE state = 'pending' AND due_at <= ? ORDER BY due_at, id "
            "LIMIT ?",
            (_iso(now), limit),
        )
        return [_from_row(row) for row in rows]

    async def to_fire(self, job_id: int, now: datetime) -> tuple[Job | None, bool]:
        """A job about to fire, and whether a later pending job of its series (kind,
        target, recipient) is due by `now` too; in one statement."""
        row = await self.db.fetchone(
            "SELECT j.*, EXISTS (SELECT 1 FROM jobs l WHERE l.kind = j.kind "
            "AND l.target = j.target AND l.recipient = j.recipient AND l.state = 'pending' "
            "AND l.due_at <= :now "
            "AND (l.due_at > j.due_at OR (l.due_at = j.due_at AND l.id > j.id))) AS superseded "
            "FROM jobs j WHERE j.id = :id",
            {"id": job_id, "now": _iso(now)},
        )
        if row is None:
            return None, False
        return _from_row(row), bool(row["superseded"])

    async def pending(self, limit: int | None = None) -> list[Job]:
        """Pending jobs, earliest first (the first `limit` of them, or all)."""
        rows = await self.db.fetchall(
            "SELECT * FROM jobs WHERE state = 'pending' ORDER BY due_at, id LIMIT ?",
            (-1 if limit is None else limit,),
        )
        return [_from_row(row) for row in rows]

    async def move(
        self,
        job_id: int,
        *,
        due_at: datetime,
        anchor_at: datetime | None,
        expires_at: datetime | None,
        at: datetime,
    ) -> bool:
        """Give a pending job a new time; False if it is no longer pending."""
        changed = await self.db.execute(
            "UPDATE jobs SET due_at = ?, anchor_at = ?, expires_at = ?, updated_at = ? "
            "WHERE id = ? AND state = 'pending'",
            (_iso(due_at), _iso(anchor_at), _iso(expires_at), _iso(at), job_id),
        )
        self.touched[job_id] = None
        return changed == 1

    async def settle(
        self, job_id: int, state: str, *, at: datetime, note: str | None = None
    ) -> bool:
        """Move a pending job to sent, skipped or cancelled; False if it was not pending."""
        changed = await self.db.execute(_SETTLE, self._settling(job_id, state, at, note))
        self.db.after_commit(lambda: self._settled(job_id))
        return changed == 1

    async def settle_later(self, job_id: int, state: str, *, at: datetime) -> None:
        """`settle` a job this transaction found pending, with its next statement or commit."""
        await self.db.defer(_SETTLE, self._settling(job_id, state, at, None))
        self.db.after_commit(lambda: self._settled(job_id))

    def _settling(self, job_id: int, state: str, at: datetime, note: str | None) -> tuple:
        """The parameters of `_SETTLE`; the row is touched (to read again, should the
        transaction roll back)."""
        if state not in (SENT, SKIPPED, CANCELLED):
            raise ValueError(state)
        self.touched[job_id] = None
        return (state, note, _iso(at), state, _iso(at), job_id)

    def _settled(self, job_id: int) -> None:
        self.touched[job_id] = SETTLED

    async def cancel_target(
        self, target: str, *, at: datetime, note: str, kinds: tuple[str, ...] | None = None
    ) -> int:
        """Cancel the pending jobs about a target (of some kinds only); return how many."""
        jobs = [j for j in await self.for_target(target, kinds) if j.state == PENDING]
        for job in jobs:
            await self.settle(job.id, CANCELLED, at=at, note=note)
        return len(jobs)

    async def count(self, state: str | None = None) -> int:
        """Count jobs (in one state)."""
        if state is None:
            row = await self.db.fetchone("SELECT COUNT(*) FROM jobs")
        else:
            row = await self.db.fetchone("SELECT COUNT(*) FROM jobs WHERE state = ?", (state,))
        return int(row[0]) if row else 0

    async def of_message(self, event_id: str) -> Job | None:
        """The job that sent a given Matrix event (outbox key `job:{id}:{n}`), or None."""
        row = await self.db.fetchone(
            "SELECT key FROM outbox WHERE event_id = ? AND key LIKE 'job:%'", (event_id,)
        )
        if row is None:
            return None
        return await self.get(int(row[0].split(":")[1]))

    def take_touched(self) -> dict[int, Touched]:
        """Return and forget the ids written since the last call (see the class)."""
        touched, self.touched = self.touched, {}
        return touched

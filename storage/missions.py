"""Assignments of facilitators to requests, and the audit trail of transitions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database


@dataclass(frozen=True)
class Assignment:
    """One facilitator's standing on one request."""

    request_id: int
    facilitator: str
    state: str
    updated_at: datetime


@dataclass(frozen=True)
class Ping:
    """Someone asked to facilitate a request, and the outbox key of that message."""

    request_id: int
    facilitator: str
    round: int
    outbox_key: str


@dataclass(frozen=True)
class Transition:
    """One line of the audit trail."""

    request_id: int
    facilitator: str | None
    from_state: str | None
    to_state: str
    actor: str
    at: datetime


class MissionRepository:
    """Take and release slots, atomically; record who did what and when."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, request_id: int, facilitator: str) -> Assignment | None:
        """Return one assignment, or None."""
        row = await self.db.fetchone(
            "SELECT * FROM assignments WHERE request_id = ? AND facilitator = ?",
            (request_id, facilitator),
        )
        return _assignment(row) if row else None

    async def take_slot(
        self, request_id: int, facilitator: str, *, actor: str, at: datetime
    ) -> bool:
        """Accept a slot if one is free; return whether this call took it.

        One conditional write inside the transaction: concurrent acceptances
        of the last slot give exactly one winner.
        """
        free_slot = (
            "(SELECT COUNT(*) FROM assignments WHERE request_id = :rid AND state = 'acceptee') "
            "< (SELECT facilitators_needed FROM requests WHERE id = :rid "
            "AND state IN ('ouverte', 'partiellement pourvue'))"
        )
        params = {"rid": request_id, "who": facilitator, "at": at.isoformat()}
        async with self.db.transaction():
            before = await self.get(request_id, facilitator)
            if before is None:
                sql = (
                    "INSERT INTO assignments (request_id, facilitator, state, created_at, "
                    f"updated_at) SELECT :rid, :who, 'acceptee', :at, :at WHERE {free_slot}"
                )
            else:
                sql = (
                    "UPDATE assignments SET state = 'acceptee', updated_at = :at "
                    "WHERE request_id = :rid AND facilitator = :who AND state != 'acceptee' "
                    f"AND {free_slot}"
                )
            taken = await self.db.execute(sql, params) == 1
            if taken:
                await self._audit(
                    request_id, facilitator, before.state if before else None, "acceptee", actor, at
                )
        return taken

    async def set_state(
        self, request_id: int, facilitator: str, state: str, *, actor: str, at: datetime
    ) -> None:
        """Move an assignment to a state (creating it if needed), with an audit line."""
        async with self.db.transaction():
            before = await self.get(request_id, facilitator)
            await self.db.execute(
                "INSERT INTO assignments (request_id, facilitator, state, created_at, updated_at) "
                "VALUES (:rid, :who, :state, :at, :at) ON CONFLICT (request_id, facilitator) "
                "DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
                {"rid": request_id, "who": facilitator, "state": state, "at": at.isoformat()},
            )
            await self._audit(
                request_id, facilitator, before.state if before else None, state, actor, at
            )

    async def accepted(self, request_id: int) -> list[str]:
        """Facilitators who accepted a request, in the order they did."""
        rows = await self.db.fetchall(
            "SELECT facilitator FROM assignments WHERE request_id = ? AND state = 'acceptee' "
            "ORDER BY updated_at, facilitator",
            (request_id,),
        )
        return [row[0] for row in rows]

    async def set_request_state(
        self, request_id: int, state: str, *, actor: str, at: datetime
    ) -> bool:
        """Change a request's state with an audit line; False if it was already in it."""
        async with self.db.transaction():
            row = await self.db.fetchone("SELECT state FROM requests WHERE id = ?", (request_id,))
            if row is None or row[0] == state:
                return False
            await self.db.execute(
                "UPDATE requests SET state = ?, updated_at = ? WHERE id = ?",
                (state, at.isoformat(), request_id),
            )
            await self._audit(request_id, None, row[0], state, actor, at)
        return True

    async def history(self, request_id: int) -> list[Transition]:
        """The audit trail of a request, oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM transitions WHERE request_id = ? ORDER BY id", (request_id,)
        )
        return [
            Transition(
                request_id=row["request_id"],
                facilitator=row["facilitator"],
                from_state=row["from_state"],
                to_state=row["to_state"],
                actor=row["actor"],
                at=datetime.fromisoformat(row["at"]),
            )
            for row in rows
        ]

    async def states(self, request_id: int) -> dict[str, str]:
        """Everyone with an assignment on a request, with its state."""
        rows = await self.db.fetchall(
            "SELECT facilitator, state FROM assignments WHERE request_id = ?", (request_id,)
        )
        return {row[0]: row[1] for row in rows}

    async def involved(self, request_id: int) -> set[str]:
        """Everyone with an assignment on a request, whatever its state."""
        rows = await self.db.fetchall(
            "SELECT facilitator FROM assignments WHERE request_id = ?", (request_id,)
        )
        return {row[0] for row in rows}

    async def answered(self, request_id: int) -> set[str]:
        """Everyone who answered about a request (accepted, declined, gave it back...)."""
        rows = await self.db.fetchall(
            "SELECT facilitator FROM assignments WHERE request_id = ? AND state != 'proposee'",
            (request_id,),
        )
        return {row[0] for row in rows}

    async def record_ping(
        self, request_id: int, facilitator: str, *, round_: int, outbox_key: str, at: datetime
    ) -> None:
        """Remember that someone was pinged for a request (once: a second time changes
        nothing); in a transaction, with its next statement."""
        await self.db.defer(
            "INSERT OR IGNORE INTO pings (request_id, facilitator, round, outbox_key, sent_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (request_id, facilitator, round_, outbox_key, at.isoformat()),
        )

    async def unanswered_pings(self, facilitator: str) -> list[int]:
        """Open requests this person was pinged for and has not answered, latest ping first."""
        rows = await self.db.fetchall(
            "SELECT p.request_id FROM pings p JOIN requests r ON r.id = p.request_id "
            "LEFT JOIN assignments a "
            "ON a.request_id = p.request_id AND a.facilitator = p.facilitator "
            "WHERE p.facilitator = ? AND r.state IN ('ouverte', 'partiellement pourvue') "
            "AND (a.state IS NULL OR a.state = 'proposee') "
            "ORDER BY p.sent_at DESC, p.request_id DESC",
            (facilitator,),
        )
        return [row[0] for row in rows]

    async def pings(self, request_id: int) -> list[Ping]:
        """Who was pinged for a request, in the order they were."""
        rows = await self.db.fetchall(
            "SELECT * FROM pings WHERE request_id = ? ORDER BY round, sent_at, facilitator",
            (request_id,),
        )
        return [Ping(r["request_id"], r["facilitator"], r["round"], r["outbox_key"]) for r in rows]

    async def ping_of_event(self, event_id: str) -> Ping | None:
        """The ping that was sent as this Matrix event, or None."""
        row = await self.db.fetchone(
            "SELECT p.* FROM pings p JOIN outbox o ON o.key = p.outbox_key WHERE o.event_id = ?",
            (event_id,),
        )
        return (
            Ping(row["request_id"], row["facilitator"], row["round"], row["outbox_key"])
            if row
            else None
        )

    async def count_open_of(self, facilitator: str) -> int:
        """How many requests still open or staffed this facilitator has accepted."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM assignments a JOIN requests r ON r.id = a.request_id "
            "WHERE a.facilitator = ? AND a.state = 'acceptee' "
            "AND r.state IN ('ouverte', 'partiellement pourvue', 'pourvue')",
            (facilitator,),
        )
        return int(row[0]) if row else 0

    async def missions_of(self, facilitator: str, *, since: str) -> list[int]:
        """Requests a facilitator accepted, dated `since` (ISO day) or later, soonest first."""
        rows = await self.db.fetchall(
            "SELECT r.id FROM assignments a JOIN requests r ON r.id = a.request_id "
            "WHERE a.facilitator = :who AND a.state = 'acceptee' "
            "AND r.state NOT IN ('annulee', 'non tenue') "
            "AND (r.event_date IS NULL OR r.event_date >= :since OR EXISTS (SELECT 1 "
            "FROM request_sessions s WHERE s.request_id = r.id AND s.cancelled = 0 "
            "AND s.day >= :since)) "
            "ORDER BY r.event_date IS NULL, r.event_date, r.start_time, r.id",
            {"who": facilitator, "since": since},
        )
        return [row[0] for row in rows]

    async def past_missions_of(self, facilitator: str, *, before: str) -> list[int]:
        """Requests a facilitator accepted, dated before `before` (ISO day), that were
        held (not cancelled, not closed unheld), latest first."""
        rows = await self.db.fetchall(
            "SELECT r.id FROM assignments a JOIN requests r ON r.id = a.request_id "
            "WHERE a.facilitator = ? AND a.state = 'acceptee' "
            "AND r.state NOT IN ('annulee', 'non tenue') AND r.event_date < ? "
            "ORDER BY r.event_date DESC, r.start_time DESC, r.id DESC",
            (facilitator, before),
        )
        return [row[0] for row in rows]

    async def _audit(
        self,
        request_id: int,
        facilitator: str | None,
        from_state: str | None,
        to_state: str,
        actor: str,
        at: datetime,
    ) -> None:
        await self.db.execute(
            "INSERT INTO transitions (request_id, facilitator, from_state, to_state, actor, at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (request_id, facilitator, from_state, to_state, actor, at.isoformat()),
        )


def _assignment(row: object) -> Assignment:
    get = row.__getitem__  # type: ignore[attr-defined]
    return Assignment(
        request_id=get("request_id"),
        facilitator=get("facilitator"),
        state=get("state"),
        updated_at=datetime.fromisoformat(get("updated_at")),
    )

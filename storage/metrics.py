"""What the metrics count, read from the database at scrape time."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.lifecycle import RequestState
from storage.db import Database


@dataclass
class DatabaseSnapshot:
    """Counts read from the database for one scrape."""

    requests_by_state: dict[str, int] = field(default_factory=dict)
    pings: int = 0
    acceptances: int = 0
    outbox_by_state: dict[str, int] = field(default_factory=dict)
    # (kind, state) -> rows of the schedule (reminders and the other timed jobs).
    reminders: dict[tuple[str, str], int] = field(default_factory=dict)


async def read_snapshot(db: Database) -> DatabaseSnapshot:
    """Count what the metrics report, in a few indexed or small queries."""
    snap = DatabaseSnapshot()
    snap.requests_by_state = dict.fromkeys((s.value for s in RequestState), 0)
    for row in await db.fetchall("SELECT state, COUNT(*) FROM requests GROUP BY state"):
        snap.requests_by_state[row[0]] = row[1]
    snap.pings = (await db.fetchone("SELECT COUNT(*) FROM pings"))[0]
    # Every acceptance is audited, including those later withdrawn.
    snap.acceptances = (
        await db.fetchone(
            "SELECT COUNT(*) FROM transitions "
            "WHERE to_state = 'acceptee' AND facilitator IS NOT NULL"
        )
    )[0]
    snap.outbox_by_state = dict.fromkeys(("pending", "sent", "failed"), 0)
    for row in await db.fetchall("SELECT state, COUNT(*) FROM outbox GROUP BY state"):
        snap.outbox_by_state[row[0]] = row[1]
    for row in await db.fetchall("SELECT kind, state, COUNT(*) FROM jobs GROUP BY kind, state"):
        snap.reminders[(row[0], row[1])] = row[2]
    return snap

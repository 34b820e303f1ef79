"""Personal data (RGPD): what is stored about someone, forgetting them, retention."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import Any

from storage.db import Database

log = logging.getLogger(__name__)

# Tables and the columns that hold a Matrix user id, for export and pseudonymization.
_USER_COLUMNS = (
    ("requests", "requester"),
    ("assignments", "facilitator"),
    ("transitions", "facilitator"),
    ("transitions", "actor"),
    ("pings", "facilitator"),
    ("jobs", "recipient"),
    ("event_attendees", "user_id"),
    ("network_events", "created_by"),
    ("mission_feedback", "author"),
    ("request_notes", "author"),
    ("attestations", "holder"),
    ("attestations", "issued_by"),
)
_EXPORT = (
    ("profil", "SELECT * FROM facilitators WHERE matrix_id = :who"),
    ("absences", "SELECT start_date, end_date FROM absences WHERE matrix_id = :who"),
    ("demandes", "SELECT * FROM requests WHERE requester = :who ORDER BY id"),
    (
        "missions",
        "SELECT request_id, state, created_at, updated_at FROM assignments "
        "WHERE facilitator = :who ORDER BY request_id",
    ),
    (
        "sollicitations",
        "SELECT request_id, round, sent_at FROM pings WHERE facilitator = :who ORDER BY request_id",
    ),
    (
        "historique",
        "SELECT request_id, facilitator, from_state, to_state, actor, at FROM transitions "
        "WHERE facilitator = :who OR actor = :who ORDER BY id",
    ),
    ("salon_prive", "SELECT room_id, created_at FROM dm_rooms WHERE user_id = :who"),
    ("langue", "SELECT lang, chosen, updated_at FROM languages WHERE user_id = :who"),
    (
        "rappels",
        "SELECT kind, target, due_at, state, sent_at FROM jobs WHERE recipient = :who ORDER BY id",
    ),
    (
        "evenements",
        "SELECT e.id, e.title, e.starts_at, a.via, a.created_at FROM event_attendees a "
        "JOIN network_events e ON e.id = a.event_id WHERE a.user_id = :who ORDER BY e.id",
    ),
    (
        "avis",
        "SELECT request_id, role, rating, comment, minutes_spent, updated_at "
        "FROM mission_feedback WHERE author = :who ORDER BY request_id",
    ),
    (
        "notes",
        "SELECT request_id, text, created_at FROM request_notes WHERE author = :who ORDER BY id",
    ),
    (
        "attestations",
        "SELECT reference, holder_name, directorate, year, missions, minutes, issued_at "
        "FROM attestations WHERE holder = :who ORDER BY id",
    ),
    (
        "messages_en_attente_de_cle",
        "SELECT event_id, room_id, received_at, notified_at FROM undecryptable_events "
        "WHERE sender = :who ORDER BY received_at",
    ),
)


# bot_state key prefix marking a forgotten user's pseudonym.
FORGOTTEN = "forgotten:"


def pseudonym(user_id: str) -> str:
    """A stable stand-in for a forgotten user: the same person maps to the same one."""
    return "anonyme-" + hashlib.sha256(user_id.encode("utf-8")).hexdigest()[:12]


class PrivacyRepository:
    """Export, forget, purge."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def export(self, user_id: str) -> dict[str, Any]:
        """Everything stored about a user, table by table, as plain JSON-ready values."""
        data: dict[str, Any] = {"utilisateur": user_id}
        for name, sql in _EXPORT:
            rows = await self.db.fetchall(sql, {"who": user_id})
            data[name] = [dict(zip(row.keys(), tuple(row), strict=True)) for row in rows]
        return data

    async def forget(self, user_id: str) -> dict[str, int]:
        """Erase a facilitator's profile and absences; pseudonymize their history.

        Returns how many rows each step touched.
        """
        alias = pseudonym(user_id)
        counts: dict[str, int] = {}
        async with self.db.transaction():
            counts["profil"] = await self.db.execute(
                "DELETE FROM facilitators WHERE matrix_id = ?", (user_id,)
            )
            counts["absences"] = await self.db.execute(
                "DELETE FROM absences WHERE matrix_id = ?", (user_id,)
            )
            # No more reminders to a forgotten person.
            counts["rappels"] = await self.db.execute(
                "UPDATE jobs SET state = 'cancelled', note = 'forgotten' "
                "WHERE recipient = ? AND state = 'pending'",
                (user_id,),
            )
            # An attestation stays checkable by its reference, but names no one any more.
            counts["attestations"] = await self.db.execute(
                "UPDATE attestations SET holder_name = NULL, directorate = NULL WHERE holder = ?",
                (user_id,),
            )
            for table, column in _USER_COLUMNS:
                changed = await self.db.execute(
                    f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (alias, user_id)
                )
                counts[f"{table}.{column}"] = changed
            counts["salon_prive"] = await self.db.execute(
                "DELETE FROM dm_rooms WHERE user_id = ?", (user_id,)
            )
            counts["langue"] = await self.db.execute(
                "DELETE FROM languages WHERE user_id = ?", (user_id,)
            )
            await self.db.execute("DELETE FROM confirmations WHERE user_id = ?", (user_id,))
            counts["messages_chiffres"] = await self.db.execute(
                "DELETE FROM undecryptable_events WHERE sender = ?", (user_id,)
            )
            # Delivered private messages are not needed any more; pending ones still go.
            counts["messages"] = await self.db.execute(
                "DELETE FROM outbox WHERE dm_user = ? AND state != 'pending'", (user_id,)
            )
            # Only the pseudonym is kept: enough not to enrol them again from a room.
            await self.db.execute(
                "INSERT OR REPLACE INTO bot_state (key, value) VALUES (?, ?)",
                (f"{FORGOTTEN}{alias}", "1"),
            )
        log.info("forgot a user: %s", {k: v for k, v in counts.items() if v})
        return counts

    async def was_forgotten(self, user_id: str) -> bool:
        """Whether this user asked to be forgotten (checked through their pseudonym)."""
        row = await self.db.fetchone(
            "SELECT 1 FROM bot_state WHERE key = ?", (f"{FORGOTTEN}{pseudonym(user_id)}",)
        )
        return row is not None

    async def purge_closed(self, before: datetime) -> int:
        """Delete closed requests last changed before `before` (with what hangs from them)."""
        removed = await self.db.execute(
            "DELETE FROM requests WHERE state IN ('realisee', 'non tenue', 'annulee') "
            "AND updated_at < ?",
            (before.isoformat(),),
        )
        if removed:
            log.info("retention: purged %d closed request(s)", removed)
            # The purged requests' settled reminders go too.
            await self.db.execute(
                "DELETE FROM jobs WHERE target LIKE 'request:%' AND state != 'pending' "
                "AND CAST(substr(target, 9) AS INTEGER) NOT IN (SELECT id FROM requests)"
            )
        return removed

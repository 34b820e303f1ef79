"""Requests waiting for a referent (or a coordinator) to qualify them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from storage.db import Database

TO_QUALIFY, QUALIFIED, ORIENTED = "a_qualifier", "qualifiee", "orientee"


@dataclass(frozen=True)
class Qualification:
    """Where a request stands with its referents."""

    request_id: int
    region: str | None
    state: str
    referent: str | None
    text: str | None
    asked_at: datetime


def _row(row: object) -> Qualification:
    return Qualification(
        request_id=row["request_id"],  # type: ignore[index]
        region=row["region"],  # type: ignore[index]
        state=row["state"],  # type: ignore[index]
        referent=row["referent"],  # type: ignore[index]
        text=row["text"],  # type: ignore[index]
        asked_at=datetime.fromisoformat(row["asked_at"]),  # type: ignore[index]
    )


class QualificationRepository:
    """Ask, answer and list qualifications."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, request_id: int) -> Qualification | None:
        """A request's qualification, or None if it was never asked."""
        row = await self.db.fetchone(
            "SELECT * FROM qualifications WHERE request_id = ?", (request_id,)
        )
        return _row(row) if row else None

    async def ask(self, request_id: int, region: str | None, *, at: datetime) -> bool:
        """Put a request in waiting for qualification; False if it already was asked."""
        changed = await self.db.execute(
            "INSERT OR IGNORE INTO qualifications (request_id, region, state, asked_at) "
            "VALUES (?, ?, ?, ?)",
            (request_id, region, TO_QUALIFY, at.astimezone(UTC).isoformat()),
        )
        return changed == 1

    async def answer(
        self, request_id: int, state: str, *, referent: str, text: str | None, at: datetime
    ) -> bool:
        """Qualify or orient a waiting request; False if it was not waiting."""
        changed = await self.db.execute(
            "UPDATE qualifications SET state = ?, referent = ?, text = ?, answered_at = ? "
            "WHERE request_id = ? AND state = ?",
            (state, referent, text, at.astimezone(UTC).isoformat(), request_id, TO_QUALIFY),
        )
        return changed == 1

    async def waiting(self) -> list[int]:
        """The requests waiting to be qualified, oldest first."""
        rows = await self.db.fetchall(
            "SELECT request_id FROM qualifications WHERE state = ? ORDER BY asked_at",
            (TO_QUALIFY,),
        )
        return [row[0] for row in rows]

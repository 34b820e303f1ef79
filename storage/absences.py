"""Facilitators' absences: days when no mission is proposed to them."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from storage.db import Database


class AbsenceRepository:
    """Record, list and end absences."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, matrix_id: str, start: date, end: date) -> int:
        """Record that someone is away from `start` to `end` inclusive; return its id."""
        if end < start:
            raise ValueError("absence ends before it starts")
        return await self.db.insert(
            "INSERT INTO absences (matrix_id, start_date, end_date) VALUES (?, ?, ?)",
            (matrix_id, start.isoformat(), end.isoformat()),
        )

    async def end_from(self, matrix_id: str, today: date) -> list[tuple[date, date]]:
        """Forget someone's absences that are not over by `today`; return them."""
        async with self.db.transaction():
            rows = await self.db.fetchall(
                "SELECT start_date, end_date FROM absences WHERE matrix_id = ? AND end_date >= ? "
                "ORDER BY start_date",
                (matrix_id, today.isoformat()),
            )
            await self.db.execute(
                "DELETE FROM absences WHERE matrix_id = ? AND end_date >= ?",
                (matrix_id, today.isoformat()),
            )
        return [(date.fromisoformat(r[0]), date.fromisoformat(r[1])) for r in rows]

    async def clear(self, matrix_id: str) -> int:
        """Forget someone's absences; return how many there were."""
        return await self.db.execute("DELETE FROM absences WHERE matrix_id = ?", (matrix_id,))

    async def of(self, matrix_id: str) -> list[tuple[date, date]]:
        """Return someone's absences as (start, end), soonest first."""
        rows = await self.db.fetchall(
            "SELECT start_date, end_date FROM absences WHERE matrix_id = ? ORDER BY start_date",
            (matrix_id,),
        )
        return [(date.fromisoformat(r[0]), date.fromisoformat(r[1])) for r in rows]

    async def absent_on(self, matrix_ids: Collection[str], day: date) -> set[str]:
        """Return which of these people are away on `day`."""
        ids = list(matrix_ids)[:500]
        if not ids:
            return set()
        marks = ", ".join("?" for _ in ids)
        rows = await self.db.fetchall(
            f"SELECT DISTINCT matrix_id FROM absences WHERE matrix_id IN ({marks}) "
            "AND start_date <= ? AND end_date >= ?",
            (*ids, day.isoformat(), day.isoformat()),
        )
        return {row[0] for row in rows}

    async def is_absent(self, matrix_id: str, day: date) -> bool:
        """Return whether someone is away on `day`."""
        row = await self.db.fetchone(
            "SELECT 1 FROM absences WHERE matrix_id = ? AND start_date <= ? AND end_date >= ?",
            (matrix_id, day.isoformat(), day.isoformat()),
        )
        return row is not None

"""What people say after a mission: the requester's rating, the facilitators' time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from storage.db import Database


@dataclass(frozen=True)
class Feedback:
    """One person's feedback on one mission."""

    request_id: int
    author: str
    role: str  # 'requester' or 'facilitator'
    rating: int | None
    comment: str | None
    minutes_spent: int | None


class FeedbackRepository:
    """Record and read mission feedback (one row per person and mission, last answer wins)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def rate(
        self, request_id: int, author: str, rating: int, comment: str | None, *, at: datetime
    ) -> None:
        """Store the requester's rating (1–5) and comment."""
        await self._upsert(
            request_id, author, "requester", {"rating": rating, "comment": comment}, at
        )

    async def time_spent(self, request_id: int, author: str, minutes: int, *, at: datetime) -> None:
        """Store a facilitator's time spent on a mission."""
        await self._upsert(request_id, author, "facilitator", {"minutes_spent": minutes}, at)

    async def _upsert(
        self, request_id: int, author: str, role: str, values: dict[str, object], at: datetime
    ) -> None:
        columns = ", ".join(values)
        marks = ", ".join(f":{name}" for name in values)
        updates = ", ".join(f"{name} = excluded.{name}" for name in values)
        await self.db.execute(
            f"INSERT INTO mission_feedback (request_id, author, role, {columns}, created_at, "
            f"updated_at) VALUES (:rid, :author, :role, {marks}, :at, :at) "
            f"ON CONFLICT (request_id, author) DO UPDATE SET {updates}, role = excluded.role, "
            "updated_at = excluded.updated_at",
            {
                **values,
                "rid": request_id,
                "author": author,
                "role": role,
                "at": at.astimezone(UTC).isoformat(),
            },
        )

    async def for_request(self, request_id: int) -> list[Feedback]:
        """Every feedback given on a mission."""
        rows = await self.db.fetchall(
            "SELECT * FROM mission_feedback WHERE request_id = ? ORDER BY created_at, author",
            (request_id,),
        )
        return [
            Feedback(
                request_id=row["request_id"],
                author=row["author"],
                role=row["role"],
                rating=row["rating"],
                comment=row["comment"],
                minutes_spent=row["minutes_spent"],
            )
            for row in rows
        ]

    async def for_requests(
        self, request_ids: list[int]
    ) -> tuple[dict[int, int], dict[tuple[int, str], int]]:
        """For the statistics: ratings by request, and minutes by (request, facilitator)."""
        if not request_ids:
            return {}, {}
        marks = ", ".join("?" for _ in request_ids)
        rows = await self.db.fetchall(
            "SELECT request_id, author, role, rating, minutes_spent FROM mission_feedback "
            f"WHERE request_id IN ({marks})",
            tuple(request_ids),
        )
        ratings = {
            row["request_id"]: row["rating"]
            for row in rows
            if row["role"] == "requester" and row["rating"] is not None
        }
        minutes = {
            (row["request_id"], row["author"]): row["minutes_spent"]
            for row in rows
            if row["role"] == "facilitator" and row["minutes_spent"] is not None
        }
        return ratings, minutes

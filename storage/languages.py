"""The language each person is answered in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database


@dataclass(frozen=True)
class Preference:
    """A person's language: `chosen` when they set it, else the one they last wrote in."""

    lang: str
    chosen: bool


class LanguageRepository:
    """Read and keep people's languages (cached: they are read on every message)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache: dict[str, Preference | None] = {}

    async def get(self, user_id: str) -> Preference | None:
        """The person's preference, or None (French)."""
        if user_id not in self._cache:
            row = await self.db.fetchone(
                "SELECT lang, chosen FROM languages WHERE user_id = ?", (user_id,)
            )
            self._cache[user_id] = Preference(row[0], bool(row[1])) if row else None
        return self._cache[user_id]

    async def of(self, user_id: str) -> str:
        """The language to write to this person in: « fr » unless they use another."""
        preference = await self.get(user_id)
        return preference.lang if preference else "fr"

    async def set(self, user_id: str, lang: str, *, chosen: bool, at: datetime) -> None:
        """Keep a person's language (a heard one never overrides a chosen one)."""
        if not chosen:
            current = await self.get(user_id)
            if current is not None and current.chosen:
                return
        await self.db.execute(
            "INSERT INTO languages (user_id, lang, chosen, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET lang = excluded.lang, "
            "chosen = excluded.chosen, updated_at = excluded.updated_at",
            (user_id, lang, int(chosen), at.isoformat()),
        )
        self._cache[user_id] = Preference(lang, chosen)

    def forget_cached(self, user_id: str) -> None:
        """Drop what the cache holds for a person (after an erasure)."""
        self._cache.pop(user_id, None)

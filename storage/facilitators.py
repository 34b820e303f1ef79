"""The facilitator directory: profiles imported from the roster, and absences."""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from dataclasses import fields, replace
from datetime import datetime

from bot.domain.profiles import ROSTER_FIELDS, Facilitator, UpsertOutcome, name_fit
from storage.db import Database

log = logging.getLogger(__name__)

_EDITABLE = (*ROSTER_FIELDS, "active", "timezone")
# What an empty roster cell (or a cleared field) stores.
_EMPTY: dict[str, object] = {
    "display_name": "",
    "site": None,
    "region": None,
    "directorate": None,
    "cohort": None,
    "skills": "",
    "languages": "",
    "remote_ok": 0,
    "max_missions_per_month": None,
}


_PROFILE_FIELDS = tuple(f.name for f in fields(Facilitator) if f.compare)


def _value_to_db(name: str, value: object) -> object:
    if name in ("skills", "languages"):
        return ";".join(value)  # type: ignore[arg-type]
    if name in ("remote_ok", "active"):
        return int(bool(value))
    return value


def _to_db(facilitator: Facilitator, names: tuple[str, ...]) -> dict[str, object]:
    return {name: _value_to_db(name, getattr(facilitator, name)) for name in names}


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part for part in (value or "").split(";") if part)


def _from_row(row: object) -> Facilitator:
    get = row.__getitem__  # type: ignore[attr-defined]
    return Facilitator(
        matrix_id=get("matrix_id"),
        display_name=get("display_name"),
        site=get("site"),
        region=get("region"),
        directorate=get("directorate"),
        cohort=get("cohort"),
        skills=_split(get("skills")),
        languages=_split(get("languages")),
        remote_ok=bool(get("remote_ok")),
        max_missions_per_month=get("max_missions_per_month"),
        active=bool(get("active")),
        timezone=get("timezone"),
        created_at=datetime.fromisoformat(get("created_at")),
        updated_at=datetime.fromisoformat(get("updated_at")),
    )


class FacilitatorRepository:
    """Store, find and update facilitator profiles."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def upsert(
        self,
        facilitator: Facilitator,
        *,
        at: datetime,
        given: Collection[str] | None = None,
    ) -> UpsertOutcome:
        """Add a profile or merge a roster row into it; say which happened.

        `given` names the roster columns the row filled (all of them by
        default); the others are empty cells. A column overwrites the profile
        only when its value differs from the previous import's (or, for a
        profile never imported, when the cell is filled): a re-import of the
        same file changes nothing, and it never undoes a `!profil` edit that
        the roster has not contradicted since.
        """
        names = ROSTER_FIELDS if given is None else tuple(n for n in ROSTER_FIELDS if n in given)
        values = _to_db(facilitator, ROSTER_FIELDS)
        snapshot = {name: values[name] if name in names else None for name in ROSTER_FIELDS}
        roster_json = json.dumps(snapshot, ensure_ascii=False, sort_keys=True)
        async with self.db.transaction():
            row = await self.db.fetchone(
                "SELECT * FROM facilitators WHERE matrix_id = ?", (facilitator.matrix_id,)
            )
            if row is None:
                # Empty cells take the defaults; `active` and `timezone` as given.
                cleared = {n: getattr(Facilitator(""), n) for n in ROSTER_FIELDS if n not in names}
                new = replace(facilitator, **cleared)
                insert = {**_to_db(new, _PROFILE_FIELDS), "roster": roster_json}
                columns = ", ".join(insert)
                marks = ", ".join(f":{name}" for name in insert)
                await self.db.execute(
                    f"INSERT INTO facilitators ({columns}, created_at, updated_at) "
                    f"VALUES ({marks}, :at, :at)",
                    {**insert, "at": at.isoformat()},
                )
                log.info("facilitator %s added", facilitator.matrix_id)
                return "added"
            base = json.loads(row["roster"]) if row["roster"] else {}
            current = _to_db(_from_row(row), ROSTER_FIELDS)
            changes: dict[str, object] = {}
            for name, value in snapshot.items():
                if value == base.get(name):
                    continue  # the roster has not changed this column since
                wanted = value if value is not None else _EMPTY[name]
                if current[name] != wanted:
                    changes[name] = wanted
            if changes:
                await self._write(facilitator.matrix_id, {**changes, "roster": roster_json}, at)
                log.info("facilitator %s updated (%s)", facilitator.matrix_id, ", ".join(changes))
                return "updated"
            if row["roster"] != roster_json:
                await self.db.execute(
                    "UPDATE facilitators SET roster = ? WHERE matrix_id = ?",
                    (roster_json, facilitator.matrix_id),
                )
            return "unchanged"

    async def enroll(self, matrix_id: str, display_name: str, *, at: datetime) -> bool:
        """Add an empty profile unless one exists; return whether it was added."""
        changed = await self.db.execute(
            "INSERT OR IGNORE INTO facilitators (matrix_id, display_name, created_at, "
            "updated_at) VALUES (?, ?, ?, ?)",
            (matrix_id, display_name, at.isoformat(), at.isoformat()),
        )
        if changed:
            log.info("facilitator %s enrolled with an empty profile", matrix_id)
        return changed == 1

    async def update(self, matrix_id: str, /, *, at: datetime, **changes: object) -> Facilitator:
        """Change some fields of a profile (`skills=("atelier",)`, `timezone=...`).

        Raises:
            KeyError: no such facilitator.
            ValueError: a field that cannot be changed this way.
        """
        unknown = set(changes) - set(_EDITABLE)
        if unknown:
            raise ValueError(f"cannot update {', '.join(sorted(unknown))}")
        async with self.db.transaction():
            existing = await self.get(matrix_id)
            if existing is None:
                raise KeyError(matrix_id)
            wanted = replace(existing, **changes)  # type: ignore[arg-type]
            if wanted == existing:
                return existing
            await self._write(matrix_id, _to_db(wanted, tuple(changes)), at)
        return replace(wanted, updated_at=at)

    async def set_active(self, matrix_id: str, active: bool, *, at: datetime) -> bool:
        """Mark a profile active or not; return whether it exists."""
        changed = await self.db.execute(
            "UPDATE facilitators SET active = ?, updated_at = ? WHERE matrix_id = ?",
            (int(active), at.isoformat(), matrix_id),
        )
        return changed > 0

    async def from_roster(self) -> set[str]:
        """Everyone a roster import brought who has not left it since."""
        rows = await self.db.fetchall(
            "SELECT matrix_id FROM facilitators WHERE roster IS NOT NULL AND left_at IS NULL"
        )
        return {row[0] for row in rows}

    async def set_left(self, matrix_id: str, at: datetime | None) -> bool:
        """Mark someone as no longer listed by the roster (`at`), or listed again (None);
        return whether it changed."""
        if at is None:
            sql = (
                "UPDATE facilitators SET left_at = NULL WHERE matrix_id = ? AND left_at IS NOT NULL"
            )
            return await self.db.execute(sql, (matrix_id,)) > 0
        changed = await self.db.execute(
            "UPDATE facilitators SET left_at = ?, updated_at = ? WHERE matrix_id = ? "
            "AND left_at IS NULL",
            (at.isoformat(), at.isoformat(), matrix_id),
        )
        return changed > 0

    async def _write(self, matrix_id: str, row: dict[str, object], at: datetime) -> None:
        assignments = ", ".join(f"{name} = :{name}" for name in row)
        await self.db.execute(
            f"UPDATE facilitators SET {assignments}, updated_at = :at WHERE matrix_id = :id",
            {**row, "at": at.isoformat(), "id": matrix_id},
        )

    async def get(self, matrix_id: str) -> Facilitator | None:
        """Return a profile, or None."""
        row = await self.db.fetchone("SELECT * FROM facilitators WHERE matrix_id = ?", (matrix_id,))
        return _from_row(row) if row else None

    async def known(self, matrix_ids: Collection[str]) -> set[str]:
        """Return which of these ids have a profile."""
        ids = list(matrix_ids)
        found: set[str] = set()
        for start in range(0, len(ids), 500):  # stay under SQLite's parameter limit
            chunk = ids[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            rows = await self.db.fetchall(
                f"SELECT matrix_id FROM facilitators WHERE matrix_id IN ({marks})", tuple(chunk)
            )
            found.update(row[0] for row in rows)
        return found

    async def named(self, typed: str) -> list[tuple[str, str]]:
        """(id, display name) of the people whose name fits `typed` best (`name_fit`):
        those whose whole name it is, else those it starts, in name order."""
        rows = await self.db.fetchall(
            "SELECT matrix_id, display_name FROM facilitators WHERE display_name != '' "
            "ORDER BY display_name, matrix_id"
        )
        fits = [(name_fit(typed, row[1]), row[0], row[1]) for row in rows]
        best = max((fit for fit, _, _ in fits), default=0)
        return [(who, name) for fit, who, name in fits if best and fit == best]

    async def names(self, matrix_ids: Collection[str]) -> dict[str, str]:
        """Return the display name of each of these ids that has one."""
        ids = list(matrix_ids)[:500]
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        rows = await self.db.fetchall(
            f"SELECT matrix_id, display_name FROM facilitators WHERE matrix_id IN ({marks}) "
            "AND display_name != ''",
            tuple(ids),
        )
        return {row[0]: row[1] for row in rows}

    async def count(self, *, active_only: bool = False) -> int:
        """Return how many profiles are stored."""
        sql = "SELECT COUNT(*) FROM facilitators"
        if active_only:
            sql += " WHERE active = 1"
        row = await self.db.fetchone(sql)
        return int(row[0]) if row else 0

    async def last_row(self) -> int:
        """Return the highest row number of the directory (0 when empty)."""
        row = await self.db.fetchone("SELECT MAX(rowid) FROM facilitators")
        return int(row[0]) if row and row[0] is not None else 0

    async def size(self) -> tuple[int, int]:
        """The highest row number of the directory (0 when empty) and how many profiles
        are active, in one statement."""
        row = await self.db.fetchone(
            "SELECT MAX(rowid), COALESCE(SUM(active = 1), 0) FROM facilitators"
        )
        return (int(row[0] or 0), int(row[1])) if row else (0, 0)

    async def latest_cohort(self) -> int | None:
        """Return the most recent cohort in the directory (an indexed lookup)."""
        row = await self.db.fetchone("SELECT MAX(cohort) FROM facilitators")
        return int(row[0]) if row and row[0] is not None else None

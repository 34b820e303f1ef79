"""Who may fit a request, read with indexed queries: the prefilter before matching,
and the workload of each candidate around the request's date."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, time, timedelta

from bot.domain.matching import Workload
from bot.domain.profiles import Facilitator
from storage.db import Database

# What matching reads of a profile, in this order (no timestamps, no roster snapshot).
_MATCH_COLUMNS = (
    "matrix_id, display_name, site, region, directorate, cohort, skills, languages, "
    "remote_ok, max_missions_per_month, active, timezone"
)


def _from_match_row(row: tuple) -> Facilitator:
    """A profile from `_MATCH_COLUMNS`: the hot path of matching, kept lean."""
    skills, languages = row[6], row[7]
    return Facilitator(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        tuple(skills.split(";")) if skills else (),
        tuple(languages.split(";")) if languages else (),
        bool(row[8]),
        row[9],
        bool(row[10]),
        row[11],
    )


_NOT_ABSENT = (
    "NOT EXISTS (SELECT 1 FROM absences a WHERE a.matrix_id = f.matrix_id "
    "AND a.start_date <= :day AND a.end_date >= :day)"
)

_HAS_SKILL = "(';' || f.skills || ';') LIKE :skill_pattern"

_AT_SITE = "f.site = :site"

_IN_REGION = "f.region = :region"

_REMOTE = "f.remote_ok = 1"

_ANYWHERE = "1 = 1"


class CandidateRepository:
    """The directory as matching reads it."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def prefilter(
        self,
        day: date,
        *,
        modality: str | None = None,
        site: str | None = None,
        region: str | None = None,
        skill: str | None = None,
        limit: int = 300,
        available_only: bool = True,
        start_at: int | None = None,
        whole: bool = False,
    ) -> list[Facilitator]:
        """Return up to `limit` active profiles, not absent on `day`, that could go there.

        Those with `skill` come first, then the others; each group nearest
        first (site, then region, then remote). Each step is an indexed query
        that stops at the limit, so a huge directory is never scanned whole.
        `presentiel` needs the site or region (any place when neither is
        known), `distanciel` needs `remote_ok`, anything else takes both.
        With `available_only=False`, paused and absent people come too (to
        explain why nobody is available). `start_at` (a row number) makes each
        step read from there and wrap around: when more people fit than the
        limit, different requests see different people, not always the first.
        `whole`: the directory has no more rows than `limit`, so one query reads
        every step at once (the same people in the same order, in one statement).
        """
        near = [clause for clause, known in ((_AT_SITE, site), (_IN_REGION, region)) if known]
        if modality == "distanciel":
            places = [_REMOTE]
        elif modality == "presentiel":
            places = near or [_ANYWHERE]
        else:
            places = [*near, _REMOTE] if near else [_ANYWHERE]
        skill_first = [True, False] if skill else [False]
        params: dict[str, object] = {
            "day": day.isoformat(),
            "site": site,
            "region": region,
            "skill_pattern": f"%;{skill};%",
        }
        if whole:
            return await self._whole(places, skill, params, available_only, start_at)
        found: dict[str, Facilitator] = {}
        for with_skill in skill_first:
            for place in places:
                if len(found) >= limit:
                    break
                # The cheap skill test before the absence subquery: fewer lookups.
                # `active IN (0, 1)` keeps the (active, place) indexes usable.
                where = ["f.active = 1" if available_only else "f.active IN (0, 1)", place]
                # Someone the roster no longer lists is never sought.
                where.append("f.left_at IS NULL")
                if with_skill:
                    where.append(_HAS_SKILL)
                if available_only:
                    where.append(_NOT_ABSENT)
                ranges = ["f.rowid >= :start", "f.rowid < :start"] if start_at else ["1 = 1"]
                for rows_range in ranges:
                    if len(found) >= limit:
                        break
                    # Already found rows come back again from wider tiers; ask for
                    # enough to still fill the limit after dropping them.
                    rows = await self.db.fetchall(
                        f"SELECT {_MATCH_COLUMNS} FROM facilitators f "
                        f"WHERE {' AND '.join([*where, rows_range])} LIMIT :limit",
                        {**params, "limit": limit, "start": start_at},
                    )
                    for row in rows:
                        if len(found) >= limit:
                            break
                        if row[0] not in found:
                            found[row[0]] = _from_match_row(row)
        return list(found.values())

    async def _whole(
        self,
        places: list[str],
        skill: str | None,
        params: dict[str, object],
        available_only: bool,
        start_at: int | None,
    ) -> list[Facilitator]:
        """Every step of `prefilter` in one statement: rows ranked by the step that
        would have found them first (skill, then place, then the wrap from `start_at`)."""
        where = ["f.active = 1" if available_only else "f.active IN (0, 1)", "f.left_at IS NULL"]
        if available_only:
            where.append(_NOT_ABSENT)
        where.append("(" + " OR ".join(places) + ")")
        steps = " ".join(f"WHEN {place} THEN {n}" for n, place in enumerate(places))
        order = [f"CASE {steps} END"]
        if skill:
            order.insert(0, f"NOT {_HAS_SKILL}")
        if start_at:
            order.append("f.rowid < :start")
        rows = await self.db.fetchall(
            f"SELECT {_MATCH_COLUMNS} FROM facilitators f WHERE {' AND '.join(where)} "
            f"ORDER BY {', '.join(order)}, f.rowid",
            {**params, "start": start_at},
        )
        return [_from_match_row(row) for row in rows]

    async def workloads(
        self, people: list[str], day: date, *, exclude_request: int
    ) -> dict[str, Workload]:
        """Accepted missions of these people: that day's slots, this month, last 90 days."""
        if not people:
            return {}
        marks = ", ".join("?" for _ in people)
        since = (day - timedelta(days=90)).isoformat()  # also covers the whole month
        rows = await self.db.fetchall(
            "SELECT a.facilitator, r.event_date, r.start_time, r.end_time FROM assignments a "
            "JOIN requests r ON r.id = a.request_id "
            f"WHERE a.state = 'acceptee' AND a.facilitator IN ({marks}) AND r.id != ? "
            "AND r.state NOT IN ('annulee', 'non tenue') AND r.event_date >= ?",
            (*people, exclude_request, since),
        )
        month: dict[str, int] = defaultdict(int)
        recent: dict[str, int] = defaultdict(int)
        busy: dict[str, list[tuple[time | None, time | None]]] = defaultdict(list)
        for who, when, start, end in rows:
            mission_day = date.fromisoformat(when)
            if (mission_day.year, mission_day.month) == (day.year, day.month):
                month[who] += 1
            if day - timedelta(days=90) <= mission_day <= day:
                recent[who] += 1
            if mission_day == day:
                busy[who].append(
                    (
                        time.fromisoformat(start) if start else None,
                        time.fromisoformat(end) if end else None,
                    )
                )
        return {
            who: Workload(
                missions_this_month=month[who],
                missions_last_90_days=recent[who],
                busy=tuple(busy[who]),
            )
            for who in people
        }

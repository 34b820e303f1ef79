"""Measure matching per request on a SQLite directory of 1,000 to 100,000 facilitators.

Builds each database with the real migrations, fills it (sites weighted like
the network, skills, remote, cohorts, caps, absences, accepted missions),
then times `rank_request` — the indexed prefilter, the workloads query and
the pure ranking — on a mix of requests. The baseline, measured in the same
run on the same database, is one indexed lookup of a profile by id. The
query plans of every statement matching runs are checked for full scans.

    python bench/bench_matching.py                 # 1k, 10k, 100k
    python bench/bench_matching.py --sizes 1000 --requests 50
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.domain.geography import region_of  # noqa: E402
from bot.domain.requests import FORMAT_LABELS, Request  # noqa: E402
from handlers.candidates import rank_request  # noqa: E402
from storage.store import Store  # noqa: E402

GOAL_MS = 10.0
DAY = date(2027, 3, 12)
SERVER = "agent.finances.tchap.gouv.fr"
# Where the network's people work, roughly: Paris and Île-de-France first.
SITES = (
    ["Paris"] * 30
    + ["Montreuil", "Noisy-le-Grand", "Ivry-sur-Seine", "Vincennes", "Créteil"] * 3
    + ["Lyon", "Marseille", "Toulouse", "Lille", "Bordeaux", "Nantes", "Strasbourg"] * 3
    + ["Rennes", "Montpellier", "Dijon", "Rouen", "Orléans", "Metz", "Nancy", "Grenoble"]
    + ["Limoges", "Clermont-Ferrand", "Besançon", "Amiens", "Caen", "Poitiers", "Pau"]
    + ["Cayenne", "Fort-de-France", "Pointe-à-Pitre", "Saint-Denis de La Réunion", "Ajaccio"]
)
DIRECTORATES = ["DGFiP"] * 6 + ["DGDDI"] * 2 + ["DG Trésor", "DGE", "INSEE", "SG", "DGCCRF"]
SKILLS = list(FORMAT_LABELS)
REQUEST_PLACES = ["Paris", "Paris", "Lyon", "Marseille", "Lille", "Créteil", "Rennes", "Cayenne"]
MODALITIES = ["presentiel", "presentiel", "distanciel", "hybride", None]


def build(path: Path, size: int, seed: int = 4) -> None:
    """Migrate a fresh database, then fill it in bulk."""
    rng = random.Random(seed)
    at = "2026-11-29T09:00:00+00:00"
    people = seed_directory(path, size, rng)
    conn = sqlite3.connect(path)
    with conn:
        # Past and coming missions: about one accepted mission per two people.
        requests, assignments = [], []
        for r in range(size // 4):
            day = DAY + timedelta(days=rng.randint(-90, 30))
            start = rng.choice(["09:00", "14:00"])
            end = "12:00" if start == "09:00" else "17:00"
            requests.append(
                (
                    r + 1,
                    f"$src{r}",
                    "!room",
                    f"$src{r}",
                    "@team:s",
                    "t",
                    day.isoformat(),
                    start,
                    end,
                )
            )
            for person in rng.sample(people, 2):
                assignments.append((r + 1, person[0], at, at))
        conn.executemany(
            "INSERT INTO requests (id, source_event_id, room_id, thread_root, requester, text, "
            "event_date, start_time, end_time, facilitators_needed, created_at, updated_at) "
            f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 2, '{at}', '{at}')",
            requests,
        )
        conn.executemany(
            "INSERT OR IGNORE INTO assignments (request_id, facilitator, state, created_at, "
            "updated_at) VALUES (?, ?, 'acceptee', ?, ?)",
            assignments,
        )
    conn.execute("ANALYZE")
    conn.close()


def seed_directory(path: Path, size: int, rng: random.Random) -> list[tuple[Any, ...]]:
    """Migrate the database if needed and add `size` profiles (and a few absences) to it:
    sites weighted like the network, skills, remote, cohorts, caps. Returns the rows."""

    async def migrate() -> None:
        store = await Store.open(path)
        await store.close()

    asyncio.run(migrate())
    at = "2026-11-29T09:00:00+00:00"
    people = []
    for i in range(size):
        site = rng.choice(SITES)
        skills = ";".join(rng.sample(SKILLS, rng.randint(1, 4)))
        people.append(
            (
                f"@f{i:06d}-dgfip.finances.gouv.fr:{SERVER}",
                f"Facilitateur {i}",
                site,
                region_of(site),
                rng.choice(DIRECTORATES),
                rng.randint(1, 12),
                skills,
                "fr;en" if rng.random() < 0.3 else "fr",
                int(rng.random() < 0.4),
                rng.choice([None, None, 1, 2, 3, 4]),
                int(rng.random() > 0.05),
                at,
                at,
            )
        )
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO facilitators (matrix_id, display_name, site, region, directorate, "
            "cohort, skills, languages, remote_ok, max_missions_per_month, active, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            people,
        )
        absences = []
        for person in rng.sample(people, size // 20):
            start = DAY + timedelta(days=rng.randint(-20, 20))
            absences.append((person[0], start.isoformat(), (start + timedelta(days=7)).isoformat()))
        conn.executemany(
            "INSERT INTO absences (matrix_id, start_date, end_date) VALUES (?, ?, ?)", absences
        )
    conn.close()
    return people


def sample_requests(store: Store, count: int, seed: int = 7) -> list[Request]:
    """Requests to rank (built in memory: ranking never writes)."""
    from datetime import UTC, datetime, time

    from bot.domain.requests import RequestDetails

    rng = random.Random(seed)
    now = datetime(2026, 11, 29, tzinfo=UTC)
    out = []
    for i in range(count):
        modality = rng.choice(MODALITIES)
        details = RequestDetails(
            event_date=DAY + timedelta(days=rng.randint(0, 10)),
            start_time=time(rng.choice([9, 14])),
            end_time=time(rng.choice([12, 17])),
            facilitators_needed=rng.choice([1, 1, 2, 3]),
            format=rng.choice([*SKILLS, None]),
            modality=modality,
            location=None if modality == "distanciel" else rng.choice(REQUEST_PLACES),
            directorate=rng.choice([*DIRECTORATES, None]),
        )
        out.append(
            Request(
                10**9 + i, f"$b{i}", "!r", f"$b{i}", "@t:s", "", "ouverte", details, None, now, now
            )
        )
    return out


class Recorder:
    """Wrap `fetchall`/`fetchone` to keep the statements matching runs."""

    def __init__(self, store: Store) -> None:
        self.statements: list[tuple[str, Any]] = []
        db = store.db
        self._fetchall, self._fetchone = db.fetchall, db.fetchone

        async def fetchall(sql: str, params: Any = ()) -> Any:
            self.statements.append((sql, params))
            return await self._fetchall(sql, params)

        async def fetchone(sql: str, params: Any = ()) -> Any:
            self.statements.append((sql, params))
            return await self._fetchone(sql, params)

        db.fetchall, db.fetchone = fetchall, fetchone  # type: ignore[method-assign]


async def full_scans(store: Store, requests: list[Request]) -> list[str]:
    """Return the plan lines of matching's statements that scan a whole table."""
    recorder = Recorder(store)
    for request in requests:
        await rank_request(store, request)
    bad = []
    seen = set()
    for sql, params in recorder.statements:
        if sql in seen:
            continue
        seen.add(sql)
        plan = await recorder._fetchall(f"EXPLAIN QUERY PLAN {sql}", params)
        for row in plan:
            detail = row[3]
            # `SCAN x USING INDEX` walks an index in order; a bare `SCAN x` reads the table.
            if detail.startswith("SCAN") and "USING" not in detail:
                bad.append(f"{detail}  <-  {sql[:90]}")
    return bad


async def measure(path: Path, size: int, count: int) -> dict[str, float]:
    store = await Store.open(path)
    try:
        requests = sample_requests(store, count)
        ids = [
            f"@f{i:06d}-dgfip.finances.gouv.fr:{SERVER}"
            for i in range(0, size, max(1, size // count))
        ]
        for request in requests[:5]:  # warm the page cache and the code paths
            await rank_request(store, request)
        started = time.perf_counter()
        for who in ids:
            await store.facilitators.get(who)
        baseline = (time.perf_counter() - started) * 1000 / len(ids)
        timings, ranked = [], 0
        for request in requests:
            started = time.perf_counter()
            result = await rank_request(store, request)
            timings.append((time.perf_counter() - started) * 1000)
            ranked += len(result.ranked)
        scans = await full_scans(store, requests[:20])
    finally:
        await store.close()
    timings.sort()
    return {
        "mean": statistics.fmean(timings),
        "median": statistics.median(timings),
        "p95": timings[int(0.95 * (len(timings) - 1))],
        "baseline": baseline,
        "ranked": ranked / len(requests),
        "scans": scans,  # type: ignore[dict-item]
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--requests", type=int, default=200, help="requests ranked per size")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="facilibot-bench-") as tmp:
        for size in args.sizes:
            path = Path(tmp) / f"directory-{size}.sqlite3"
            started = time.perf_counter()
            build(path, size)
            built = time.perf_counter() - started
            figures = asyncio.run(measure(path, size, args.requests))
            rows.append((size, built, figures))
    print(f"Matching per request ({args.requests} requests per size; goal < {GOAL_MS:.0f} ms)")
    print(
        f"{'facilitators':>12} | {'build s':>7} | {'ms/request':>10} | {'median':>6} | "
        f"{'p95 ms':>7} | {'lookup ms':>9} | {'ratio':>6} | {'ranked':>6} | full scans"
    )
    worst = 0.0
    for size, built, f in rows:
        worst = max(worst, f["mean"])
        ratio = f["mean"] / f["baseline"]
        scans = "none" if not f["scans"] else str(len(f["scans"]))
        print(
            f"{size:>12,} | {built:>7.1f} | {f['mean']:>10.2f} | {f['median']:>6.2f} | "
            f"{f['p95']:>7.2f} | {f['baseline']:>9.3f} | {ratio:>5.0f}x | "
            f"{f['ranked']:>6.0f} | {scans}"
        )
        for line in f["scans"]:  # type: ignore[union-attr]
            print(f"    {line}")
    print(
        "ms/request is the mean; ratio = mean ÷ one indexed profile lookup (mean of 1,000) in "
        "the same run; ranked = candidates returned per request (prefilter limit 300)."
    )
    print(f"goal {'met' if worst < GOAL_MS else 'NOT met'}: worst mean {worst:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

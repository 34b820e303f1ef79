"""A small network's history, written straight into the database, for the figures' tests.

Every figure `!parcours`, `!stats` and `facilibot report` show is computed by
hand from these rows in the tests that use them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.profiles import Facilitator
from storage.store import Store

ANA = "@ana:agent.finances.tchap.gouv.fr"
BEN = "@ben:agent.finances.tchap.gouv.fr"
CHLOE = "@chloe:agent.finances.tchap.gouv.fr"
DORA = "@dora:agent.finances.tchap.gouv.fr"  # in the directory, no mission
REQUESTER = "@alice:agent.finances.tchap.gouv.fr"


async def add_request(
    store: Store,
    number: int,
    *,
    created: str,
    day: str | None,
    fmt: str | None,
    directorate: str | None = None,
    start: str | None = None,
    end: str | None = None,
    duration: int | None = None,
    needed: int = 1,
    state: str = "pourvue",
    staffed: str | None = None,
    location: str | None = "Paris",
    facilitators: tuple[str, ...] = (),
    withdrawn: tuple[str, ...] = (),
    rating: int | None = None,
    declared: dict[str, int] | None = None,
    discarded: bool = False,
) -> None:
    """One request with its assignments, its staffing transition and its feedback."""
    db = store.db
    async with db.transaction():
        await db.execute(
            "INSERT INTO requests (id, source_event_id, room_id, thread_root, requester, text, "
            "state, event_date, start_time, end_time, duration_minutes, facilitators_needed, "
            "format, location, directorate, created_at, updated_at, discarded) "
            "VALUES (?, ?, '!r:x', ?, ?, 'demande', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                number,
                f"$req{number}",
                f"$req{number}",
                REQUESTER,
                state,
                day,
                start,
                end,
                duration,
                needed,
                fmt,
                location,
                directorate,
                created,
                created,
                int(discarded),
            ),
        )
        for who in facilitators:
            await db.execute(
                "INSERT INTO assignments VALUES (?, ?, 'acceptee', ?, ?)",
                (number, who, created, created),
            )
        for who in withdrawn:
            await db.execute(
                "INSERT INTO assignments VALUES (?, ?, 'desistee', ?, ?)",
                (number, who, created, created),
            )
        if staffed:
            await db.execute(
                "INSERT INTO transitions (request_id, facilitator, from_state, to_state, actor, at)"
                " VALUES (?, NULL, 'ouverte', 'pourvue', 'x', ?)",
                (number, staffed),
            )
    at = datetime(2026, 11, 1, tzinfo=UTC)
    if rating is not None:
        await store.feedback.rate(number, REQUESTER, rating, None, at=at)
    for who, minutes in (declared or {}).items():
        await store.feedback.time_spent(number, who, minutes, at=at)


async def build_network(store: Store) -> None:
    """Four people and the requests of 2025–2026 (the clock of the unit tests: 29/11/2026)."""
    at = datetime(2025, 1, 1, tzinfo=UTC)
    people = (
        Facilitator(ANA, "Ana Lopez", site="Paris", region="Île-de-France", directorate="DGFiP",
                    cohort=7),
        Facilitator(BEN, "Ben Martin", site="Lyon", region="Auvergne-Rhône-Alpes",
                    directorate="DGDDI", cohort=7),
        Facilitator(CHLOE, "Chloé Petit", site="Lille", region="Hauts-de-France",
                    directorate="DG Trésor", cohort=9),
        Facilitator(DORA, "Dora Blanc", site="Paris", region="Île-de-France", cohort=9),
    )  # fmt: skip
    for person in people:
        await store.facilitators.upsert(person, at=at)
    # 1. March, a seminar in a pair, rated 5; Ana declares 5 h (1 h 30 beyond the session).
    await add_request(
        store, 1, created="2026-02-10T09:00:00+00:00", day="2026-03-12", fmt="seminaire",
        directorate="DGFiP", start="09:00", end="12:30", needed=2, state="realisee",
        staffed="2026-02-10T13:00:00+00:00", facilitators=(ANA, BEN), rating=5,
        declared={ANA: 300},
    )  # fmt: skip
    # 2. May, a codevelopment session Ana runs alone, 2 h stated, rated 4.
    await add_request(
        store, 2, created="2026-04-20T08:00:00+00:00", day="2026-05-04", fmt="codeveloppement",
        directorate="DG Trésor", duration=120, state="realisee",
        staffed="2026-04-21T08:00:00+00:00", facilitators=(ANA,), rating=4, location="Lyon",
    )  # fmt: skip
    # 3. September, a world café for three, no time known, no rating; Ana declares 1 h.
    await add_request(
        store, 3, created="2026-09-01T08:00:00+00:00", day="2026-09-20", fmt="world_cafe",
        directorate="Secrétariat général", needed=3, state="realisee",
        staffed="2026-09-03T08:00:00+00:00", facilitators=(ANA, BEN, CHLOE),
        declared={ANA: 60}, location="Lille",
    )  # fmt: skip
    # 4. Created in November for December: Ana's upcoming mission.
    await add_request(
        store, 4, created="2026-11-05T08:00:00+00:00", day="2026-12-10", fmt="atelier",
        directorate="DGFiP", start="14:00", end="16:00", state="pourvue",
        staffed="2026-11-05T10:00:00+00:00", facilitators=(ANA,),
    )  # fmt: skip
    # 5. Created in November for November, staffed by Chloé, rated 3.
    await add_request(
        store, 5, created="2026-11-02T08:00:00+00:00", day="2026-11-20", fmt="atelier",
        directorate="DGDDI", start="10:00", end="11:30", state="pourvue",
        staffed="2026-11-02T14:00:00+00:00", facilitators=(CHLOE,), rating=3,
        location="Lille",
    )  # fmt: skip
    # 6. November: still open (nobody yet).
    await add_request(
        store, 6, created="2026-11-10T08:00:00+00:00", day="2027-01-15", fmt="seminaire",
        state="ouverte",
    )  # fmt: skip
    # 7. November: cancelled after Ana accepted — counted nowhere for her.
    await add_request(
        store, 7, created="2026-11-12T08:00:00+00:00", day="2026-11-25", fmt="atelier",
        state="annulee", facilitators=(ANA,),
    )  # fmt: skip
    # 8. November: discarded by its author — counted nowhere at all.
    await add_request(
        store, 8, created="2026-11-13T08:00:00+00:00", day=None, fmt="atelier",
        state="annulee", discarded=True,
    )  # fmt: skip
    # 9. June: Ana withdrew, Ben stayed.
    await add_request(
        store, 9, created="2026-06-01T08:00:00+00:00", day="2026-06-15", fmt="atelier",
        directorate="DGFiP", start="09:00", end="10:00", state="realisee",
        staffed="2026-06-02T08:00:00+00:00", facilitators=(BEN,), withdrawn=(ANA,),
    )  # fmt: skip
    # 10. Last year: Ana's mission of 2025.
    await add_request(
        store, 10, created="2025-10-01T08:00:00+00:00", day="2025-10-10", fmt="atelier",
        directorate="DGFiP", duration=90, state="realisee",
        staffed="2025-10-01T09:00:00+00:00", facilitators=(ANA,),
    )  # fmt: skip

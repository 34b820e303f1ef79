"""The facilitator directory on a real SQLite file: upserts, absences, the prefilter."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.profiles import Facilitator

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
DAY = date(2026, 12, 10)
SERVER = "agent.finances.tchap.gouv.fr"


def person(local: str, **fields: object) -> Facilitator:
    """A profile with a Tchap id built from `local`."""
    return Facilitator(matrix_id=f"@{local}:{SERVER}", **fields)  # type: ignore[arg-type]


async def test_upsert_adds_then_reports_unchanged_then_updated(store):
    repo = store.facilitators
    alice = person("alice", display_name="Alice", site="Paris", skills=("atelier",), cohort=3)
    assert await repo.upsert(alice, at=NOW) == "added"
    assert await repo.upsert(alice, at=NOW + timedelta(hours=1)) == "unchanged"
    moved = person("alice", display_name="Alice", site="Lyon", skills=("atelier",), cohort=3)
    assert await repo.upsert(moved, at=NOW + timedelta(hours=2)) == "updated"
    stored = await repo.get(alice.matrix_id)
    assert stored is not None
    assert stored.site == "Lyon"
    assert stored.skills == ("atelier",)
    assert stored.created_at == NOW
    assert stored.updated_at == NOW + timedelta(hours=2)


async def test_round_trip_of_every_field(store):
    full = person(
        "bob",
        display_name="Bob Martin",
        site="Lille",
        region="Hauts-de-France",
        directorate="DGFiP",
        cohort=12,
        skills=("atelier", "world_cafe"),
        languages=("fr", "en"),
        remote_ok=True,
        max_missions_per_month=2,
        timezone="Europe/Paris",
    )
    await store.facilitators.upsert(full, at=NOW)
    assert await store.facilitators.get(full.matrix_id) == full
    assert await store.facilitators.get("@nobody:" + SERVER) is None


async def test_roster_upsert_keeps_active_flag_and_timezone(store):
    repo = store.facilitators
    carol = person("carol", site="Paris")
    await repo.upsert(carol, at=NOW)
    await repo.set_active(carol.matrix_id, False, at=NOW)
    await repo.update(carol.matrix_id, timezone="America/Cayenne", at=NOW)
    assert await repo.upsert(carol, at=NOW) == "unchanged"
    stored = await repo.get(carol.matrix_id)
    assert stored is not None
    assert not stored.active
    assert stored.timezone == "America/Cayenne"
    assert await repo.count(active_only=True) == 0


async def test_update_changes_fields_and_rejects_unknown_ones(store):
    repo = store.facilitators
    dan = person("dan")
    await repo.upsert(dan, at=NOW)
    updated = await repo.update(dan.matrix_id, skills=("hackathon",), remote_ok=True, at=NOW)
    assert updated.skills == ("hackathon",)
    assert (await repo.get(dan.matrix_id)) == updated
    with pytest.raises(ValueError):
        await repo.update(dan.matrix_id, matrix_id="@x:y", at=NOW)
    with pytest.raises(KeyError):
        await repo.update("@ghost:" + SERVER, remote_ok=True, at=NOW)
    assert not await repo.set_active("@ghost:" + SERVER, False, at=NOW)


async def test_absences_cover_their_days_and_cascade(store):
    repo = store.facilitators
    eve = person("eve")
    await repo.upsert(eve, at=NOW)
    await store.absences.add(eve.matrix_id, date(2026, 12, 20), date(2027, 1, 4))
    assert await store.absences.is_absent(eve.matrix_id, date(2026, 12, 20))
    assert await store.absences.is_absent(eve.matrix_id, date(2027, 1, 4))
    assert not await store.absences.is_absent(eve.matrix_id, date(2027, 1, 5))
    assert await store.absences.of(eve.matrix_id) == [(date(2026, 12, 20), date(2027, 1, 4))]
    with pytest.raises(ValueError):
        await store.absences.add(eve.matrix_id, date(2027, 1, 4), date(2026, 12, 20))
    assert await store.absences.clear(eve.matrix_id) == 1
    assert not await store.absences.is_absent(eve.matrix_id, date(2026, 12, 25))
    await store.absences.add(eve.matrix_id, DAY, DAY)
    await store.db.execute("DELETE FROM facilitators WHERE matrix_id = ?", (eve.matrix_id,))
    assert await store.absences.of(eve.matrix_id) == []


async def _directory(store) -> None:
    people = [
        person("paris-atelier", site="Paris", region="Île-de-France", skills=("atelier",)),
        person("paris-plain", site="Paris", region="Île-de-France"),
        person("creteil", site="Créteil", region="Île-de-France", skills=("atelier",)),
        person("lyon-remote", site="Lyon", region="Auvergne-Rhône-Alpes", remote_ok=True),
        person("lyon-local", site="Lyon", region="Auvergne-Rhône-Alpes"),
        person("paris-away", site="Paris", region="Île-de-France", skills=("atelier",)),
        person("paris-inactive", site="Paris", region="Île-de-France", active=False),
    ]
    for one in people:
        await store.facilitators.upsert(one, at=NOW)
    await store.facilitators.set_active(people[-1].matrix_id, False, at=NOW)
    await store.absences.add(people[-2].matrix_id, DAY, DAY)


def _locals(found: list[Facilitator]) -> list[str]:
    return [f.matrix_id[1:].split(":")[0] for f in found]


async def test_candidates_onsite_nearest_and_skilled_first(store):
    await _directory(store)
    found = await store.candidates.prefilter(
        DAY, modality="presentiel", site="Paris", region="Île-de-France", skill="atelier"
    )
    assert _locals(found) == ["paris-atelier", "creteil", "paris-plain"]


async def test_candidates_remote_and_hybrid(store):
    await _directory(store)
    remote = await store.candidates.prefilter(DAY, modality="distanciel", site="Paris")
    assert _locals(remote) == ["lyon-remote"]
    hybrid = await store.candidates.prefilter(
        DAY, modality="hybride", site="Paris", region="Île-de-France"
    )
    assert _locals(hybrid) == ["paris-atelier", "paris-plain", "creteil", "lyon-remote"]


async def test_candidates_anywhere_when_place_unknown_and_limit(store):
    await _directory(store)
    anywhere = await store.candidates.prefilter(DAY, modality="presentiel")
    assert len(anywhere) == 5
    absent_day_passed = await store.candidates.prefilter(DAY + timedelta(days=1))
    assert "paris-away" in _locals(absent_day_passed)
    assert len(await store.candidates.prefilter(DAY, limit=2)) == 2


async def test_candidates_query_uses_an_index(store):
    await _directory(store)
    plan = await store.db.fetchall(
        "EXPLAIN QUERY PLAN SELECT * FROM facilitators f WHERE f.active = 1 AND f.site = ?",
        ("Paris",),
    )
    assert any("facilitators_active_site" in row[3] for row in plan)


async def test_size_is_the_last_row_and_the_active_count_in_one_read(store):
    repo = store.facilitators
    assert await repo.size() == (0, 0)
    for name in ("erin", "fred", "gail"):
        await repo.upsert(person(name), at=NOW)
    await repo.set_active(person("fred").matrix_id, False, at=NOW)
    assert await repo.size() == (await repo.last_row(), await repo.count(active_only=True))
    assert await repo.size() == (3, 2)

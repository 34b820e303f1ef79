"""`rank_request` on a real database, and `!candidats` for coordinators."""

from __future__ import annotations

from datetime import date, time, timedelta
from itertools import count

from bot.domain.profiles import Facilitator
from bot.domain.requests import RequestDetails
from handlers.candidates import rank_request, spread
from tests.unit.conftest import COORDINATOR, FACILITATOR, REQUESTER, answers, message

SERVER = "agent.finances.tchap.gouv.fr"
DAY = date(2027, 3, 12)
_events = count(1)


def fid(local: str) -> str:
    return f"@{local}:{SERVER}"


async def add_request(store, clock, **details: object):
    values: dict[str, object] = {
        "event_date": DAY,
        "start_time": time(9),
        "end_time": time(12),
        "format": "atelier",
        "modality": "presentiel",
        "location": "Paris",
        "facilitators_needed": 1,
    }
    values.update(details)
    return await store.requests.create(
        source_event_id=f"$req{next(_events)}",
        room_id="!r:s",
        thread_root=f"$req{next(_events)}",
        requester=REQUESTER,
        text="demande",
        details=RequestDetails(**values),  # type: ignore[arg-type]
        at=clock.now(),
    )


async def add_people(store, clock, *people: Facilitator) -> None:
    for person in people:
        await store.facilitators.upsert(person, at=clock.now())


async def accept(store, clock, request_id: int, who: str) -> None:
    assert await store.missions.take_slot(request_id, who, actor=who, at=clock.now())


async def test_workloads_count_this_month_the_last_90_days_and_that_days_slots(store, clock):
    await add_people(store, clock, Facilitator(fid("a")))
    same_day = await add_request(store, clock, start_time=time(14), end_time=time(16))
    earlier = await add_request(store, clock, event_date=DAY - timedelta(days=20))
    long_ago = await add_request(store, clock, event_date=DAY - timedelta(days=120))
    cancelled = await add_request(store, clock, event_date=DAY - timedelta(days=3))
    for request in (same_day, earlier, long_ago, cancelled):
        await accept(store, clock, request.id, fid("a"))
    await store.missions.set_request_state(cancelled.id, "annulee", actor="x", at=clock.now())
    target = await add_request(store, clock)
    loads = await store.candidates.workloads([fid("a"), fid("b")], DAY, exclude_request=target.id)
    assert loads[fid("a")].missions_this_month == 1  # same_day; earlier was in February
    assert loads[fid("a")].missions_last_90_days == 2
    assert loads[fid("a")].busy == ((time(14), time(16)),)
    assert loads[fid("b")].missions_this_month == 0


async def test_rank_request_filters_by_the_database_and_explains(store, clock):
    await add_people(
        store,
        clock,
        Facilitator(fid("skilled"), site="Paris", region="Île-de-France", skills=("atelier",)),
        Facilitator(fid("plain"), site="Paris", region="Île-de-France"),
        Facilitator(fid("busy"), site="Paris", region="Île-de-France", skills=("atelier",)),
        Facilitator(fid("capped"), site="Paris", region="Île-de-France", max_missions_per_month=1),
        Facilitator(fid("away"), site="Paris", region="Île-de-France", skills=("atelier",)),
        Facilitator(fid("lyon"), site="Lyon", region="Auvergne-Rhône-Alpes", remote_ok=True),
    )
    await store.absences.add(fid("away"), DAY, DAY)
    other = await add_request(store, clock, start_time=time(10), end_time=time(11))
    await accept(store, clock, other.id, fid("busy"))
    elsewhere = await add_request(store, clock, event_date=DAY + timedelta(days=5))
    await accept(store, clock, elsewhere.id, fid("capped"))
    request = await add_request(store, clock)
    result = await rank_request(store, request)
    assert result.pick(5) == (fid("skilled"), fid("plain"))
    assert {e.matrix_id: e.code for e in result.excluded} == {
        fid("busy"): "busy",
        fid("capped"): "capped",
    }
    assert result.ranked[0].reasons[0] == "compétence atelier"
    assert result.notes == ()


async def test_when_nobody_fits_the_notes_say_why(store, clock):
    request = await add_request(store, clock)
    assert (await rank_request(store, request)).notes == (
        "personne dans l'annuaire des facilitateurs",
    )
    await add_people(
        store, clock, Facilitator(fid("lyon"), site="Lyon", region="Auvergne-Rhône-Alpes")
    )
    assert (await rank_request(store, request)).notes == ("personne à proximité de Paris",)
    remote = await add_request(store, clock, modality="distanciel", location=None)
    assert (await rank_request(store, remote)).notes == ("personne qui intervienne à distance",)
    await add_people(
        store,
        clock,
        Facilitator(fid("p1"), site="Paris", region="Île-de-France"),
        Facilitator(fid("p2"), site="Paris", region="Île-de-France"),
    )
    await store.absences.add(fid("p1"), DAY, DAY)
    await store.absences.add(fid("p2"), DAY - timedelta(days=1), DAY)
    result = await rank_request(store, request)
    assert result.ranked == ()
    assert {e.code for e in result.excluded} == {"absent"}
    assert result.notes == ("personne de disponible ce jour-là",)
    await store.absences.clear(fid("p1"))
    await store.facilitators.set_active(fid("p1"), False, at=clock.now())
    result = await rank_request(store, request)
    assert {e.matrix_id: e.code for e in result.excluded} == {
        fid("p1"): "inactive",
        fid("p2"): "absent",
    }


async def test_pairing_uses_the_directorys_latest_cohort(store, clock):
    await add_people(
        store,
        clock,
        Facilitator(fid("a-old"), site="Paris", cohort=2),
        Facilitator(fid("b-old"), site="Paris", cohort=3),
        Facilitator(fid("c-new"), site="Paris", cohort=12),
        Facilitator(fid("z-elsewhere"), site="Brest", cohort=12),
    )
    request = await add_request(store, clock, facilitators_needed=2, format=None)
    assert (await rank_request(store, request)).pick(2) == (fid("a-old"), fid("c-new"))


def test_a_duration_gives_the_end_time():
    details = RequestDetails(event_date=DAY, start_time=time(9), duration_minutes=150)
    assert details.ends_at == time(11, 30)


# -- !candidats ----------------------------------------------------------------------------------


async def test_candidates_lists_ranked_people_with_reasons_and_exclusions(dispatcher, store, clock):
    await add_people(
        store,
        clock,
        Facilitator(fid("claire"), display_name="Claire Martin", site="Paris", skills=("atelier",)),
        Facilitator(fid("bob"), site="Créteil", region="Île-de-France"),
        Facilitator(fid("busy"), display_name="Busy Bee", site="Paris"),
    )
    other = await add_request(store, clock)
    await accept(store, clock, other.id, fid("busy"))
    request = await add_request(store, clock)
    outcome = await dispatcher.handle(
        message(f"!candidats {request.id}", sender=COORDINATOR), "requests"
    )
    assert outcome == "command:candidats"
    [text] = await answers(store)
    assert text.splitlines() == [
        f"Candidats pour la demande #{request.id} (atelier, vendredi 12 mars 2027, 9h00–12h00, "
        "Paris, 1 personne pour faciliter) :",
        "1. Claire Martin — 90 pts : compétence atelier, sur place (Paris), 0 mission en 90 jours",
        "2. Bob — 35 pts : même région (Île-de-France), 0 mission en 90 jours",
        "Écartés (1) : déjà en mission sur ce créneau : Busy Bee.",
    ]


async def test_candidates_is_for_coordinators_only(dispatcher, store, clock):
    request = await add_request(store, clock)
    for sender in (FACILITATOR, REQUESTER):
        assert (
            await dispatcher.handle(message(f"!candidates {request.id}", sender=sender), "dm")
            == "refused"
        )
    texts = await answers(store)
    refusal = "La commande `!candidats` est réservée à l'équipe de coordination du réseau."
    assert texts == [refusal] * 2


async def test_candidates_of_an_unknown_or_undated_request(dispatcher, store, clock):
    undated = await add_request(store, clock, event_date=None)
    await dispatcher.handle(message("!candidats 99", sender=COORDINATOR), "requests")
    await dispatcher.handle(message(f"!candidats #{undated.id}", sender=COORDINATOR), "requests")
    unknown, no_date = await answers(store)
    assert unknown.startswith("Je ne trouve pas la demande #99.")
    assert no_date.startswith(f"La demande #{undated.id} n'a pas encore de date")


async def test_candidates_shows_the_notes_when_nobody_fits(dispatcher, store, clock):
    request = await add_request(store, clock, format="hackathon")
    await add_people(store, clock, Facilitator(fid("p"), site="Paris"))
    await dispatcher.handle(message(f"!candidats {request.id}", sender=COORDINATOR), "requests")
    [text] = await answers(store)
    assert text.endswith("À noter : personne avec cette compétence (hackathon).")
    for i in range(12):
        await add_people(store, clock, Facilitator(fid(f"q{i:02d}"), site="Paris"))
    await dispatcher.handle(message(f"!candidats {request.id}", sender=COORDINATOR), "requests")
    text = (await answers(store))[-1]
    assert "10. " in text and "11. " not in text
    assert "… et 3 autre(s)." in text


async def test_the_prefilter_starts_at_a_place_set_by_the_request_and_wraps(store, clock):
    await add_people(store, clock, *(Facilitator(fid(f"p{i}"), site="Paris") for i in range(6)))
    day = DAY

    async def read(start_at: int | None) -> list[str]:
        found = await store.candidates.prefilter(day, site="Paris", limit=3, start_at=start_at)
        return [f.matrix_id for f in found]

    assert await read(None) == [fid("p0"), fid("p1"), fid("p2")]
    assert await read(5) == [fid("p4"), fid("p5"), fid("p0")]  # rows 5, 6, then wraps to 1
    assert spread(7, 0) == 0
    starts = {spread(request_id, 1000) for request_id in range(1, 51)}
    assert len(starts) > 40 and all(1 <= s <= 1000 for s in starts)
    assert spread(7, 1000) == spread(7, 1000)


async def test_a_small_directory_read_in_one_query_gives_the_steps_people_in_their_order(
    store, clock
):
    # Places, skills, remote work, pauses and absences mixed; every kind of request asked
    # of both ways of reading, with and without a starting row: the same people, and for
    # those available (the ones ranked) in the order of the steps, by row within a step.
    def step(f: Facilitator, asked: dict) -> tuple:
        places = {"distanciel": ["remote"], "presentiel": ["site", "region"]}.get(
            asked["modality"], ["site", "region", "remote"]
        )
        fits = {
            "site": asked["site"] is not None and f.site == asked["site"],
            "region": asked["region"] is not None and f.region == asked["region"],
            "remote": f.remote_ok,
        }
        known = [p for p in places if p == "remote" or asked[p] is not None]
        place = next((n for n, p in enumerate(known) if fits[p]), 0)
        row = int(f.matrix_id[2:].split(":")[0]) + 1
        start = asked["start_at"] or 0
        skilled = asked["skill"] is None or asked["skill"] in f.skills
        return (not skilled, place, row < start, row)

    import random

    rng = random.Random(7)
    sites = [("Paris", "Île-de-France"), ("Lyon", "Auvergne-Rhône-Alpes"), (None, None)]
    for i in range(40):
        site, region = rng.choice(sites)
        await add_people(
            store,
            clock,
            Facilitator(
                fid(f"f{i}"),
                site=site,
                region=region if rng.random() < 0.8 else None,
                skills=tuple(
                    rng.sample(["atelier", "seminaire", "codeveloppement"], rng.randint(0, 2))
                ),
                remote_ok=rng.random() < 0.4,
                active=rng.random() < 0.85,
            ),
        )
        if rng.random() < 0.15:
            async with store.db.transaction():
                await store.absences.add(fid(f"f{i}"), DAY, DAY)
    for modality in ("presentiel", "distanciel", "hybride", None):
        for site, region in [*sites, ("Lille", "Hauts-de-France")]:
            for skill in ("atelier", None):
                for start_at in (None, 1, 17):
                    for available_only in (True, False):
                        asked = dict(
                            modality=modality,
                            site=site,
                            region=region,
                            skill=skill,
                            limit=300,
                            available_only=available_only,
                            start_at=start_at,
                        )
                        steps = await store.candidates.prefilter(DAY, **asked)
                        whole = await store.candidates.prefilter(DAY, whole=True, **asked)
                        assert sorted(whole, key=str) == sorted(steps, key=str), asked
                        if available_only:  # the order of the steps: skill, place, wrap
                            keys = [step(f, asked) for f in whole]
                            assert keys == sorted(keys), asked

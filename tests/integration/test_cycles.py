"""Cycles, large events and places in reserve against a real Synapse."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar

from bot.domain import cycles
from bot.domain.clock import FrozenClock
from bot.domain.profiles import Facilitator
from bot.matrix.decryption import thread_of
from bot.sandbox.people import Person, body_of
from storage.store import Store

CYCLE = (
    "Bonjour, on cherche 2 facilitateurs pour un séminaire en 4 séances, les jeudis 7, 14, 21 "
    "et 28 janvier 2027, de 14h à 16h30, à Bercy. 8 participants."
)


async def _directory(config, people: list[tuple[Person, str]], skill: str = "seminaire") -> None:
    """Write the facilitator directory before the bot starts (as a roster import would)."""
    store = await Store.open(config.storage.database)
    try:
        for person, site in people:
            region = "Île-de-France" if site == "Paris" else "Auvergne-Rhône-Alpes"
            await store.facilitators.upsert(
                Facilitator(person.user_id, person.name, site=site, region=region, skills=(skill,)),
                at=datetime.now(UTC),
            )
    finally:
        await store.close()


async def _setup(world, count: int, **matching):
    alice = await world.person("Alice")
    coordinator = await world.person("Coordination")
    people = list(await asyncio.gather(*(world.person(f"Facilitateur {n}") for n in range(count))))
    bot = await world.bot_account()
    requests_room = await alice.create_room("Demandes", invite=[bot.user_id])
    network = await coordinator.create_room(
        "Réseau", invite=[bot.user_id, *(p.user_id for p in people)]
    )
    config = await world.config(
        rooms={"requests": [requests_room], "facilitators": network},
        bot={"coordinators": [coordinator.user_id]},
        matching={"ping_in": "room", **matching},
        reminders={"mission_before": ["1d"]},
    )
    return alice, coordinator, people, requests_room, network, config


async def _ics_of(app, user_id: str, timeout: float = 20) -> Calendar:
    """The last .ics the homeserver accepted for a person's DM."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        row = await app.store.db.fetchone(
            "SELECT attachment FROM outbox WHERE dm_user = ? AND attachment IS NOT NULL "
            "AND state = 'sent' ORDER BY seq DESC LIMIT 1",
            (user_id,),
        )
        if row is not None:
            return Calendar.from_ical(row["attachment"])
        assert loop.time() < deadline, "the .ics invitation was not sent"
        await asyncio.sleep(0.1)


async def test_a_cycle_staffed_moved_cancelled_and_reminded_across_a_restart(world):
    alice, _, people, room, network, config = await _setup(world, 2, pings_per_slot=1)
    first, second = people
    await _directory(config, [(first, "Paris"), (second, "Paris")])
    clock = FrozenClock(datetime.now(UTC))
    app = await world.start_bot(config, clock=clock)
    bot_id = config.matrix.user_id

    request_event = await alice.send(room, CYCLE)
    ping = await first.wait_for_message(
        lambda m: "!accepte 1" in body_of(m), room_id=network, sender=bot_id, timeout=30
    )
    assert "Séances : 1) jeudi 7 janvier 2027, 14h00–16h30 ; 2) jeudi 14 janvier" in body_of(ping)
    for person in people:
        await person.send(network, "!accepte 1")
    await alice.wait_for_message(lambda m: "est pourvue" in body_of(m), room_id=room, sender=bot_id)
    calendar = await _ics_of(app, second.user_id)
    events = calendar.walk("VEVENT")
    assert len(events) == 4
    assert [e.decoded("dtstart").date() for e in events] == [
        date(2027, 1, 7),
        date(2027, 1, 14),
        date(2027, 1, 21),
        date(2027, 1, 28),
    ]
    first_sequence = int(events[0]["sequence"])

    # Session 3 cancelled by command, session 2 moved by a reply in the thread.
    await alice.send(room, "!annule 1 séance 3", thread_root=request_event)
    await first.wait_for_message(
        lambda m: "La séance 3 (jeudi 21 janvier 2027) de la demande #1 est annulée" in body_of(m),
        sender=bot_id,
    )
    await alice.send(
        room, "la séance 2 est décalée au vendredi 15 janvier", thread_root=request_event
    )
    moved = await second.wait_for_message(
        lambda m: "La séance 2 de la demande #1 est déplacée" in body_of(m), sender=bot_id
    )
    assert "vendredi 15 janvier 2027" in body_of(moved)
    request = await app.store.requests.get(1)
    assert [s.cancelled for s in request.details.sessions] == [False, False, True, False]
    assert cycles.find(request.details, 2).day == date(2027, 1, 15)
    calendar = await _until_ics(app, second.user_id, lambda c: len(_cancelled(c)) == 1)
    events = calendar.walk("VEVENT")
    assert int(events[0]["sequence"]) > first_sequence
    assert _cancelled(calendar) == ["facilibot-demande-1-seance-3"]

    # A restart, then each session's reminder the day before: sessions 1, 2 (moved), 4.
    await world.stop_bot(app)
    app = await world.start_bot(config, clock=clock)
    for number, day in ((1, date(2027, 1, 6)), (2, date(2027, 1, 14)), (4, date(2027, 1, 27))):
        clock.set(datetime(day.year, day.month, day.day, 13, 5, tzinfo=UTC))
        await app._run_due_jobs()
        for person in people:
            await person.wait_for_message(
                lambda m, n=number: f"vous facilitez la séance {n} de la demande #1" in body_of(m),
                sender=bot_id,
                timeout=30,
            )
    reminded = [
        m
        for m in first.messages(sender=bot_id)
        if "Rappel : vous facilitez la séance" in body_of(m)
    ]
    assert len(reminded) == 3
    assert not [m for m in reminded if "séance 3 " in body_of(m)]


def _cancelled(calendar: Calendar) -> list[str]:
    return [
        str(e["uid"]).split("@")[0]
        for e in calendar.walk("VEVENT")
        if str(e["status"]) == "CANCELLED"
    ]


async def _until_ics(app, user_id: str, ok, timeout: float = 20) -> Calendar:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        calendar = await _ics_of(app, user_id)
        if ok(calendar):
            return calendar
        assert loop.time() < deadline, "the updated .ics was not sent"
        await asyncio.sleep(0.1)


async def test_twelve_places_nine_suitable_rounds_and_concurrent_acceptances(world):
    alice, coordinator, people, room, network, config = await _setup(
        world, 11, pings_per_slot=3, round_share=0.3, round_minimum=4, escalate_after="2h"
    )
    near, far = people[:9], people[9:]
    await _directory(config, [(p, "Paris") for p in near] + [(p, "Lyon") for p in far])
    clock = FrozenClock(datetime.now(UTC))
    app = await world.start_bot(config, clock=clock)
    bot_id = config.matrix.user_id

    await alice.send(
        room,
        "Bonjour, il nous faudrait 12 facilitateurs pour un séminaire le 11 mars 2027 de 9h à "
        "12h à Bercy, 200 participants.",
    )
    short = await alice.wait_for_message(
        lambda m: "ne pourront pas être pourvues" in body_of(m), room_id=room, sender=bot_id
    )
    assert "9 personne(s) qui conviennent pour 12 places ; 3 place(s)" in body_of(short)
    await coordinator.wait_for_message(
        lambda m: body_of(m).startswith("Demande #1 : 12 places demandées, 9 personne(s)"),
        sender=bot_id,
    )
    await _until_pings(app, 4)  # round 1: the cap (4), not 12 places × 3
    clock.advance(timedelta(hours=2, minutes=1))
    await app._run_due_jobs()
    await _until_pings(app, 8)
    assert await _rounds(app) == [1, 1, 1, 1, 2, 2, 2, 2]

    for person in near:
        await person.wait_joined(network)
    sent = await asyncio.gather(*(p.send(network, "!accepte 1") for p in near))
    for person, event_id in zip(near, sent, strict=True):
        await person.wait_for_message(
            lambda m, e=event_id: thread_of(m) == e, room_id=network, sender=bot_id, timeout=30
        )
    assert len(await app.store.missions.accepted(1)) == 9
    assert (await app.store.requests.get(1)).state == "partiellement pourvue"
    # Nobody in Lyon was asked for an on-site seminar in Paris.
    assert not {p.facilitator for p in await app.store.missions.pings(1)} & {p.user_id for p in far}


async def _until_pings(app, count: int, timeout: float = 30) -> None:
    """Wait until `count` pings of request 1 are recorded."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(await app.store.missions.pings(1)) < count:
        assert loop.time() < deadline, f"fewer than {count} pings"
        await asyncio.sleep(0.1)


async def _rounds(app) -> list[int]:
    return [p.round for p in await app.store.missions.pings(1)]


async def test_a_withdrawal_promotes_the_first_in_reserve_and_pings_nobody(world):
    alice, _, people, room, network, config = await _setup(world, 5, pings_per_slot=1)
    await _directory(config, [(p, "Paris") for p in people])
    app = await world.start_bot(config)
    bot_id = config.matrix.user_id
    a, b, c, d, e = people

    request_event = await alice.send(
        room,
        "Bonjour, on cherche 2 facilitateurs pour un séminaire le 18 mars 2027 de 9h à 12h30 "
        "à Bercy, une trentaine de participants.",
    )
    await a.wait_for_message(lambda m: "!accepte 1" in body_of(m), room_id=network, sender=bot_id)
    for person in (a, b):
        asked = await person.send(network, "!accepte 1")
        await person.wait_for_message(
            lambda m, x=asked: thread_of(m) == x, room_id=network, sender=bot_id
        )
    # Two more: offered a place in reserve; one by command, one by ✅ on the offer.
    asked = await c.send(network, "!accepte 1")
    await c.wait_for_message(
        lambda m: thread_of(m) == asked and "Voulez-vous une place en réserve" in body_of(m),
        room_id=network,
        sender=bot_id,
    )
    await c.send(network, "!reserve 1")
    await c.wait_for_message(
        lambda m: "vous êtes en réserve sur la demande #1 (position 1)" in body_of(m),
        room_id=network,
        sender=bot_id,
    )
    asked = await d.send(network, "!accepte 1")
    offer = await d.wait_for_message(
        lambda m: thread_of(m) == asked and "Voulez-vous une place en réserve" in body_of(m),
        room_id=network,
        sender=bot_id,
    )
    await d.react(network, offer["event_id"], "✅")
    await d.wait_for_message(
        lambda m: "vous êtes en réserve sur la demande #1 (position 2)" in body_of(m),
        room_id=network,
        sender=bot_id,
    )
    assert (await app.store.requests.get(1)).reserve == (c.user_id, d.user_id)
    card = await alice.wait_for_message(
        lambda m: "En réserve : 2 personnes" in str(m["content"]), room_id=room, sender=bot_id
    )
    assert thread_of(card) == request_event or card["content"].get("m.new_content")
    pings_before = [p.facilitator for p in await app.store.missions.pings(1)]

    await a.send(network, "!desiste 1")
    await c.wait_for_message(
        lambda m: "Une place s'est libérée sur la demande #1 : elle est pour vous" in body_of(m),
        sender=bot_id,
    )
    told = await alice.wait_for_message(
        lambda m: "qui était en réserve, la prend (2/2)" in body_of(m), room_id=room, sender=bot_id
    )
    assert a.name in body_of(told) and c.name in body_of(told)
    assert await app.store.missions.accepted(1) == [b.user_id, c.user_id]
    assert (await app.store.requests.get(1)).reserve == (d.user_id,)
    assert [p.facilitator for p in await app.store.missions.pings(1)] == pings_before
    assert not [m for m in e.messages(sender=bot_id) if e.user_id in str(m["content"])]

"""The staffing journey against a real Synapse: request → pings → acceptances → staffed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.domain.clock import FrozenClock
from bot.domain.profiles import Facilitator
from bot.matrix.decryption import thread_of
from bot.sandbox.people import Person, body_of, until
from storage.store import Store

REQUEST = (
    "Bonjour, on cherche 2 facilitateurs pour un séminaire le 12 mars 2027 de 9h à 12h30 "
    "à Bercy, une trentaine de participants."
)


async def _directory(config, people: list[tuple[Person, str, tuple[str, ...]]]) -> None:
    """Write the facilitator directory before the bot starts (as a roster import would)."""
    store = await Store.open(config.storage.database)
    try:
        for person, site, skills in people:
            region = "Île-de-France" if site == "Paris" else "Auvergne-Rhône-Alpes"
            await store.facilitators.upsert(
                Facilitator(person.user_id, person.name, site=site, region=region, skills=skills),
                at=datetime.now(UTC),
            )
    finally:
        await store.close()


def _from(bot_id: str, person: Person, text: str) -> list[dict]:
    return [m for m in person.messages(sender=bot_id) if text in body_of(m)]


async def test_request_pings_acceptance_staffed_status(world):
    alice = await world.person("Alice")
    coordinator = await world.person("Coordination")
    near = [await world.person(f"Facilitatrice {n}") for n in range(1, 4)]
    far = await world.person("Lyonnais")
    bot = await world.bot_account()
    room_id = await alice.create_room("Demandes", invite=[bot.user_id])
    network = await coordinator.create_room(
        "Réseau", invite=[bot.user_id, far.user_id, *(p.user_id for p in near)]
    )
    config = await world.config(
        rooms={"requests": [room_id], "facilitators": network},
        bot={"coordinators": [coordinator.user_id]},
        matching={"pings_per_slot": 2, "ping_in": "room"},
    )
    await _directory(
        config,
        [(p, "Paris", ("seminaire",)) for p in near] + [(far, "Lyon", ("seminaire",))],
    )
    app = await world.start_bot(config)
    bot_id = config.matrix.user_id

    request_event = await alice.send(room_id, REQUEST)
    pings = {}
    for person in near:
        pings[person.user_id] = await person.wait_for_message(
            lambda m, p=person: (
                "!accepte 1" in body_of(m)
                and m["content"].get("m.mentions") == {"user_ids": [p.user_id]}
            ),
            room_id=network,
            sender=bot_id,
            timeout=30,
        )
        ping = pings[person.user_id]
        assert ping["content"]["msgtype"] == "m.text"
        assert "Demande #1 — séminaire" in body_of(ping)
        assert person.user_id in ping["content"]["formatted_body"]
    card = await alice.wait_for_message(
        lambda m: thread_of(m) == request_event and "Demande #1 — séminaire" in body_of(m),
        room_id=room_id,
        sender=bot_id,
    )
    # The acknowledgment first: the pings go once it is sent.
    assert card["origin_server_ts"] <= min(p["origin_server_ts"] for p in pings.values())

    # First acceptance: a ✅ reaction on the ping.
    first, second, third = near
    await first.react(network, pings[first.user_id]["event_id"], "✅")
    told = await alice.wait_for_message(
        lambda m: "Bonne nouvelle pour la demande #1" in body_of(m), room_id=room_id, sender=bot_id
    )
    assert thread_of(told) == request_event
    assert told["content"]["msgtype"] == "m.text"
    assert told["content"]["m.mentions"] == {"user_ids": [alice.user_id]}
    assert "(1/2)" in body_of(told)

    # Second acceptance: the command.
    accepted = await second.send(network, "!accepte 1")
    staffed = await alice.wait_for_message(
        lambda m: "est pourvue" in body_of(m), room_id=room_id, sender=bot_id
    )
    assert f"{first.name} et {second.name}" in body_of(staffed)  # directory names
    confirmed = await second.wait_for_message(
        lambda m: thread_of(m) == accepted, room_id=network, sender=bot_id
    )
    assert body_of(confirmed).startswith("C'est noté : vous facilitez la demande #1")
    await _ics_sent(app, second.user_id)

    # The third's ping is edited to « pourvue »; accepting now gets a polite « complet ».
    edit = await third.wait_for_message(
        lambda m: (
            m["content"].get("m.relates_to", {}).get("event_id") == pings[third.user_id]["event_id"]
        ),
        room_id=network,
        sender=bot_id,
    )
    assert "pourvue" in edit["content"]["m.new_content"]["body"]
    late = await third.send(network, "!accepte 1")
    refused = await third.wait_for_message(
        lambda m: thread_of(m) == late, room_id=network, sender=bot_id
    )
    assert "déjà complète" in body_of(refused)

    # Status names those who accepted, and only them.
    await alice.send(room_id, "!statut 1", thread_root=request_event)
    status = await alice.wait_for_message(
        lambda m: "État : pourvue." in body_of(m), room_id=room_id, sender=bot_id
    )
    assert thread_of(status) == request_event
    assert f"Facilitation (2/2) : {first.name} et {second.name}." in body_of(status)
    assert third.user_id not in body_of(status)

    # The facilitator in Lyon was never pinged for an on-site seminar in Paris.
    assert not [m for m in far.messages(sender=bot_id) if far.user_id in str(m["content"])]
    assert await app.store.missions.accepted(1) == [first.user_id, second.user_id]
    assert (await app.store.requests.get(1)).state == "pourvue"


async def _ics_sent(app, user_id: str, timeout: float = 20) -> None:
    """Wait until the homeserver accepted the .ics file sent to a facilitator's DM."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        row = await app.store.db.fetchone(
            "SELECT content, event_id FROM outbox WHERE dm_user = ? AND attachment IS NOT NULL "
            "AND state = 'sent'",
            (user_id,),
        )
        if row is not None:
            assert '"msgtype": "m.file"' in row["content"] and row["event_id"]
            return
        assert loop.time() < deadline, "the .ics invitation was not sent"
        await asyncio.sleep(0.1)


async def test_twelve_simultaneous_acceptances_of_two_places_record_exactly_two(world):
    alice = await world.person("Alice")
    coordinator = await world.person("Coordination")
    facilitators = list(
        await asyncio.gather(*(world.person(f"Facilitateur {n}") for n in range(12)))
    )
    bot = await world.bot_account()
    requests_room = await alice.create_room("Demandes", invite=[bot.user_id])
    network = await coordinator.create_room(
        "Réseau", invite=[bot.user_id, *(f.user_id for f in facilitators)]
    )
    config = await world.config(
        rooms={"requests": [requests_room], "facilitators": network},
        bot={"coordinators": [coordinator.user_id]},
    )
    app = await world.start_bot(config)
    bot_id = config.matrix.user_id
    for person in facilitators:
        await person.wait_joined(network)
    await until(lambda: len(app.client.nio.rooms[network].users) == 14, timeout=30)

    await alice.send(requests_room, REQUEST)
    await alice.wait_for_message(
        lambda m: body_of(m).startswith("Demande #1"), room_id=requests_room, sender=bot_id
    )
    sent = await asyncio.gather(*(f.send(network, "!accepte 1") for f in facilitators))

    answers = []
    for person, event_id in zip(facilitators, sent, strict=True):
        answers.append(
            await person.wait_for_message(
                lambda m, e=event_id: thread_of(m) == e, room_id=network, sender=bot_id, timeout=30
            )
        )
    accepted = [a for a in answers if body_of(a).startswith("C'est noté")]
    full = [a for a in answers if "déjà complète" in body_of(a)]
    assert len(accepted) == 2
    assert len(full) == 10
    assert len(await app.store.missions.accepted(1)) == 2
    assert (await app.store.requests.get(1)).state == "pourvue"


async def test_escalation_driven_by_an_injected_clock(world):
    alice = await world.person("Alice")
    coordinator = await world.person("Coordination")
    first, second = await world.person("Premiere"), await world.person("Seconde")
    bot = await world.bot_account()
    room_id = await alice.create_room("Demandes", invite=[bot.user_id])
    network = await coordinator.create_room(
        "Réseau", invite=[bot.user_id, first.user_id, second.user_id]
    )
    config = await world.config(
        rooms={"requests": [room_id], "facilitators": network},
        bot={"coordinators": [coordinator.user_id]},
        matching={"pings_per_slot": 1, "ping_in": "room", "escalate_after": "2h"},
    )
    # The first one is the better candidate (the skill), so the first round pings her only.
    await _directory(config, [(first, "Paris", ("atelier",)), (second, "Paris", ())])
    clock = FrozenClock(datetime.now(UTC))
    app = await world.start_bot(config, clock=clock)
    bot_id = config.matrix.user_id

    await alice.send(
        room_id, "Un facilitateur pour un atelier le 12 mars 2027 de 14h à 16h à Bercy"
    )
    await first.wait_for_message(
        lambda m: "!accepte 1" in body_of(m), room_id=network, sender=bot_id
    )
    assert [p.facilitator for p in await app.store.missions.pings(1)] == [first.user_id]

    clock.advance(timedelta(hours=1))
    await app._run_due_jobs()
    assert len(await app.store.missions.pings(1)) == 1  # not yet

    clock.advance(timedelta(hours=1, minutes=1))
    await app._run_due_jobs()
    ping = await second.wait_for_message(
        lambda m: (
            "!accepte 1" in body_of(m)
            and m["content"].get("m.mentions") == {"user_ids": [second.user_id]}
        ),
        room_id=network,
        sender=bot_id,
    )
    assert "Demande #1 — atelier" in body_of(ping)
    told = await coordinator.wait_for_message(
        lambda m: "toujours pas pourvue" in body_of(m), sender=bot_id
    )
    assert told["content"]["msgtype"] == "m.text"  # in the coordinator's encrypted DM

    # Nobody left at the next escalation: the coordinators hear why.
    clock.advance(timedelta(hours=2, minutes=1))
    await app._run_due_jobs()
    await coordinator.wait_for_message(
        lambda m: "tout le monde a déjà été sollicité" in body_of(m), sender=bot_id
    )
    assert coordinator.undecryptable == []

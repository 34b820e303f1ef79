"""The mission's room against a real Synapse: staffed → a private encrypted room with the
right members → the steps → the retour; withdrawals, nudges, a lost answer from the
homeserver, and the referents who qualify."""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.clock import FrozenClock
from bot.domain.profiles import Facilitator
from bot.matrix.client import ROOM_TAG
from bot.matrix.decryption import thread_of
from bot.sandbox.people import Person, body_of, until
from storage.store import Store

PARIS = ZoneInfo("Europe/Paris")
# Monday 1 February 2027, 10:00 in Paris: the mission is on Friday 12 March.
START = datetime(2027, 2, 1, 10, 0, tzinfo=PARIS)
REQUEST = "On cherche 2 facilitateurs pour un séminaire le 12 mars 2027 de 9h à 12h à Bercy."


async def _directory(config, people: list[Person], region: str = "Île-de-France") -> None:
    store = await Store.open(config.storage.database)
    try:
        for person in people:
            await store.facilitators.upsert(
                Facilitator(
                    person.user_id, person.name, site="Paris", region=region, skills=("seminaire",)
                ),
                at=datetime.now(UTC),
            )
    finally:
        await store.close()


async def _setup(world, facilitators: int, **sections):
    alice = await world.person("Alice Demandeuse")
    coordinator = await world.person("Claire Coord")
    people = [await world.person(f"Fac {n}") for n in range(1, facilitators + 1)]
    bot = await world.bot_account()
    requests = await alice.create_room("Demandes", invite=[bot.user_id])
    network = await coordinator.create_room(
        "Réseau", invite=[bot.user_id, *(p.user_id for p in people)]
    )
    config = await world.config(
        rooms={"requests": [requests], "facilitators": network},
        bot={"coordinators": [coordinator.user_id]},
        matching={"pings_per_slot": 3, "ping_in": "room"},
        **sections,
    )
    await _directory(config, people)
    return alice, coordinator, people, requests, network, config


async def _mission_room(app, request_id: int, timeout: float = 30) -> str:
    """The mission's room, once the sender has created it."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        room = await app.store.mission_rooms.get(request_id)
        if room is not None and room.room_id:
            return room.room_id
        assert asyncio.get_running_loop().time() < deadline, "no mission room"
        await asyncio.sleep(0.1)


def _said(person: Person, room_id: str, bot_id: str, text: str) -> list[dict]:
    return [m for m in person.messages(room_id, bot_id) if text in body_of(m)]


async def _members(app, room_id: str) -> set[str]:
    response = await app.client.nio.joined_members(room_id)
    return {m.user_id for m in response.members}


async def _tagged_rooms(app, tag: str) -> list[str]:
    rooms = (await app.client.nio.joined_rooms()).rooms
    found = []
    for room_id in rooms:
        state = await app.client.nio.room_get_state_event(room_id, ROOM_TAG, "")
        if getattr(state, "content", {}).get("key") == tag:
            found.append(room_id)
    return found


async def test_mission_room_from_staffing_to_the_retour(world):
    alice, coordinator, (fac1, fac2, fac3), requests, network, config = await _setup(world, 3)
    clock = FrozenClock(START)
    app = await world.start_bot(config, clock=clock)
    bot_id = config.matrix.user_id

    await alice.send(requests, REQUEST)
    await fac1.wait_for_message(lambda m: "!accepte 1" in body_of(m), room_id=network)
    await fac1.send(network, "!accepte 1")
    room_id = await _mission_room(app, 1)

    # The requester and the first facilitator are invited and join; the room is encrypted.
    welcome = await fac1.wait_for_message(
        lambda m: "Bienvenue dans la salle de la mission #1" in body_of(m),
        room_id=room_id,
        sender=bot_id,
        timeout=30,
    )
    assert fac1.was_encrypted(welcome)
    assert "Demande #1 — séminaire" in body_of(welcome)
    await alice.wait_member(room_id, alice.user_id)
    assert alice.client.rooms[room_id].encrypted
    assert fac1.client.rooms[room_id].name == "Mission #1 — séminaire du vendredi 12 mars 2027"
    assert await _members(app, room_id) == {bot_id, alice.user_id, fac1.user_id}

    # A later acceptance is invited.
    await fac2.send(network, "!accepte 1")
    await fac2.wait_for_message(
        lambda m: "rejoint la mission #1" in body_of(m), room_id=room_id, sender=bot_id, timeout=30
    )

    # The steps, without numbers.
    await fac1.send(room_id, "!cadrage le 15 février à 14h")
    await fac1.wait_for_message(
        lambda m: "Cadrage de la mission #1 prévu le lundi 15 février 2027 à 14h00" in body_of(m),
        room_id=room_id,
        sender=bot_id,
    )
    ics = await alice.wait_for_message(
        lambda m: m["content"].get("msgtype") == "m.file", room_id=room_id, sender=bot_id
    )
    assert body_of(ics) == "cadrage-1.ics"
    # The scoping meeting's reminder, an hour before.
    clock.set(datetime(2027, 2, 15, 13, 0, 30, tzinfo=PARIS))
    await app._run_due_jobs()
    await alice.wait_for_message(
        lambda m: "Rappel : le cadrage de la mission #1" in body_of(m), room_id=room_id
    )
    await fac2.send(room_id, "!cadrage fait objectifs clarifiés avec l'équipe")
    await fac2.wait_for_message(
        lambda m: "Cadrage de la mission #1 : fait" in body_of(m), room_id=room_id, sender=bot_id
    )
    await alice.send(room_id, "!fiche objectif aligner l'équipe sur la feuille de route")
    await alice.send(room_id, "!fiche livrables un plan d'action")
    await alice.wait_for_message(
        lambda m: "Livrables attendus : c'est noté" in body_of(m), room_id=room_id, sender=bot_id
    )

    # The déroulé, in reply to a file shared in the room; the requester approves it.
    shared = await fac1.share_file(room_id, "deroule-seminaire.pdf")
    await fac1.send(room_id, "!deroule", reply_to=shared)
    await alice.wait_for_message(
        lambda m: "fichier « deroule-seminaire.pdf »" in body_of(m), room_id=room_id, sender=bot_id
    )
    await alice.send(room_id, "!valide")
    await alice.wait_for_message(
        lambda m: "Déroulé de la mission #1 validé par" in body_of(m),
        room_id=room_id,
        sender=bot_id,
    )
    steps_asked = await alice.send(room_id, "!etapes")
    steps = await alice.wait_for_message(
        lambda m: (
            "Les étapes de la mission #1" in body_of(m)
            and m["content"].get("m.relates_to", {}).get("m.in_reply_to", {}).get("event_id")
            == steps_asked
        ),
        room_id=room_id,
        sender=bot_id,
    )
    text = body_of(steps)
    assert "✅ Cadrage — fait le" in text
    assert "✅ Qualification" in text
    assert "✅ Déroulé" in text
    assert "⬜ Facilitation" in text

    # A withdrawal removes the person with a reason; the next acceptance is invited.
    await fac2.send(network, "!desiste 1")
    await until(lambda: fac2.user_id not in app.client.nio.rooms[room_id].users, timeout=30)
    await alice.wait_for_message(
        lambda m: "n'est plus sur la mission (a rendu sa place" in body_of(m),
        room_id=room_id,
        sender=bot_id,
    )
    await fac3.send(network, "!accepte 1")
    await fac3.wait_for_message(
        lambda m: "rejoint la mission #1" in body_of(m), room_id=room_id, sender=bot_id, timeout=30
    )
    assert await _members(app, room_id) == {bot_id, alice.user_id, fac1.user_id, fac3.user_id}

    # The event, then the retour in the room.
    clock.set(datetime(2027, 3, 13, 12, 5, tzinfo=PARIS))
    await app._run_due_jobs()
    await alice.wait_for_message(
        lambda m: "!avis 1 4" in body_of(m), room_id=room_id, sender=bot_id, timeout=30
    )
    await fac1.wait_for_message(lambda m: "!debrief" in body_of(m), room_id=room_id, sender=bot_id)
    await fac1.send(room_id, "!restitution https://nuage.example/restitution-seminaire")
    await alice.send(room_id, "!avis 1 5 très bonne séance")
    await fac1.send(room_id, "!debrief séminaire de 3h, bonne énergie, 6h de préparation")
    await coordinator.send(network, "!cloture 1")
    await alice.wait_for_message(
        lambda m: "La mission #1 est close" in body_of(m), room_id=room_id, sender=bot_id
    )
    await fac3.send(room_id, "!debrief co-animation, 4h en tout")
    await alice.wait_for_message(
        lambda m: "Le retour de la mission #1 est complet" in body_of(m),
        room_id=room_id,
        sender=bot_id,
        timeout=30,
    )
    await until(lambda: room_id not in app.rooms.mission_rooms, timeout=30)
    debriefs = await app.store.mission_rooms.debriefs(1)
    assert set(debriefs) == {fac1.user_id, fac3.user_id}
    assert await _tagged_rooms(app, "mission:1") == []  # left: the bot is no longer in it
    assert alice.undecryptable == [] and fac1.undecryptable == []


async def test_nudges_fire_once_and_stop_when_the_step_is_done(world):
    alice, _coordinator, (fac1,), requests, network, config = await _setup(world, 1)
    clock = FrozenClock(START)
    app = await world.start_bot(config, clock=clock)
    bot_id = config.matrix.user_id
    await alice.send(requests, REQUEST.replace("2 facilitateurs", "un facilitateur"))
    await fac1.wait_for_message(lambda m: "!accepte 1" in body_of(m), room_id=network)
    await fac1.send(network, "!accepte 1")
    room_id = await _mission_room(app, 1)
    await fac1.wait_member(room_id, fac1.user_id)

    # 10 working days before Friday 12 March 2027 is Friday 26 February, 9:00.
    clock.set(datetime(2027, 2, 26, 9, 0, 30, tzinfo=PARIS))
    await app._run_due_jobs()
    nudge = await fac1.wait_for_message(
        lambda m: "son cadrage n'est pas encore prévu" in body_of(m), room_id=room_id, timeout=30
    )
    assert nudge["content"]["m.mentions"] == {"user_ids": [fac1.user_id]}
    clock.advance(timedelta(hours=1))
    await app._run_due_jobs()

    # The déroulé is shared before its nudge (5 working days before: Friday 5 March).
    await fac1.send(room_id, "!deroule https://nuage.example/deroule")
    await fac1.wait_for_message(lambda m: "Déroulé de la mission #1 partagé" in body_of(m))
    clock.set(datetime(2027, 3, 5, 9, 0, 30, tzinfo=PARIS))
    await app._run_due_jobs()
    await fac1.send(room_id, "!etapes")
    await fac1.wait_for_message(lambda m: "Les étapes de la mission #1" in body_of(m))
    assert len(_said(fac1, room_id, bot_id, "son cadrage n'est pas encore prévu")) == 1
    assert _said(fac1, room_id, bot_id, "son déroulé n'est pas encore partagé") == []
    kinds = {j.kind: j.state for j in await app.store.jobs.for_target("request:1")}
    assert kinds["nudge_cadrage"] == "sent"
    assert kinds["nudge_deroule"] == "cancelled"


async def test_a_lost_answer_to_the_room_creation_makes_no_second_room(world):
    """The homeserver created the room but its answer was lost: the retry finds it."""
    alice, _coordinator, (fac1,), requests, network, config = await _setup(world, 1)
    app = await world.start_bot(config)
    client = app.client
    original = client.create_private_room
    calls = []

    async def create_then_lose_the_answer(name: str, topic: str, *, tag: str) -> str:
        calls.append(tag)
        room_id = await original(name, topic, tag=tag)
        if len(calls) == 1:
            raise TimeoutError("the answer was lost")
        return room_id

    client.create_private_room = create_then_lose_the_answer  # type: ignore[method-assign]
    await alice.send(requests, REQUEST.replace("2 facilitateurs", "un facilitateur"))
    await fac1.wait_for_message(lambda m: "!accepte 1" in body_of(m), room_id=network)
    await fac1.send(network, "!accepte 1")
    room_id = await _mission_room(app, 1)
    await fac1.wait_for_message(
        lambda m: "Bienvenue dans la salle de la mission #1" in body_of(m),
        room_id=room_id,
        timeout=30,
    )
    assert calls == ["mission:1"]  # asked once: the retry found the room by its tag
    assert await _tagged_rooms(app, "mission:1") == [room_id]


async def test_referents_qualify_orient_and_late_requests_reach_the_coordinators(world):
    referent = await world.person("Rémi Référent")
    alice, coordinator, (fac1,), requests, network, config = await _setup(
        world,
        1,
        workflow={"qualification": "referents"},
        referents={"Île-de-France": [referent.user_id]},
    )
    clock = FrozenClock(START)
    app = await world.start_bot(config, clock=clock)
    bot_id = config.matrix.user_id

    # A request in Paris goes to the referent; its author is told.
    await alice.send(requests, REQUEST.replace("2 facilitateurs", "un facilitateur"))
    dm = await referent.wait_for_message(
        lambda m: "Demande #1 à qualifier (Île-de-France)" in body_of(m), sender=bot_id
    )
    assert "!qualifie 1" in body_of(dm)
    await alice.wait_for_message(
        lambda m: "référente de votre région va prendre contact" in body_of(m), room_id=requests
    )
    assert await app.store.missions.pings(1) == []
    await coordinator.send(network, "!statut 1")
    await coordinator.wait_for_message(lambda m: "Étape : à qualifier." in body_of(m))
    await referent.send(_dm_of(referent, bot_id), "!qualifie 1 atelier")
    await fac1.wait_for_message(
        lambda m: "!accepte 1" in body_of(m) and "atelier" in body_of(m), room_id=network
    )
    await alice.wait_for_message(lambda m: "a qualifié la demande #1" in body_of(m))

    # Another is oriented away: it closes with the referent's text for its author.
    await alice.send(
        requests, "Un facilitateur pour un atelier le 19 mars 2027 de 14h à 16h à Bercy"
    )
    await referent.wait_for_message(lambda m: "Demande #2 à qualifier" in body_of(m))
    await referent.send(
        _dm_of(referent, bot_id),
        "!oriente 2 un coaching d'équipe conviendra mieux, je vous appelle",
    )
    await alice.wait_for_message(
        lambda m: "a orienté la demande #2 : « un coaching d'équipe conviendra mieux" in body_of(m)
    )
    assert (await app.store.requests.get(2)).state == "annulee"

    # A region without referents goes to the coordinators, who are told when it waits.
    await alice.send(
        requests, "Un facilitateur pour un atelier le 24 mars 2027 de 14h à 16h à Lyon"
    )
    await coordinator.wait_for_message(lambda m: "Demande #3 à qualifier (Auvergne" in body_of(m))
    await coordinator.send(network, "!demandes à qualifier")
    listed = await coordinator.wait_for_message(lambda m: "Demandes à qualifier (1)" in body_of(m))
    assert "#3" in body_of(listed)
    clock.set(datetime(2027, 2, 3, 10, 1, tzinfo=PARIS))  # two working days later
    await app._run_due_jobs()
    await coordinator.wait_for_message(
        lambda m: "La demande #3 attend d'être qualifiée depuis 2 jours ouvrés" in body_of(m)
    )
    assert not any("#1 attend" in body_of(m) for m in coordinator.messages(sender=bot_id))


def _dm_of(person: Person, bot_id: str) -> str:
    """The DM room the bot opened with this person."""
    for room_id, room in person.client.rooms.items():
        if set(room.users) == {person.user_id, bot_id}:
            return room_id
    raise AssertionError("no DM with the bot")


async def test_a_kill_in_the_middle_loses_nothing_and_makes_no_second_room(world, tmp_path):
    alice = await world.person("Alice Demandeuse")
    coordinator = await world.person("Claire Coord")
    fac1, fac2 = await world.person("Fac 1"), await world.person("Fac 2")
    bot = await world.bot_account()
    requests = await alice.create_room("Demandes", invite=[bot.user_id])
    network = await coordinator.create_room(
        "Réseau", invite=[bot.user_id, fac1.user_id, fac2.user_id]
    )
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        f'[matrix]\nhomeserver = "{world.synapse.url}"\nuser_id = "{bot.user_id}"\n'
        f'store_path = "store"\n[rooms]\nrequests = ["{requests}"]\nfacilitators = "{network}"\n'
        f'[bot]\ncoordinators = ["{coordinator.user_id}"]\n'
        f'[matching]\nping_in = "room"\n[storage]\ndatabase = "bot.sqlite3"\n',
        encoding="utf-8",
    )
    config = await world.config(storage={"database": str(tmp_path / "bot.sqlite3")})
    await _directory(config, [fac1, fac2])
    process = await _start(config_file, bot.password)
    try:
        await alice.wait_member(requests, bot.user_id)
        await _until_answering(alice, requests, bot.user_id)
        await alice.send(requests, REQUEST)
        await fac1.wait_for_message(
            lambda m: "!accepte 1" in body_of(m), room_id=network, timeout=60
        )
        await fac1.send(network, "!accepte 1")
        welcome = await alice.wait_for_message(
            lambda m: "Bienvenue dans la salle de la mission #1" in body_of(m), timeout=60
        )
        room_id = next(r for r, m in alice.events if m.get("event_id") == welcome["event_id"])
        process.send_signal(signal.SIGKILL)
        await process.wait()
        # Accepted while the bot is down: handled when it is back, in the same room.
        await fac2.send(network, "!accepte 1")
        process = await _start(config_file, bot.password)
        await fac2.wait_for_message(
            lambda m: "rejoint la mission #1" in body_of(m), room_id=room_id, timeout=90
        )
        await alice.wait_for_message(lambda m: "est pourvue" in body_of(m), room_id=requests)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 30)
    mission_rooms = [
        r for r, room in alice.client.rooms.items() if (room.name or "").startswith("Mission #1")
    ]
    assert mission_rooms == [room_id]
    assert len(_said(alice, room_id, bot.user_id, "Bienvenue dans la salle")) == 1
    assert len(_said(alice, room_id, bot.user_id, "Fac 2 rejoint la mission #1")) == 1


async def _until_answering(person, room_id: str, bot_id: str, timeout: float = 90) -> None:
    """Ask `!aide` until the bot answers: a message sent before its first sync ends is
    the past to it, and skipped."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        probe = await person.send(room_id, "!aide")
        try:
            await person.wait_for_message(
                lambda m, p=probe: thread_of(m) == p, room_id=room_id, sender=bot_id, timeout=10
            )
            return
        except TimeoutError:
            assert loop.time() < deadline, "the bot never answered"


async def _start(config_file, password: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        "--config",
        str(config_file),
        env={"FACILIBOT_PASSWORD": password, "PATH": "/usr/bin:/bin"},
        stderr=asyncio.subprocess.DEVNULL,
    )

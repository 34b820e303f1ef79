"""The foundation against a real Synapse: acknowledgment, commands, restarts, DMs."""

from __future__ import annotations

import asyncio
import json
import time

from nio import SyncResponse

from bot.matrix.decryption import thread_of
from bot.sandbox.people import body_of, until

REQUEST = (
    "Bonjour, on cherche 2 facilitateurs pour un séminaire le 12 mars de 9h à 12h30 "
    "à Bercy, une trentaine de participants, équipe RH de la DGFiP."
)


async def _room_with_bot(world, requester, **config_sections):
    bot = await world.bot_account()
    room_id = await requester.create_room("Demandes", invite=[bot.user_id])
    config = await world.config(rooms={"requests": [room_id]}, **config_sections)
    return room_id, config


async def test_request_is_acknowledged_in_its_thread(world):
    alice = await world.person("Alice Martin")
    room_id, config = await _room_with_bot(world, alice)
    app = await world.start_bot(config)

    event_id = await alice.send(room_id, REQUEST)
    answer = await alice.wait_for_message(
        lambda m: thread_of(m) == event_id, room_id=room_id, sender=config.matrix.user_id
    )

    assert body_of(answer).startswith("Demande #1 — séminaire")
    assert "12 mars" in body_of(answer) and "2 personnes pour faciliter" in body_of(answer)
    assert answer["content"]["msgtype"] == "m.notice"
    assert "<strong>Demande #1</strong>" in answer["content"]["formatted_body"]
    stored = await app.store.requests.get(1)
    assert stored is not None and stored.requester == alice.user_id
    assert stored.details.facilitators_needed == 2


async def test_unknown_command_and_help_get_answers(world):
    alice = await world.person("Alice")
    room_id, config = await _room_with_bot(world, alice)
    await world.start_bot(config)
    bot_id = config.matrix.user_id

    unknown = await alice.send(room_id, "!frobnique 3")
    answer = await alice.wait_for_message(
        lambda m: thread_of(m) == unknown, room_id=room_id, sender=bot_id
    )
    assert "Je ne connais pas la commande `!frobnique`" in body_of(answer)

    asked = await alice.send(room_id, "!help")
    help_text = await alice.wait_for_message(
        lambda m: thread_of(m) == asked, room_id=room_id, sender=bot_id
    )
    assert "!statut <numéro>" in body_of(help_text)
    assert "!assigne" not in body_of(help_text)


async def test_user_text_is_escaped_in_html(world):
    alice = await world.person("Alice")
    room_id, config = await _room_with_bot(world, alice)
    await world.start_bot(config)

    asked = await alice.send(room_id, "!statut <b>42</b>")
    answer = await alice.wait_for_message(
        lambda m: thread_of(m) == asked, room_id=room_id, sender=config.matrix.user_id
    )
    assert "<b>" not in answer["content"]["formatted_body"]
    assert "&lt;b&gt;" in answer["content"]["formatted_body"]


async def test_restart_answers_missed_messages_once_and_keeps_the_device(world):
    alice = await world.person("Alice")
    room_id, config = await _room_with_bot(world, alice)
    bot_id = config.matrix.user_id
    app = await world.start_bot(config)
    first = await alice.send(room_id, REQUEST)
    await alice.wait_for_message(lambda m: thread_of(m) == first, room_id=room_id, sender=bot_id)
    credentials = json.loads((config.matrix.store_path / "credentials.json").read_text())

    started = time.monotonic()
    await world.stop_bot(app)
    stop_seconds = time.monotonic() - started
    missed = await alice.send(
        room_id, "Besoin d'un facilitateur pour un atelier le 20 mars de 14h à 16h en visio."
    )
    app = await world.start_bot(config)
    answer = await alice.wait_for_message(
        lambda m: thread_of(m) == missed, room_id=room_id, sender=bot_id
    )
    assert body_of(answer).startswith("Demande #2")
    # Give a duplicate every chance to show up before counting.
    probe = await alice.send(room_id, "!demandes")
    await alice.wait_for_message(lambda m: thread_of(m) == probe, room_id=room_id, sender=bot_id)
    answers_to_first = [m for m in alice.messages(room_id, bot_id) if thread_of(m) == first]
    assert len(answers_to_first) == 1
    assert await app.store.requests.count() == 2
    again = json.loads((config.matrix.store_path / "credentials.json").read_text())
    assert again["device_id"] == credentials["device_id"]
    assert stop_seconds < 10


async def test_dialogue_asks_for_the_date_then_completes_the_card(world):
    alice = await world.person("Alice")
    room_id, config = await _room_with_bot(world, alice)
    bot_id = config.matrix.user_id
    await world.start_bot(config)

    request = await alice.send(
        room_id, "Bonjour, nous aimerions un atelier de co-construction à Lyon, une quinzaine."
    )
    card = await alice.wait_for_message(
        lambda m: thread_of(m) == request, room_id=room_id, sender=bot_id
    )
    assert "il me manque la date et l'heure de début" in body_of(card)

    await alice.send(room_id, "le 3 février de 14h à 17h", thread_root=request)
    edit = await alice.wait_for_message(
        lambda m: (
            m["content"].get("m.relates_to", {}).get("event_id") == card["event_id"]
            and m["content"]["m.relates_to"].get("rel_type") == "m.replace"
        ),
        room_id=room_id,
        sender=bot_id,
    )
    assert "février" in body_of(edit) and "14h00–17h00" in body_of(edit)
    assert "il me manque" not in body_of(edit)
    await alice.wait_for_message(
        lambda m: "est à jour" in body_of(m), room_id=room_id, sender=bot_id
    )


async def test_request_in_a_direct_message(world):
    alice = await world.person("Alice")
    bot = await world.bot_account()
    config = await world.config()
    await world.start_bot(config)
    dm = await alice.create_room("", invite=[bot.user_id], direct=True)

    await until(lambda: dm in alice.client.rooms and len(alice.client.rooms[dm].users) == 2)
    asked = await alice.send(dm, REQUEST)
    answer = await alice.wait_for_message(
        lambda m: (
            m["content"].get("m.relates_to", {}).get("m.in_reply_to", {}).get("event_id") == asked
        ),
        room_id=dm,
        sender=bot.user_id,
    )
    assert body_of(answer).startswith("Demande #1")

    await alice.send(dm, "bonjour !")
    hello = await alice.wait_for_message(
        lambda m: "Décrivez votre besoin" in body_of(m), room_id=dm, sender=bot.user_id
    )
    assert hello["content"]["msgtype"] == "m.notice"


async def test_edited_request_updates_its_card_in_place(world):
    alice = await world.person("Alice")
    room_id, config = await _room_with_bot(world, alice)
    bot_id = config.matrix.user_id
    await world.start_bot(config)

    request = await alice.send(room_id, REQUEST)
    card = await alice.wait_for_message(
        lambda m: thread_of(m) == request, room_id=room_id, sender=bot_id
    )
    await alice.send(room_id, REQUEST.replace("12 mars", "19 mars"), edit_of=request)
    edit = await alice.wait_for_message(
        lambda m: m["content"].get("m.relates_to", {}).get("event_id") == card["event_id"],
        room_id=room_id,
        sender=bot_id,
    )
    assert "vendredi 19 mars 2027" in body_of(edit)
    assert edit["content"]["m.new_content"]["msgtype"] == "m.notice"


async def test_read_receipts_and_typing_do_not_wake_the_bot(world):
    alice = await world.person("Alice")
    bob = await world.person("Bob")
    room_id, config = await _room_with_bot(world, alice)
    await alice.client.room_invite(room_id, bob.user_id)
    await bob.wait_joined(room_id)
    app = await world.start_bot(config)
    event_id = await alice.send(room_id, REQUEST)
    answer = await alice.wait_for_message(
        lambda m: thread_of(m) == event_id, room_id=room_id, sender=config.matrix.user_id
    )
    woken: list[set[str]] = []
    note_sync = app.client.note_sync

    def synced(response: SyncResponse) -> set[str]:
        woken.append(set(response.rooms.join))
        return note_sync(response)

    app.client.note_sync = synced  # every sync the bot's long-poll brings
    await asyncio.sleep(1)  # the bot's own answer comes back first
    woken.clear()
    # What Element does as people read the room: receipts, a read marker, typing.
    for person in (alice, bob):
        await person.client.room_read_markers(room_id, answer["event_id"], answer["event_id"])
        await person.client.room_typing(room_id, True, timeout=3000)
    await asyncio.sleep(2)
    assert woken == []
    await bob.send(room_id, "Merci pour la réactivité !")
    await until(lambda: any(room_id in rooms for rooms in woken), timeout=20)

"""End-to-end encryption as on Tchap: encrypted rooms and DMs, both ways, across restarts."""

from __future__ import annotations

from bot.people import body_of, thread_of, until

REQUEST = (
    "Bonjour, on cherche 2 facilitateurs pour un séminaire le 12 mars de 9h à 12h30 "
    "à Bercy, une trentaine de participants, équipe RH de la DGFiP."
)


async def test_request_in_an_encrypted_room_is_answered_encrypted(world):
    alice = await world.person("Alice Martin")
    bot = await world.bot_account()
    room_id = await alice.create_room("Demandes", invite=[bot.user_id], encrypted=True)
    config = await world.config(rooms={"requests": [room_id]})
    app = await world.start_bot(config)

    asked = await alice.send(room_id, REQUEST)
    answer = await alice.wait_for_message(
        lambda m: thread_of(m) == asked, room_id=room_id, sender=bot.user_id
    )
    assert body_of(answer).startswith("Demande #1 — séminaire")
    assert alice.was_encrypted(answer)
    assert alice.undecryptable == []
    assert app.client.nio.rooms[room_id].encrypted


def _replies_to(event_id):
    return lambda m: (
        m["content"].get("m.relates_to", {}).get("m.in_reply_to", {}).get("event_id") == event_id
    )


async def test_request_in_an_encrypted_dm_is_answered_encrypted(world):
    alice = await world.person("Alice")
    bot = await world.bot_account()
    config = await world.config()
    await world.start_bot(config)
    dm = await alice.create_room("", invite=[bot.user_id], direct=True, encrypted=True)

    await until(lambda: dm in alice.client.rooms and len(alice.client.rooms[dm].users) == 2)
    asked = await alice.send(dm, REQUEST)
    answer = await alice.wait_for_message(_replies_to(asked), room_id=dm, sender=bot.user_id)
    assert body_of(answer).startswith("Demande #1")
    assert alice.was_encrypted(answer)
    assert alice.undecryptable == []


async def test_dm_created_by_the_bot_is_encrypted_and_readable(world):
    from bot.content import Rendered
    from handlers.chat import OutboxChat

    claire = await world.person("Claire")
    config = await world.config()
    app = await world.start_bot(config)

    async with app.store.db.transaction():
        chat = OutboxChat(app.store.outbox, app.clock)
        await chat.dm(claire.user_id, Rendered.text("Bonjour, une mission pour vous ?"), key="t:1")
    app.sender.wake()
    ping = await claire.wait_for_message(lambda m: "mission" in body_of(m), sender=app.client.user_id)
    dm = await app.store.state.dm_room(claire.user_id)
    assert dm is not None and claire.client.rooms[dm].encrypted
    assert claire.was_encrypted(ping)
    assert claire.undecryptable == []


async def test_after_a_restart_the_bot_still_decrypts_and_is_still_readable(world):
    alice = await world.person("Alice")
    bot = await world.bot_account()
    room_id = await alice.create_room("Demandes", invite=[bot.user_id], encrypted=True)
    config = await world.config(rooms={"requests": [room_id]})
    app = await world.start_bot(config)
    first = await alice.send(room_id, REQUEST)
    await alice.wait_for_message(lambda m: thread_of(m) == first, sender=bot.user_id)
    device = app.client.nio.device_id

    await world.stop_bot(app)
    # Sent while the bot is down, with the same Megolm session as before.
    missed = await alice.send(room_id, "!aide")
    app = await world.start_bot(config)
    assert app.client.nio.device_id == device
    answer = await alice.wait_for_message(lambda m: thread_of(m) == missed, sender=bot.user_id)
    assert "!statut" in body_of(answer)
    after = await alice.send(room_id, "!demandes")
    listing = await alice.wait_for_message(lambda m: thread_of(m) == after, sender=bot.user_id)
    assert alice.was_encrypted(answer) and alice.was_encrypted(listing)
    assert alice.undecryptable == []

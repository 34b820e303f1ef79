"""End-to-end encryption as on Tchap: encrypted rooms and DMs, both ways, across restarts."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from bot.domain.clock import FrozenClock, SystemClock
from bot.matrix.decryption import thread_of
from bot.sandbox.people import body_of, until

REQUEST = (
    "Bonjour, on cherche 2 facilitateurs pour un séminaire le 12 mars de 9h à 12h30 "
    "à Bercy, une trentaine de participants, équipe RH de la DGFiP."
)


async def test_request_in_an_encrypted_room_is_answered_encrypted(world, caplog):
    caplog.set_level(logging.INFO)
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
    # Reactions are encrypted too, as Element sends them, and reach the dispatcher.
    reaction = await alice.react(room_id, answer["event_id"], "✅")
    await _eventually(lambda: app.store.state.is_handled(reaction))
    assert await app.store.undecryptable.waiting() == []
    # Decrypted text is logged at DEBUG at most.
    logged = [r.getMessage() for r in caplog.records if r.levelno > logging.DEBUG]
    assert logged and not any("séminaire" in line or "DGFiP" in line for line in logged)


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
    from bot.domain.content import Rendered
    from handlers.core.chat import OutboxChat

    claire = await world.person("Claire")
    config = await world.config()
    app = await world.start_bot(config)

    async with app.store.db.transaction():
        chat = OutboxChat(app.store.outbox, app.clock)
        await chat.dm(claire.user_id, Rendered.text("Bonjour, une mission pour vous ?"), key="t:1")
    app.sender.wake()
    ping = await claire.wait_for_message(
        lambda m: "mission" in body_of(m), sender=app.client.user_id
    )
    dm = await app.store.state.dm_room(claire.user_id)
    assert dm is not None and claire.client.rooms[dm].encrypted
    assert claire.was_encrypted(ping)

    # After a restart, the same DM, still encrypted, still readable.
    await world.stop_bot(app)
    app = await world.start_bot(config)
    async with app.store.db.transaction():
        chat = OutboxChat(app.store.outbox, app.clock)
        await chat.dm(claire.user_id, Rendered.text("Et une autre mission ?"), key="t:2")
    app.sender.wake()
    again = await claire.wait_for_message(
        lambda m: "autre mission" in body_of(m), room_id=dm, sender=app.client.user_id
    )
    assert claire.was_encrypted(again)
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

    identity = await _bot_identity(app)
    await world.stop_bot(app)
    # Sent while the bot is down, with the same Megolm session as before.
    missed = await alice.send(room_id, "!aide")
    app = await world.start_bot(config)
    assert app.client.nio.device_id == device
    assert await _bot_identity(app) == identity
    answer = await alice.wait_for_message(lambda m: thread_of(m) == missed, sender=bot.user_id)
    assert "!statut" in body_of(answer)
    after = await alice.send(room_id, "!demandes")
    listing = await alice.wait_for_message(lambda m: thread_of(m) == after, sender=bot.user_id)
    assert alice.was_encrypted(answer) and alice.was_encrypted(listing)
    assert alice.undecryptable == []


async def _eventually(check, timeout=20):
    """Wait until an async `check()` returns something truthy; return it."""
    deadline = time.monotonic() + timeout
    while not (found := await check()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout}s")
        await asyncio.sleep(0.05)
    return found


async def _encrypted_requests_room(world, **kwargs):
    alice = await world.person("Alice")
    bot = await world.bot_account()
    room_id = await alice.create_room("Demandes", invite=[bot.user_id], encrypted=True)
    config = await world.config(rooms={"requests": [room_id]})
    app = await world.start_bot(config, **kwargs)
    await until(lambda: len(alice.client.rooms[room_id].users) == 2)
    return alice, bot, room_id, app


async def test_a_message_whose_key_comes_late_is_answered_when_it_comes(world):
    alice, bot, room_id, app = await _encrypted_requests_room(world)

    asked, release = await alice.send_key_later(room_id, REQUEST)
    held = await _eventually(app.store.undecryptable.waiting)
    assert [w.event_id for w in held] == [asked]
    assert "ciphertext" in held[0].source["content"]

    # The bot stops while it waits; the key comes while it is down.
    config = app.config
    await world.stop_bot(app)
    await release()
    app = await world.start_bot(config)
    answer = await alice.wait_for_message(lambda m: thread_of(m) == asked, sender=bot.user_id)
    assert body_of(answer).startswith("Demande #1 — séminaire")
    assert await app.store.undecryptable.waiting() == []


async def test_a_key_that_never_comes_gets_one_polite_notice(world):
    clock = FrozenClock(SystemClock().now())
    alice, bot, room_id, app = await _encrypted_requests_room(world, clock=clock)

    lost, release = await alice.send_key_later(room_id, REQUEST)
    await _eventually(app.store.undecryptable.waiting)
    clock.advance(timedelta(minutes=6))
    # Any activity makes the bot's sync return, and the overdue check run.
    probe = await alice.send(room_id, "!aide")
    await alice.wait_for_message(lambda m: thread_of(m) == probe, sender=bot.user_id)
    notice = await alice.wait_for_message(lambda m: thread_of(m) == lost, sender=bot.user_id)
    assert "Pouvez-vous l'envoyer à nouveau" in body_of(notice)
    assert notice["content"]["msgtype"] == "m.notice"
    assert alice.was_encrypted(notice)

    clock.advance(timedelta(minutes=6))
    again = await alice.send(room_id, "!demandes")
    await alice.wait_for_message(lambda m: thread_of(m) == again, sender=bot.user_id)
    assert len([m for m in alice.messages(room_id, bot.user_id) if thread_of(m) == lost]) == 1

    # Nothing is lost: a key that comes after all still gets the message handled.
    await release()
    await alice.wait_for_message(
        lambda m: thread_of(m) == lost and body_of(m).startswith("Demande #1"),
        sender=bot.user_id,
    )


async def _published_devices(app, user_id):
    answer = await app.client.keys.query({user_id: []})
    return set(answer["device_keys"].get(user_id, {}))


async def _bot_identity(app):
    """The bot's published master key and the devices it cross-signs, once it signed one."""
    from bot.matrix.trust import cross_signed_devices

    user_id = app.client.user_id

    async def signed():
        answer = await app.client.keys.query({user_id: []})
        devices = cross_signed_devices(answer, user_id)
        if app.client.nio.device_id not in devices:
            return None
        return next(iter(answer["master_keys"][user_id]["keys"].values())), devices

    return await _eventually(signed)


async def test_a_lost_crypto_store_means_a_new_device_not_a_crash_loop(world):
    alice, bot, room_id, app = await _encrypted_requests_room(world)
    config = app.config
    first = await alice.send(room_id, "!aide")
    await alice.wait_for_message(lambda m: thread_of(m) == first, sender=bot.user_id)
    old_device = app.client.nio.device_id
    master, _ = await _bot_identity(app)
    await world.stop_bot(app)
    store_file = app.client.crypto_store_file(old_device)
    store_file.unlink()

    app = await world.start_bot(config)
    assert app.client.nio.device_id != old_device
    # The bot's cross-signing identity survives the store: the new device is vouched for.
    assert await _bot_identity(app) == (master, {app.client.nio.device_id})
    assert app.client.recovered_from == old_device
    assert list(config.matrix.store_path.glob(f"broken-{old_device}*"))
    assert await _published_devices(app, bot.user_id) == {app.client.nio.device_id}
    # Alice's client learns the new device and the bot reads and is read again.
    asked = await alice.send(room_id, "!demandes")
    answer = await alice.wait_for_message(lambda m: thread_of(m) == asked, sender=bot.user_id)
    assert alice.was_encrypted(answer)


async def test_a_corrupt_crypto_store_is_set_aside(world):
    alice, bot, room_id, app = await _encrypted_requests_room(world)
    config = app.config
    old_device = app.client.nio.device_id
    await world.stop_bot(app)
    app.client.crypto_store_file(old_device).write_bytes(b"not a database at all" * 100)

    app = await world.start_bot(config)
    assert app.client.recovered_from == old_device
    asked = await alice.send(room_id, "!aide")
    await alice.wait_for_message(lambda m: thread_of(m) == asked, sender=bot.user_id)


async def test_a_revoked_device_is_replaced(world):
    alice, bot, room_id, app = await _encrypted_requests_room(world)
    config = app.config
    old_device = app.client.nio.device_id
    await world.stop_bot(app)
    # Someone logged the bot's session out (from Element's session list, say).
    from nio import AsyncClient

    other = AsyncClient(world.synapse.url, bot.user_id)
    other.restore_login(bot.user_id, old_device, app.client.nio.access_token)
    await other.logout()
    await other.close()

    app = await world.start_bot(config)
    assert app.client.recovered_from == old_device
    asked = await alice.send(room_id, "!aide")
    await alice.wait_for_message(lambda m: thread_of(m) == asked, sender=bot.user_id)


async def test_without_a_password_a_lost_store_stops_the_bot_with_a_clear_message(world):
    from bot.app import App
    from bot.matrix.errors import CryptoStoreError

    bot = await world.bot_account()
    config = await world.config(matrix={"password": None, "access_token": bot.access_token})
    app = await world.start_bot(config)
    await world.stop_bot(app)
    app.client.crypto_store_file(bot.device_id).unlink()

    again = App(config)
    try:
        await again.start()
    except CryptoStoreError as exc:
        message = str(exc)
    else:
        await again.stop()
        raise AssertionError("the bot started on a store that is not its device's")
    assert "is missing" in message and "FACILIBOT_PASSWORD" in message


async def test_cross_signed_policy_keys_only_devices_their_owner_verified(world):
    alice = await world.person("Alice")
    bot = await world.bot_account()
    room_id = await alice.create_room("Demandes", invite=[bot.user_id], encrypted=True)
    config = await world.config(rooms={"requests": [room_id]}, matrix={"trust": "cross_signed"})
    app = await world.start_bot(config)
    await until(lambda: len(alice.client.rooms[room_id].users) == 2)

    # Alice's device is not cross-signed: the bot reads her, but she cannot read it.
    asked = await alice.send(room_id, "!aide")
    await until(lambda: len(alice.undecryptable) == 1)
    assert alice.messages(room_id, bot.user_id) == []
    assert await app.store.state.is_handled(asked)

    await alice.cross_sign_own_device()
    again = await alice.send(room_id, "!aide")
    answer = await alice.wait_for_message(lambda m: thread_of(m) == again, sender=bot.user_id)
    assert alice.was_encrypted(answer)


async def test_a_members_new_device_reads_the_bots_next_answers(world):
    from nio import AsyncClient, LoginResponse

    from bot.sandbox.homeserver import RegisteredUser
    from bot.sandbox.people import Person

    alice, bot, room_id, _app = await _encrypted_requests_room(world)
    first = await alice.send(room_id, "!aide")
    await alice.wait_for_message(lambda m: thread_of(m) == first, sender=bot.user_id)

    # Alice logs in on her laptop too.
    login = AsyncClient(world.synapse.url, alice.user_id)
    response = await login.login(alice.user.password, device_name="laptop")
    await login.close()
    assert isinstance(response, LoginResponse)
    laptop_user = RegisteredUser(
        alice.user_id, alice.user.password, response.access_token, response.device_id
    )
    laptop = Person(world.synapse.url, laptop_user, world.tmp / "laptop", "Alice (laptop)")
    await laptop.start()
    world.people.append(laptop)

    asked = await alice.send(room_id, "!demandes")
    answer = await laptop.wait_for_message(lambda m: thread_of(m) == asked, sender=bot.user_id)
    assert laptop.was_encrypted(answer)


async def test_staffing_journey_fully_encrypted(world):
    """Request in an encrypted room, pings in encrypted DMs, ✅ on a ping, staffed: readable
    everywhere, nothing undecryptable on either side, the .ics encrypted too."""
    from tests.integration.test_missions import _directory

    alice = await world.person("Alice")
    coordinator = await world.person("Coordination")
    near = [await world.person(f"Facilitatrice {n}") for n in (1, 2)]
    bot = await world.bot_account()
    room_id = await alice.create_room("Demandes", invite=[bot.user_id], encrypted=True)
    network = await coordinator.create_room(
        "Réseau", invite=[bot.user_id, *(p.user_id for p in near)], encrypted=True
    )
    config = await world.config(
        rooms={"requests": [room_id], "facilitators": network},
        bot={"coordinators": [coordinator.user_id]},
        matching={"pings_per_slot": 2, "ping_in": "dm"},
    )
    await _directory(config, [(p, "Paris", ("seminaire",)) for p in near])
    app = await world.start_bot(config)
    for person in near:
        await person.wait_joined(network)
    await until(lambda: len(app.client.nio.rooms[network].users) == 4, timeout=30)

    asked = await alice.send(
        room_id, "On cherche un facilitateur pour un séminaire le 12 mars 2027 de 9h à 12h à Bercy."
    )
    pings = [
        await person.wait_for_message(
            lambda m: "!accepte 1" in body_of(m), sender=bot.user_id, timeout=30
        )
        for person in near
    ]
    first = near[0]
    dm = await app.store.state.dm_room(first.user_id)
    assert all(p.was_encrypted(ping) for p, ping in zip(near, pings, strict=True))
    assert first.client.rooms[dm].encrypted

    await first.react(dm, pings[0]["event_id"], "✅")
    staffed = await alice.wait_for_message(
        lambda m: "est pourvue" in body_of(m), room_id=room_id, sender=bot.user_id
    )
    assert thread_of(staffed) == asked and alice.was_encrypted(staffed)
    invitation = await first.wait_for_message(
        lambda m: m["content"].get("msgtype") == "m.file", room_id=dm, sender=bot.user_id
    )
    assert "file" in invitation["content"] and "url" not in invitation["content"]
    assert first.was_encrypted(invitation)

    for person in (alice, *near):
        assert person.undecryptable == []
    assert await app.store.undecryptable.waiting() == []

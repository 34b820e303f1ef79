"""The bot carries on when its homeserver goes away, and finds rooms by alias."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import pytest

from bot.matrix.decryption import thread_of
from bot.sandbox.homeserver import Synapse
from bot.sandbox.people import body_of, until
from tests.integration.conftest import World


@pytest.fixture
async def own_synapse(tmp_path):
    """A homeserver this test may stop and restart."""
    server = Synapse(tmp_path / "synapse")
    await server.start()
    yield server
    await server.stop()


async def test_synapse_restart_under_the_bot(own_synapse, tmp_path):
    world = World(own_synapse, tmp_path)
    try:
        alice = await world.person("Alice")
        bot = await world.bot_account()
        room_id = await alice.create_room("Demandes", invite=[bot.user_id])
        config = await world.config(rooms={"requests": [room_id]})
        app = await world.start_bot(config)

        await own_synapse.restart()
        asked = await alice.send(room_id, "!aide")
        answer = await alice.wait_for_message(
            lambda m: thread_of(m) == asked, room_id=room_id, sender=bot.user_id, timeout=60
        )
        assert "!statut" in body_of(answer)
        assert app.sync.last_success is not None
    finally:
        await world.close()


async def test_configured_room_alias_is_resolved_and_joined(world):
    alice = await world.person("Alice")
    bot = await world.bot_account()
    response = await alice.client.room_create(alias="demandes-facilitation", invite=[bot.user_id])
    alias = f"#demandes-facilitation:{world.synapse.server_name}"
    config = await world.config(rooms={"requests": [alias]})
    app = await world.start_bot(config)
    assert app.request_rooms == {response.room_id}

    asked = await alice.send(response.room_id, "Un atelier le 4 mars de 10h à 12h à Bercy ?")
    answer = await alice.wait_for_message(
        lambda m: thread_of(m) == asked, room_id=response.room_id, sender=bot.user_id
    )
    assert body_of(answer).startswith("Demande #1 — atelier")


async def test_burst_while_down_fills_the_sync_gap(world):
    alice = await world.person("Alice")
    bot = await world.bot_account()
    room_id = await alice.create_room("Demandes", invite=[bot.user_id])
    config = await world.config(rooms={"requests": [room_id]})
    app = await world.start_bot(config)
    await world.stop_bot(app)

    # 200 requests, more than the sync timeline limit (100): the next sync is `limited`.
    sent: list[str] = []
    for chunk in range(0, 200, 25):
        sent += await asyncio.gather(
            *(
                # Each a distinct event (day and hour): the same one written again
                # would complete the first.
                alice.send(
                    room_id, f"Atelier le {1 + n % 28} mars 2027 à {8 + n // 28}h, Bercy ({n})"
                )
                for n in range(chunk, chunk + 25)
            )
        )
    app = await world.start_bot(config)

    def all_answered() -> bool:
        threads = {thread_of(m) for m in alice.messages(room_id, bot.user_id)}
        return all(event_id in threads for event_id in sent)

    await until(all_answered, timeout=120)
    cards = [
        thread_of(m)
        for m in alice.messages(room_id, bot.user_id)
        if body_of(m).startswith("Demande #")
    ]
    assert sorted(cards) == sorted(sent)  # 200 answered, each exactly once
    assert await app.store.requests.count() == 200


async def test_an_upgraded_requests_room_is_followed_across_a_restart(world):
    alice = await world.person("Alice")
    bot = await world.bot_account()
    old = await alice.create_room("Demandes", invite=[bot.user_id])
    config = await world.config(rooms={"requests": [old]})
    app = await world.start_bot(config)
    await alice.wait_member(old, bot.user_id)

    async with aiohttp.ClientSession() as http:
        response = await http.post(
            f"{world.synapse.url}/_matrix/client/v3/rooms/{old}/upgrade",
            json={"new_version": "10"},
            headers={"Authorization": f"Bearer {alice.user.access_token}"},
        )
        assert response.status == 200, await response.text()
        new = (await response.json())["replacement_room"]
    await alice.client.room_invite(new, bot.user_id)
    await until(lambda: new in app.request_rooms, timeout=30)
    assert old not in app.request_rooms

    await world.stop_bot(app)
    app = await world.start_bot(config)
    assert new in app.request_rooms
    await alice.wait_joined(new)
    asked = await alice.send(new, "!aide")
    answer = await alice.wait_for_message(
        lambda m: thread_of(m) == asked, room_id=new, sender=bot.user_id, timeout=30
    )
    assert "!statut" in body_of(answer)


async def test_a_rate_limited_bot_drops_nothing(tmp_path, caplog):
    """Synapse allows 2 messages a second: every request of a burst is still answered."""
    caplog.set_level(logging.WARNING, logger="nio")
    server = Synapse(tmp_path / "slow-synapse", messages_per_second=2)
    await server.start()
    world = World(server, tmp_path)
    try:
        alice = await world.person("Alice")
        bot = await world.bot_account()
        room_id = await alice.create_room("Demandes", invite=[bot.user_id])
        config = await world.config(rooms={"requests": [room_id]})
        app = await world.start_bot(config)
        await alice.wait_member(room_id, bot.user_id)
        sent = [
            await alice.send(room_id, f"Un atelier le {day} mars 2027 à 14h à Bercy")
            for day in range(1, 13)
        ]

        def answered() -> bool:
            threads = [thread_of(m) for m in alice.messages(room_id, bot.user_id)]
            return all(event_id in threads for event_id in sent)

        await until(answered, timeout=90)
        threads = [thread_of(m) for m in alice.messages(room_id, bot.user_id)]
        assert sorted(threads.count(e) for e in sent) == [1] * len(sent)
        assert await app.store.outbox.count("failed") == 0
        # The homeserver did push back (429 with retry_after_ms), and was waited for.
        assert any("Got 429" in r.getMessage() for r in caplog.records)
    finally:
        await world.close()
        await server.stop()
        server.cleanup()

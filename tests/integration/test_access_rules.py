"""Rooms the bot creates under Tchap's room access rules (`synapse-room-access-rules`,
loaded by a homeserver of our own as Tchap's homeservers load it): DMs stay `direct`,
mission rooms are `restricted`, and both work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sandbox.homeserver import Synapse
from bot.sandbox.people import body_of
from tests.integration.conftest import World
from tests.integration.test_mission_room import REQUEST, _directory, _mission_room

ACCESS_RULES = "im.vector.room.access_rules"

pytest.importorskip("room_access_rules", reason="synapse-room-access-rules is not installed")


@pytest.fixture(scope="module")
async def tchap_synapse() -> AsyncIterator[Synapse]:
    """A homeserver that enforces Tchap's room access rules."""
    server = Synapse(access_rules=True)
    await server.start()
    yield server
    await server.stop()
    server.cleanup()


@pytest.fixture
async def tchap(tchap_synapse: Synapse, tmp_path: Path) -> AsyncIterator[World]:
    world = World(tchap_synapse, tmp_path)
    yield world
    await world.close()


async def _rule(app, room_id: str) -> str | None:
    state = await app.client.nio.room_get_state_event(room_id, ACCESS_RULES, "")
    return getattr(state, "content", {}).get("rule")


async def test_dm_and_mission_room_under_the_access_rules(tchap):
    alice = await tchap.person("Alice Demandeuse")
    fac = await tchap.person("Fac Un")
    bot = await tchap.bot_account()
    requests = await alice.create_room("Demandes", invite=[bot.user_id])
    config = await tchap.config(rooms={"requests": [requests]}, matching={"ping_in": "dm"})
    await _directory(config, [fac])
    app = await tchap.start_bot(config)

    await alice.send(requests, REQUEST.replace("2 facilitateurs", "un facilitateur"))
    ping = await fac.wait_for_message(lambda m: "!accepte 1" in body_of(m), timeout=30)
    dm = next(r for r, m in fac.events if m.get("event_id") == ping["event_id"])
    assert fac.was_encrypted(ping)
    assert await _rule(app, dm) == "direct"

    await fac.send(dm, "!accepte 1")
    room_id = await _mission_room(app, 1)
    welcome = await alice.wait_for_message(
        lambda m: "Bienvenue dans la salle de la mission #1" in body_of(m),
        room_id=room_id,
        timeout=30,
    )
    assert alice.was_encrypted(welcome)
    assert await _rule(app, room_id) == "restricted"
    await fac.wait_member(room_id, fac.user_id)
    await fac.send(room_id, "!cadrage le 15 février 2027 à 14h")
    await fac.wait_for_message(lambda m: "Cadrage de la mission #1 prévu" in body_of(m))

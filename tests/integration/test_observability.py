"""The loopback listener against a real Synapse: /healthz and /metrics of a running bot."""

from __future__ import annotations

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot.matrix.decryption import thread_of
from bot.sandbox.homeserver import free_port
from bot.sandbox.people import until

REQUEST = "On cherche un facilitateur pour un atelier le 12 mars de 14h à 16h à Lyon."


async def _get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


def _value(text: str, name: str, **labels: str) -> float | None:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return None


async def test_healthz_and_metrics_follow_a_handled_request(world):
    alice = await world.person("Alice")
    bot = await world.bot_account()
    room_id = await alice.create_room("Demandes", invite=[bot.user_id])
    port = free_port()
    config = await world.config(
        rooms={"requests": [room_id]}, observability={"listen": f"127.0.0.1:{port}"}
    )
    app = await world.start_bot(config)
    base = f"http://127.0.0.1:{app.observability.port}"

    status, body = await _get(f"{base}/healthz")
    assert status == 200, body
    assert '"database_ok": true' in body

    asked = await alice.send(room_id, REQUEST)
    await alice.wait_for_message(
        lambda m: thread_of(m) == asked, room_id=room_id, sender=bot.user_id, timeout=30
    )
    status, text = await _get(f"{base}/metrics")
    assert status == 200
    assert _value(text, "facilibot_requests", state="ouverte") == 1
    assert _value(text, "facilibot_handler_seconds_count", kind="message") >= 1
    assert _value(text, "facilibot_events_handled_total", outcome="request") == 1
    assert _value(text, "facilibot_send_retries_total") == 0
    assert _value(text, "process_resident_memory_bytes") > 0
    await until(lambda: app.sender.sent >= 1, timeout=10)


async def test_healthz_says_503_when_a_check_fails_and_the_listener_stops_with_the_bot(world):
    alice = await world.person("Alice")
    bot = await world.bot_account()
    room_id = await alice.create_room("Demandes", invite=[bot.user_id])
    config = await world.config(
        rooms={"requests": [room_id]}, observability={"listen": f"127.0.0.1:{free_port()}"}
    )
    app = await world.start_bot(config)
    base = f"http://127.0.0.1:{app.observability.port}"

    app.health_checks["scheduler"] = lambda: False
    status, body = await _get(f"{base}/healthz")
    assert status == 503
    assert '"scheduler": false' in body

    await world.stop_bot(app)
    try:
        await _get(f"{base}/healthz")
    except aiohttp.ClientConnectionError:
        pass
    else:
        raise AssertionError("the listener still answers after stop")


async def test_without_the_section_nothing_listens(world):
    alice = await world.person("Alice")
    bot = await world.bot_account()
    room_id = await alice.create_room("Demandes", invite=[bot.user_id])
    app = await world.start_bot(await world.config(rooms={"requests": [room_id]}))
    assert app.observability is None
    assert app.dispatcher.on_handled is None

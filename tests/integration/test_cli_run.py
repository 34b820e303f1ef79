"""`facilibot run` as a process: serves, then stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import sys
import time

from bot.matrix.decryption import thread_of
from bot.sandbox.people import body_of


async def test_run_serves_and_stops_on_sigterm(world, tmp_path):
    alice = await world.person("Alice")
    bot = await world.bot_account()
    room_id = await alice.create_room("Demandes", invite=[bot.user_id])
    config_file = await world.config_file(tmp_path / "config.toml", requests=[room_id])
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        "--config",
        str(config_file),
        env={"FACILIBOT_PASSWORD": bot.password, "PATH": "/usr/bin:/bin"},
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        # Wait for the bot's join, not just its invite: before it, it was not there to hear.
        await alice.wait_member(room_id, bot.user_id)
        asked = await alice.send(room_id, "!aide")
        answer = await alice.wait_for_message(
            lambda m: thread_of(m) == asked, room_id=room_id, sender=bot.user_id, timeout=30
        )
        assert "!statut" in body_of(answer)
    finally:
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
        stopped_in = time.monotonic() - started
        log = stderr.decode()
    assert process.returncode == 0, log[-2000:]
    assert "Facilibot stopped" in log
    assert "(event loop: uvloop.Loop)" in log  # a dependency on Linux: the bot runs on it
    assert bot.password not in log
    assert stopped_in < 10

"""Fault injection: the bot process is killed (SIGKILL) during a burst, then restarted."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import Counter
from pathlib import Path

from bot.matrix.decryption import thread_of
from bot.sandbox.people import body_of, until

BURST = 40


async def _start(config_file: Path, password: str) -> asyncio.subprocess.Process:
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


async def test_sigkill_during_a_burst_loses_nothing_and_answers_once(world, tmp_path):
    alice = await world.person("Alice")
    bot = await world.bot_account()
    room_id = await alice.create_room("Demandes", invite=[bot.user_id])
    config_file = await world.config_file(tmp_path / "config.toml", requests=[room_id])
    process = await _start(config_file, bot.password)
    try:
        await alice.wait_member(room_id, bot.user_id)
        # Let the bot finish its first sync, so the burst is not "history" to it.
        probe = await alice.send(room_id, "!aide")
        await alice.wait_for_message(
            lambda m: thread_of(m) == probe, room_id=room_id, sender=bot.user_id, timeout=30
        )

        sent: list[str] = []
        for n in range(BURST):
            # Each a distinct event: a person's same event written again completes the first.
            day, hour = 1 + n % 28, 9 + n // 28
            text = f"Un facilitateur pour un atelier le {day} mars 2027 à {hour}h à Bercy (#{n})"
            sent.append(await alice.send(room_id, text))
            if n == BURST // 3:
                # Kill it as soon as it has answered something of the burst.
                await until(
                    lambda: any(thread_of(m) in sent for m in alice.messages(room_id, bot.user_id)),
                    timeout=30,
                )
                process.send_signal(signal.SIGKILL)
                await process.wait()
        process = await _start(config_file, bot.password)

        def all_answered() -> bool:
            threads = {thread_of(m) for m in alice.messages(room_id, bot.user_id)}
            return all(event_id in threads for event_id in sent)

        await until(all_answered, timeout=90)
        await asyncio.sleep(1.5)  # time for any duplicate to show up
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 30)

    cards = Counter(
        thread_of(m)
        for m in alice.messages(room_id, bot.user_id)
        if body_of(m).startswith("Demande #") and thread_of(m) in sent
    )
    assert set(cards) == set(sent)
    assert max(cards.values()) == 1, [n for n in cards.values() if n > 1]
    numbers = sorted(
        int(body_of(m).split()[1].lstrip("#"))
        for m in alice.messages(room_id, bot.user_id)
        if body_of(m).startswith("Demande #") and thread_of(m) in sent
    )
    assert numbers == list(range(1, BURST + 1))

"""The floor: a bare matrix-nio bot that answers every text message in its thread.

Run by `bench_bot.py` as a separate process, like Facilibot, so both pay
the same homeserver round trips: `python bench/echo_bot.py URL USER PASSWORD`.
It prints `READY` once its first sync is done.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time

from nio import AsyncClient, RoomMessageText, SyncResponse


async def main(homeserver: str, user_id: str, password: str) -> None:
    """Log in, accept pending invites, echo each new message as an m.notice in its thread."""
    client = AsyncClient(homeserver, user_id)
    await client.login(password)
    started_ms = int(time.time() * 1000)

    async def on_message(room, event: RoomMessageText) -> None:
        if event.sender == user_id or event.server_timestamp < started_ms:
            return
        content = {
            "msgtype": "m.notice",
            "body": f"Reçu : {event.body}",
            "m.relates_to": {
                "rel_type": "m.thread",
                "event_id": event.event_id,
                "is_falling_back": True,
                "m.in_reply_to": {"event_id": event.event_id},
            },
        }
        await client.room_send(room.room_id, "m.room.message", content)

    client.add_event_callback(on_message, RoomMessageText)
    first = await client.sync(timeout=0, full_state=True)
    assert isinstance(first, SyncResponse), first
    for room_id in first.rooms.invite:
        await client.join(room_id)
    print("READY", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    # The same timeline limit as Facilibot's sync, so that a burst is seen whole.
    sync_filter = {"room": {"timeline": {"limit": 100}}}
    task = asyncio.create_task(client.sync_forever(timeout=30_000, sync_filter=sync_filter))
    await stop.wait()
    task.cancel()
    await client.close()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))

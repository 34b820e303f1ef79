"""What a sync brought: whether it holds anything but the bot's own events."""

import asyncio

import pytest
from nio import SyncResponse

from bot.matrix.sync import SyncBatch, SyncLoop
from storage.state import SYNC_TOKEN

BOT = "@facilibot:x"


def test_a_sync_of_the_bots_own_events_only_has_nothing_to_handle():
    own = {"type": "m.room.message", "sender": BOT}
    assert SyncBatch().only_from(BOT)
    assert SyncBatch(timelines={"!r:x": [own, own], "!dm:x": [own]}).only_from(BOT)
    someone = {"type": "m.room.message", "sender": "@alice:x"}
    assert not SyncBatch(timelines={"!r:x": [own, someone]}).only_from(BOT)
    assert not SyncBatch(invites={"!new:x": []}).only_from(BOT)
    assert not SyncBatch(room_keys={"session"}).only_from(BOT)


class _Homeserver:
    """Answers each /sync with one new message, next_batch counting up."""

    def __init__(self) -> None:
        self.user_id = BOT
        self.sinces: list[str | None] = []

    async def sync(self, *, since: str | None, **_: object) -> SyncResponse:
        self.sinces.append(since)
        n = len(self.sinces)
        event = {
            "type": "m.room.message",
            "event_id": f"$e{n}",
            "sender": "@alice:x",
            "origin_server_ts": n,
            "content": {"msgtype": "m.text", "body": f"message {n}"},
        }
        timeline = {"events": [event], "limited": False}
        return SyncResponse.from_dict(
            {"next_batch": f"s{n}", "rooms": {"join": {"!r:x": {"timeline": timeline}}}}
        )


class _Client:
    def __init__(self) -> None:
        self.nio = _Homeserver()

    def note_sync(self, response: SyncResponse) -> set[str]:
        return set()

    async def keys_maintenance(self) -> None:
        pass

    async def upload_sync_filter(self, definition: dict) -> str:
        return "filter"


async def test_a_batch_is_unseen_only_when_it_follows_a_batch_of_this_run_handled_in_full(
    store, clock
):
    await store.state.put(SYNC_TOKEN, "s0")  # a token from an earlier run
    seen: list[tuple[str, bool]] = []

    async def on_batch(batch: SyncBatch) -> None:
        (event,) = batch.timelines["!r:x"]
        seen.append((event["event_id"], batch.unseen))
        if len(seen) == 3:
            raise RuntimeError("handling failed")  # the same batch comes again
        if len(seen) == 5:
            raise asyncio.CancelledError

    client = _Client()
    loop = SyncLoop(client, store.state, clock, on_batch)
    loop._sleep = _no_wait  # type: ignore[method-assign]
    with pytest.raises(asyncio.CancelledError):
        await loop.run()
    assert client.nio.sinces == ["s0", "s1", "s2", "s2", "s4"]
    # After a start, and after a failed batch, events may have been handled already.
    assert seen == [("$e1", False), ("$e2", True), ("$e3", True), ("$e4", False), ("$e5", True)]


async def _no_wait() -> float:
    return 0.0

"""What a sync brought: whether it holds anything but the bot's own events."""

from bot.matrix.sync import SyncBatch

BOT = "@facilibot:x"


def test_a_sync_of_the_bots_own_events_only_has_nothing_to_handle():
    own = {"type": "m.room.message", "sender": BOT}
    assert SyncBatch().only_from(BOT)
    assert SyncBatch(timelines={"!r:x": [own, own], "!dm:x": [own]}).only_from(BOT)
    someone = {"type": "m.room.message", "sender": "@alice:x"}
    assert not SyncBatch(timelines={"!r:x": [own, someone]}).only_from(BOT)
    assert not SyncBatch(invites={"!new:x": []}).only_from(BOT)
    assert not SyncBatch(room_keys={"session"}).only_from(BOT)

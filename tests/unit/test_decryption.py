"""Waiting for room keys: what to retry, whom to tell and when, and the notice itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.matrix.decryption import notices_due, thread_of, to_retry
from handlers.undecryptable import tell_sender
from storage.undecryptable import WaitingEvent
from tests.unit.conftest import REQUESTER, ROOM

T0 = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
TIMEOUT = timedelta(minutes=5)


def _source(event_id: str, session: str = "S1", sender: str = REQUESTER, **content) -> dict:
    return {
        "type": "m.room.encrypted",
        "event_id": event_id,
        "sender": sender,
        "origin_server_ts": 1,
        "content": {
            "algorithm": "m.megolm.v1.aes-sha2",
            "ciphertext": "AwgAEo...",
            "sender_key": "curve",
            "device_id": "PHONE",
            "session_id": session,
            **content,
        },
    }


def _waiting(event_id, *, at=T0, session="S1", sender=REQUESTER, room=ROOM, notified=None):
    return WaitingEvent(
        event_id=event_id,
        room_id=room,
        room_kind="requests",
        sender=sender,
        session_id=session,
        source=_source(event_id, session, sender),
        received_at=at,
        notified_at=notified,
    )


def test_only_events_whose_key_came_are_retried():
    waiting = [_waiting("$a", session="S1"), _waiting("$b", session="S2")]
    assert [w.event_id for w in to_retry(waiting, {"S2"})] == ["$b"]
    assert [w.event_id for w in to_retry(waiting, None)] == ["$a", "$b"]
    assert to_retry(waiting, set()) == []


def test_nobody_is_told_before_the_timeout():
    waiting = [_waiting("$a")]
    assert notices_due(waiting, T0 + TIMEOUT - timedelta(seconds=1), TIMEOUT) == []
    assert len(notices_due(waiting, T0 + TIMEOUT, TIMEOUT)) == 1


def test_one_notice_per_sender_and_room_answering_the_oldest():
    bob = "@bob:agent.finances.tchap.gouv.fr"
    waiting = [
        _waiting("$later", at=T0 + timedelta(minutes=1)),
        _waiting("$first", at=T0),
        _waiting("$bob", sender=bob),
        _waiting("$fresh", at=T0 + timedelta(minutes=9)),  # not overdue yet
    ]
    notices = notices_due(waiting, T0 + timedelta(minutes=10), TIMEOUT)
    assert [(n.sender, n.event_ids) for n in notices] == [
        (bob, ("$bob",)),
        (REQUESTER, ("$first", "$later")),
    ]
    assert notices[1].first == "$first"


def test_a_sender_already_told_is_not_told_again():
    waiting = [_waiting("$a", notified=T0 + TIMEOUT)]
    assert notices_due(waiting, T0 + 10 * TIMEOUT, TIMEOUT) == []


def test_the_thread_comes_from_the_cleartext_relation():
    in_thread = _source("$x", **{"m.relates_to": {"rel_type": "m.thread", "event_id": "$root"}})
    assert thread_of(in_thread) == "$root"
    assert thread_of(_source("$y")) is None


async def test_waiting_events_are_kept_once_and_settled(store):
    assert await store.undecryptable.hold(_source("$a"), ROOM, "requests", T0)
    assert not await store.undecryptable.hold(_source("$a"), ROOM, "requests", T0)
    await store.undecryptable.hold(_source("$b", session="S2"), ROOM, "dm", T0)
    assert [w.event_id for w in await store.undecryptable.waiting()] == ["$a", "$b"]
    assert [w.event_id for w in await store.undecryptable.waiting({"S2"})] == ["$b"]
    assert await store.undecryptable.waiting(set()) == []
    await store.undecryptable.settle("$a")
    waiting = await store.undecryptable.waiting()
    assert [(w.event_id, w.room_kind, w.session_id) for w in waiting] == [("$b", "dm", "S2")]
    assert waiting[0].source["content"]["ciphertext"] == "AwgAEo..."


async def test_the_notice_is_queued_once_in_the_thread_of_the_first_message(store, clock):
    await store.undecryptable.hold(_source("$a"), ROOM, "requests", T0)
    await store.undecryptable.hold(_source("$b"), ROOM, "requests", T0)
    clock.set(T0 + TIMEOUT)
    notices = notices_due(await store.undecryptable.waiting(), clock.now(), TIMEOUT)
    await tell_sender(store, clock, notices[0])

    queued = await store.outbox.pending(limit=10)
    assert len(queued) == 1
    body = queued[0].content["body"]
    assert "vos 2 derniers messages" in body and "envoyer à nouveau" in body
    assert queued[0].content["msgtype"] == "m.notice"
    assert queued[0].content["m.relates_to"]["event_id"] == "$a"
    assert queued[0].key == "undecryptable:$a"
    clock.advance(TIMEOUT)
    assert notices_due(await store.undecryptable.waiting(), clock.now(), TIMEOUT) == []


async def test_old_told_events_are_given_up_and_a_forgotten_user_leaves_none(store):
    await store.undecryptable.hold(_source("$old"), ROOM, "requests", T0)
    await store.undecryptable.hold(_source("$untold"), ROOM, "requests", T0)
    await store.undecryptable.mark_notified(["$old"], T0 + TIMEOUT)
    assert await store.undecryptable.purge(T0 + timedelta(days=30)) == 1
    assert [w.event_id for w in await store.undecryptable.waiting()] == ["$untold"]

    exported = await store.privacy.export(REQUESTER)
    assert [e["event_id"] for e in exported["messages_en_attente_de_cle"]] == ["$untold"]
    counts = await store.privacy.forget(REQUESTER)
    assert counts["messages_chiffres"] == 1
    assert await store.undecryptable.waiting() == []

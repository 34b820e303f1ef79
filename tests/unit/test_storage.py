"""Storage on a real SQLite file: migrations, transactions, idempotence, outbox."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
from collections.abc import Callable
from datetime import UTC, date, datetime, time

import pytest

from bot.domain.requests import RequestDetails
from storage.db import Database, MigrationError, migrations
from storage.outbox import txn_id_for
from storage.store import Store
from tests.unit.conftest import schema_at

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


async def test_new_database_is_migrated_with_private_permissions(tmp_path):
    path = tmp_path / "bot.sqlite3"
    store = await Store.open(path)
    assert await store.db.version() == migrations()[-1][0]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    row = await store.db.fetchone("PRAGMA journal_mode")
    assert row[0] == "wal"
    row = await store.db.fetchone("PRAGMA foreign_keys")
    assert row[0] == 1
    await store.close()


async def test_existing_database_upgrades_in_place(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:  # a database from before the first migration
        conn.execute("CREATE TABLE keepme (x INTEGER)")
        conn.execute("INSERT INTO keepme VALUES (7)")
    store = await Store.open(path)
    assert await store.db.version() >= 1
    assert (await store.db.fetchone("SELECT x FROM keepme"))[0] == 7
    await store.close()
    store = await Store.open(path)  # reopening is a no-op
    assert await store.db.migrate() == migrations()[-1][0]
    await store.close()


async def test_a_schema_7_request_is_kept_and_not_discarded(tmp_path):
    path = tmp_path / "v7.sqlite3"
    with schema_at(path, 7) as conn:
        conn.execute(
            "INSERT INTO requests (source_event_id, room_id, thread_root, requester, text, "
            "state, created_at, updated_at) VALUES ('$a', '!r:x', '$a', '@u:x', 't', "
            "'annulee', ?, ?)",
            (NOW.isoformat(), NOW.isoformat()),
        )
    store = await Store.open(path)
    try:
        assert await store.db.version() >= 8
        request = await store.requests.get(1)
        assert (request.state, request.discarded) == ("annulee", False)
        assert [r.id for r in await store.requests.list(states=("annulee",))] == [1]
    finally:
        await store.close()


async def test_a_schema_6_outbox_gets_its_lanes_in_place(tmp_path):
    path = tmp_path / "v6.sqlite3"
    with schema_at(path, 6) as conn:  # a bot stopped with messages still to send
        conn.execute(
            "INSERT INTO outbox (txn_id, key, room_id, event_type, content, created_at) "
            "VALUES ('fb1', 'ping:1:@a:x', '!r:x', 'm.room.message', '{\"body\": \"x\"}', ?)",
            (NOW.isoformat(),),
        )
    store = await Store.open(path)
    try:
        assert await store.db.version() == migrations()[-1][0] >= 7
        [kept] = await store.outbox.pending()
        assert (kept.key, kept.lane, kept.state) == ("ping:1:@a:x", 1, "pending")
        async with store.db.transaction():
            await store.outbox.queue(
                key="reply:$e:0", content={"body": "y"}, room_id="!r:x", at=NOW, lane=0
            )
        assert [m.key for m in await store.outbox.pending()] == ["reply:$e:0", "ping:1:@a:x"]
    finally:
        await store.close()


async def test_database_from_the_future_is_refused(tmp_path):
    path = tmp_path / "future.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(MigrationError, match="newer"):
        await Database.open(path)


async def test_failed_transaction_leaves_nothing(tmp_path):
    store = await Store.open(tmp_path / "t.sqlite3")
    with pytest.raises(RuntimeError):
        async with store.db.transaction():
            await store.requests.create(
                source_event_id="$a",
                room_id="!r:x",
                thread_root="$a",
                requester="@u:x",
                text="t",
                details=RequestDetails(),
                at=NOW,
            )
            await store.state.mark_handled_later("$a", "!r:x", "x", NOW)
            raise RuntimeError("boom")
    assert await store.requests.count() == 0
    assert not await store.state.is_handled("$a")
    await store.close()


async def test_deferred_writes_go_with_the_next_statement_and_commit_together(tmp_path):
    store = await Store.open(tmp_path / "t.sqlite3")
    db = store.db
    sql = "INSERT INTO bot_state (key, value) VALUES (?, ?)"
    async with db.transaction():
        await db.defer(sql, ("a", "1"))
        row = await db.fetchone("SELECT value FROM bot_state WHERE key = 'a'")
        assert row[0] == "1"  # sent before the read that follows it
        await db.defer(sql, ("b", "2"))  # sent with the COMMIT
    assert (await store.state.get("a"), await store.state.get("b")) == ("1", "2")
    # A deferred write that fails fails its transaction, earlier writes included.
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction():
            await db.execute(sql, ("c", "3"))
            await db.defer(sql, ("a", "again"))
    assert not db.conn.in_transaction  # rolled back, ready for the next one
    # A block that fails drops what it deferred.
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await db.defer(sql, ("d", "4"))
            raise RuntimeError("boom")
    assert await store.state.get("c") is None and await store.state.get("d") is None
    assert not db.conn.in_transaction
    # Outside a transaction a deferred write runs at once.
    await db.defer(sql, ("e", "5"))
    assert await store.state.get("e") == "5"
    await store.close()


async def test_a_write_behind_goes_with_the_next_statement_and_never_inside_another_transaction(
    tmp_path,
):
    store = await Store.open(tmp_path / "t.sqlite3")
    db = store.db
    sql = "INSERT INTO bot_state (key, value) VALUES (?, ?)"
    hops = count_hops(store)
    db.write_behind(sql, ("a", "1"))
    assert hops() == 0
    assert await store.state.get("a") == "1"  # written first, in the read's hop
    assert hops() == 1
    # Queued while a transaction is open, it is not part of it: a rollback keeps it.
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await db.execute(sql, ("b", "2"))
            db.write_behind(sql, ("c", "3"))
            await db.execute(sql, ("d", "4"))
            raise RuntimeError("boom")
    assert await store.state.get("b") is None and await store.state.get("d") is None
    assert await store.state.get("c") == "3"
    # Queued before a transaction, it goes before its BEGIN, whatever the block does.
    db.write_behind(sql, ("e", "5"))
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await db.execute(sql, ("f", "6"))
            raise RuntimeError("boom")
    assert await store.state.get("e") == "5" and await store.state.get("f") is None
    # A failing write behind is logged, not raised from the statement it goes with.
    db.write_behind(sql, ("a", "again"))
    assert await store.state.get("a") == "1"
    await store.close()


async def test_statements_asked_in_one_turn_of_the_loop_make_one_trip_each_with_its_outcome(
    tmp_path,
):
    store = await Store.open(tmp_path / "t.sqlite3")
    db = store.db
    sql = "INSERT INTO bot_state (key, value) VALUES (?, ?)"
    await db.execute(sql, ("a", "1"))
    hops = count_hops(store)
    one, broken, two = await asyncio.gather(
        db.fetchone("SELECT value FROM bot_state WHERE key = 'a'"),
        db.fetchone("SELECT nothing FROM nowhere"),
        db.fetchall("SELECT key FROM bot_state ORDER BY key"),
        return_exceptions=True,
    )
    assert hops() == 1
    assert one[0] == "1" and [r[0] for r in two] == ["a"]
    assert isinstance(broken, sqlite3.OperationalError)  # its own error, the others ran
    # In a transaction, gathered reads go with its BEGIN, in order, and see its writes.
    async with db.transaction():
        await db.defer(sql, ("b", "2"))
        found = await asyncio.gather(
            store.state.get("b"), store.state.get("a"), store.state.get("none")
        )
        await db.execute(sql, ("c", "3"))
    assert found == ["2", "1", None] and hops() == 1 + 3  # reads, write, commit
    assert await store.state.get("c") == "3"
    # One after the other, each statement waits for the one before: a trip each.
    await store.state.get("a")
    await store.state.get("b")
    assert hops() == 4 + 3
    await store.close()
    with pytest.raises(ValueError, match="closed"):
        await db.fetchone("SELECT 1")


async def test_a_deferred_insert_hands_its_row_id_over_once_written(tmp_path):
    store = await Store.open(tmp_path / "t.sqlite3")
    db = store.db
    sql = "INSERT INTO bot_state (key, value) VALUES (?, ?)"
    ids: list[int] = []
    hops = count_hops(store)
    async with db.transaction():
        await db.defer(sql, ("a", "1"), then=ids.append)
        await db.defer(sql, ("b", "2"))
        await db.defer(sql, ("c", "3"), then=ids.append)
        assert ids == []  # not written yet
    assert hops() == 1  # with the COMMIT
    rows = await db.fetchall("SELECT rowid, key FROM bot_state WHERE key IN ('a', 'c')")
    assert ids == [r[0] for r in rows]
    with pytest.raises(sqlite3.IntegrityError):  # a failed write hands nothing over
        async with db.transaction():
            await db.defer(sql, ("d", "4"), then=ids.append)
            await db.defer(sql, ("a", "again"))
    assert len(ids) == 2 and await store.state.get("d") is None
    await db.defer(sql, ("e", "5"), then=ids.append)  # alone: at once
    assert len(ids) == 3
    await store.close()


async def test_a_write_behind_is_written_soon_with_nothing_else_to_go_with_and_at_close(
    tmp_path, monkeypatch
):
    import storage.db

    monkeypatch.setattr(storage.db, "BEHIND_FOR", 0.01)
    path = tmp_path / "t.sqlite3"
    store = await Store.open(path)
    store.state.put_behind("token", "s1")
    await asyncio.sleep(0.2)
    with sqlite3.connect(path) as other:  # another reader of the file
        assert other.execute("SELECT value FROM bot_state WHERE key = 'token'").fetchone() == (
            "s1",
        )
    monkeypatch.setattr(storage.db, "BEHIND_FOR", 60)
    store.state.put_behind("token", "s2")
    await store.close()
    with sqlite3.connect(path) as other:
        assert other.execute("SELECT value FROM bot_state WHERE key = 'token'").fetchone() == (
            "s2",
        )


async def test_a_read_after_commit_goes_in_the_commits_hop_and_not_after_a_rollback(tmp_path):
    store = await Store.open(tmp_path / "t.sqlite3")
    db = store.db
    sql = "INSERT INTO bot_state (key, value) VALUES (?, ?)"
    read = "SELECT key FROM bot_state WHERE key LIKE 'k%' ORDER BY key"
    seen: list[list[str]] = []
    hops = count_hops(store)
    db.write_behind(sql, ("k0", "behind"))
    async with db.transaction():
        await db.execute(sql, ("k1", "1"))
        db.read_after_commit(read, (), lambda rows: seen.append([r[0] for r in rows]))
        db.read_after_commit(read, (), lambda rows: seen.append(["twice"]))  # asked once
        await db.defer(sql, ("k2", "2"))
    assert seen == [["k0", "k1", "k2"]]
    db.write_behind(sql, ("k3", "behind"))
    async with db.transaction():
        await db.execute(sql, ("k4", "4"))
        db.read_after_commit(read, (), lambda rows: seen.append([r[0] for r in rows]))
    # The write behind was queued before the block: it goes before the BEGIN, and the
    # read sees it; the commit, its writes behind and the read share one hop.
    assert seen[-1] == ["k0", "k1", "k2", "k3", "k4"]
    assert hops() == 2 + 2
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await db.execute(sql, ("k5", "5"))
            db.read_after_commit(read, (), lambda rows: seen.append(["rolled back"]))
            raise RuntimeError("boom")
    db.read_after_commit(read, (), lambda rows: seen.append(["no transaction"]))
    assert len(seen) == 2
    await store.close()


async def test_the_sender_gets_the_lane_as_the_commit_read_it_unless_a_send_settled_since(store):
    async with store.db.transaction():
        await store.outbox.queue(key="a", content={"body": "a"}, room_id="!r:x", at=NOW, lane=0)
    [a] = store.outbox.take_read(0)
    assert a.key == "a" and a.seq is not None
    assert store.outbox.take_read(0) is None  # taken once
    async with store.db.transaction():
        await store.outbox.queue(key="b", content={"body": "b"}, room_id="!r:x", at=NOW, lane=0)
    await store.outbox.mark_sent(a.seq, "$a", NOW)  # settled after the read
    assert store.outbox.take_read(0) is None
    assert [m.key for m in await store.outbox.pending(lane=0)] == ["b"]


async def test_a_read_from_another_task_never_sees_an_open_transaction(tmp_path):
    store = await Store.open(tmp_path / "t.sqlite3")
    db = store.db
    written, release = asyncio.Event(), asyncio.Event()

    async def rolled_back() -> None:
        async with db.transaction():
            await db.execute("INSERT INTO bot_state (key, value) VALUES ('k', 'v')")
            written.set()
            await release.wait()
            raise RuntimeError("boom")

    writer = asyncio.create_task(rolled_back())
    await written.wait()
    reader = asyncio.create_task(store.state.get("k"))
    for _ in range(100):  # give the reader every chance to read too early
        await asyncio.sleep(0.001)
        if reader.done():
            break
    release.set()
    with pytest.raises(RuntimeError):
        await writer
    assert await reader is None  # it waited for the rollback
    await store.close()


async def test_request_round_trip(tmp_path):
    store = await Store.open(tmp_path / "t.sqlite3")
    details = RequestDetails(
        event_date=date(2027, 3, 12),
        start_time=time(9, 0),
        end_time=time(12, 30),
        duration_minutes=210,
        facilitators_needed=2,
        format="seminaire",
        location="Paris",
        directorate="DGFiP",
    )
    created = await store.requests.create(
        source_event_id="$e",
        room_id="!r:x",
        thread_root="$e",
        requester="@u:x",
        text="...",
        details=details,
        at=NOW,
    )
    assert created.id == 1 and created.details == details and created.state == "ouverte"
    assert (await store.requests.by_thread("!r:x", "$e")).id == 1
    assert [r.id for r in await store.requests.list(requester="@u:x")] == [1]
    assert await store.requests.list(requester="@v:x") == []
    await store.close()


async def test_handled_events_and_outbox_are_idempotent(tmp_path):
    store = await Store.open(tmp_path / "t.sqlite3")
    content = {"msgtype": "m.notice", "body": "x"}
    for _ in range(2):
        async with store.db.transaction():
            await store.state.mark_handled_later("$a", "!r:x", "ok", NOW)
            await store.outbox.queue(key="k1", content=content, room_id="!r:x", at=NOW)
    assert await store.state.is_handled("$a")
    assert (await store.db.fetchone("SELECT COUNT(*) FROM handled_events"))[0] == 1
    [pending] = await store.outbox.pending()
    assert pending.txn_id == txn_id_for("k1") == txn_id_for("k1")
    assert txn_id_for("k1") != txn_id_for("k2")
    await store.outbox.mark_sent(pending.seq, "$sent", NOW)
    assert await store.outbox.pending() == []
    assert (await store.outbox.by_key("k1")).event_id == "$sent"
    await store.close()


async def test_a_dm_message_records_its_room_as_it_is_marked_sent(store):
    async with store.db.transaction():
        await store.outbox.queue(key="dm", content={"body": "x"}, dm_user="@f:x", at=NOW)
    [pending] = await store.outbox.pending()
    assert pending.room_id is None  # opened on first use
    await store.outbox.mark_sent(pending.seq, "$sent", NOW, room_id="!dm:x")
    sent = await store.outbox.by_key("dm")
    assert (sent.state, sent.room_id, sent.event_id) == ("sent", "!dm:x", "$sent")


async def test_a_request_before_cycles_upgrades_with_no_sessions_lead_or_reserve(tmp_path):
    path = tmp_path / "v12.sqlite3"
    version = next(v for v, name, _ in migrations() if name.endswith("_cycles.sql")) - 1
    with schema_at(path, version) as conn:
        conn.execute(
            "INSERT INTO requests (source_event_id, room_id, thread_root, requester, text, "
            "state, event_date, created_at, updated_at) VALUES ('$a', '!r:x', '$a', '@u:x', 't', "
            "'ouverte', '2027-03-12', ?, ?)",
            (NOW.isoformat(), NOW.isoformat()),
        )
    store = await Store.open(path)
    try:
        request = await store.requests.get(1)
        assert request.details.event_date.isoformat() == "2027-03-12"
        assert (request.details.sessions, request.lead, request.reserve) == ((), None, ())
        async with store.db.transaction():
            assert await store.reserves.join(1, "@f:x", at=NOW)
            assert not await store.reserves.join(1, "@f:x", at=NOW)
            assert await store.reserves.join(1, "@g:x", at=NOW)
        assert (await store.requests.get(1)).reserve == ("@f:x", "@g:x")
    finally:
        await store.close()


async def test_a_database_before_mission_rooms_upgrades_with_its_requests(tmp_path):
    path = tmp_path / "before-rooms.sqlite3"
    version = next(v for v, name, _ in migrations() if "mission_rooms" in name) - 1
    with schema_at(path, version) as conn:
        conn.execute(
            "INSERT INTO requests (source_event_id, room_id, thread_root, requester, text, "
            "state, created_at, updated_at) VALUES ('$a', '!r:x', '$a', '@u:x', 't', "
            "'pourvue', ?, ?)",
            (NOW.isoformat(), NOW.isoformat()),
        )
    store = await Store.open(path)
    try:
        assert (await store.requests.get(1)).state == "pourvue"
        assert await store.mission_rooms.get(1) is None  # an older mission has no room
        assert await store.mission_rooms.want(1, name="Mission #1", topic="", at=NOW)
        assert not await store.mission_rooms.want(1, name="Mission #1", topic="", at=NOW)
        assert await store.qualifications.waiting() == []
    finally:
        await store.close()


def count_hops(store: Store) -> Callable[[], int]:
    """How many trips the store has made to the database's thread since this call."""
    start = store.db.trips
    return lambda: store.db.trips - start


async def test_a_request_is_read_whole_in_one_statement(tmp_path):
    from dataclasses import replace

    from bot.domain.profiles import Facilitator
    from bot.domain.requests import Session

    store = await Store.open(tmp_path / "t.sqlite3")
    sessions = tuple(
        Session(number=n, day=date(2027, 3, d), start_time=time(9), end_time=time(12))
        for n, d in ((1, 2), (2, 9), (3, 16))
    )
    details = RequestDetails(event_date=date(2027, 3, 2), facilitators_needed=1, sessions=sessions)
    async with store.db.transaction():
        created = await store.requests.create(
            source_event_id="$a", room_id="!r:x", thread_root="$a", requester="@u:x",
            text="t", details=details, at=NOW,
        )  # fmt: skip
        await store.facilitators.upsert(Facilitator("@lea:x", "Léa Dubois"), at=NOW)
        await store.requests.set_lead(created.id, "@lea:x")
        for position, who in ((2, "@b:x"), (1, "@a:x")):
            await store.db.execute(
                "INSERT INTO reserves (request_id, facilitator, position, state, created_at, "
                "updated_at) VALUES (?, ?, ?, 'attente', ?, ?)",
                (created.id, who, position, NOW.isoformat(), NOW.isoformat()),
            )
    hops = count_hops(store)
    read = await store.requests.get(created.id)
    assert hops() == 1
    assert read.details.sessions == sessions == created.details.sessions
    assert (read.lead, read.lead_name, read.reserve) == ("@lea:x", "Léa Dubois", ("@a:x", "@b:x"))
    assert replace(created, lead="@lea:x", lead_name="Léa Dubois", reserve=read.reserve) == read
    [listed] = await store.requests.list()
    assert listed == read and hops() == 2
    await store.close()


async def test_a_new_request_is_what_reading_it_back_gives(tmp_path):
    from bot.domain.requests import Session

    store = await Store.open(tmp_path / "t.sqlite3")
    full = RequestDetails(
        event_date=date(2027, 3, 2), start_time=time(9), end_time=time(12, 30),
        duration_minutes=210, facilitators_needed=2, format="atelier", modality="distanciel",
        location="Lyon", participants=25, directorate="DGFiP", topic="Bilan de l'année",
        sessions=(Session(number=1, day=date(2027, 3, 2), start_time=time(9)),),
    )  # fmt: skip
    async with store.db.transaction():  # as a handler does: the number read with the rest
        number = await store.requests.next_number()
        assert number == 1
        hops = count_hops(store)
        first = await store.requests.create(
            source_event_id="$a", room_id="!r:x", thread_root="$a", requester="@u:x",
            text="t", details=full, at=NOW, number=number,
        )  # fmt: skip
        assert hops() == 0  # the row goes with the COMMIT
    second = await store.requests.create(  # alone: its number read first
        source_event_id="$b", room_id="!r:x", thread_root="$b", requester="@u:x",
        text="u", details=RequestDetails(), at=NOW,
    )  # fmt: skip
    assert (first.id, second.id) == (1, 2)
    assert await store.requests.get(1) == first
    assert await store.requests.get(2) == second
    await store.close()


async def test_a_request_number_is_never_given_twice(tmp_path):
    store = await Store.open(tmp_path / "t.sqlite3")
    for n in range(3):
        await store.requests.create(
            source_event_id=f"${n}", room_id="!r:x", thread_root=f"${n}", requester="@u:x",
            text="t", details=RequestDetails(), at=NOW,
        )  # fmt: skip
    await store.db.execute("DELETE FROM requests WHERE id = 3")  # as a purge may
    assert await store.requests.next_number() == 4
    with pytest.raises(sqlite3.IntegrityError):  # a number taken meanwhile: nothing is kept
        async with store.db.transaction():
            number = await store.requests.next_number()
            for event in ("$x", "$y"):
                await store.requests.create(
                    source_event_id=event, room_id="!r:x", thread_root=event,
                    requester="@u:x", text="t", details=RequestDetails(), at=NOW, number=number,
                )  # fmt: skip
    assert await store.requests.count() == 2
    await store.close()


async def test_the_log_is_checkpointed_with_the_writes_behind_not_in_a_commit(tmp_path):
    from storage.db import BACKSTOP_PAGES, CHECKPOINT_EVERY

    store = await Store.open(tmp_path / "t.sqlite3")
    assert (await store.db.fetchone("PRAGMA wal_autocheckpoint"))[0] == BACKSTOP_PAGES
    statements: list[str] = []
    await store.db.conn.set_trace_callback(statements.append)
    store.db.write_behind("INSERT INTO bot_state (key, value) VALUES ('early', 'v')")
    await store.db.flush()
    for n in range(CHECKPOINT_EVERY):
        async with store.db.transaction():
            await store.db.execute("INSERT INTO bot_state (key, value) VALUES (?, 'v')", (n,))
    assert not any("wal_checkpoint" in s for s in statements)  # not yet, nor in a COMMIT
    store.db.write_behind("UPDATE bot_state SET value = 'w' WHERE key = 'early'")
    await store.db.flush()
    assert statements[-2:] == [
        "UPDATE bot_state SET value = 'w' WHERE key = 'early'",
        "PRAGMA wal_checkpoint(PASSIVE)",
    ]
    await store.db.conn.set_trace_callback(None)
    _, logged, copied = await store.db.fetchone("PRAGMA wal_checkpoint(PASSIVE)")
    assert logged == copied  # every page of the log is in the database
    await store.close()


async def test_the_sender_is_told_which_lanes_got_messages(tmp_path):
    from storage.outbox import ANSWER, FAN_OUT

    store = await Store.open(tmp_path / "t.sqlite3")
    assert store.outbox.take_queued() == set()
    content = {"msgtype": "m.notice", "body": "x"}
    async with store.db.transaction():
        await store.outbox.queue(key="a", content=content, room_id="!r:x", at=NOW, lane=ANSWER)
    assert store.outbox.take_queued() == {ANSWER}
    assert store.outbox.take_queued() == set()
    await store.outbox.queue(key="p", content=content, dm_user="@u:x", at=NOW)
    assert store.outbox.take_queued() == {FAN_OUT}
    await store.close()


async def test_dm_rooms_are_read_once_and_forgotten_with_the_person(tmp_path):
    store = await Store.open(tmp_path / "t.sqlite3")
    assert await store.state.dm_room("@u:x") is None
    await store.state.set_dm_room("@u:x", "!dm:x", NOW)
    await store.db.execute("UPDATE dm_rooms SET room_id = '!other:x'")  # behind its back
    assert await store.state.dm_room("@u:x") == "!dm:x"  # from memory
    store.state.forget_cached("@u:x")
    assert await store.state.dm_room("@u:x") == "!other:x"
    await store.close()


async def test_someone_never_asked_to_confirm_costs_no_read(tmp_path):
    store = await Store.open(tmp_path / "t.sqlite3")
    await store.confirmations.ask("@a:x", "dm|!d:x", "accept", 4, at=NOW)
    reopened = await Store.open(tmp_path / "t.sqlite3")
    hops = count_hops(reopened)
    assert (await reopened.confirmations.pending("@a:x", "dm|!d:x")).request_id == 4
    assert hops() == 2  # who may have one (once), then the question
    assert await reopened.confirmations.pending("@b:x", "dm|!d:x") is None
    assert hops() == 2
    await reopened.confirmations.settle("@a:x", "dm|!d:x")
    assert await reopened.confirmations.pending("@a:x", "dm|!d:x") is None
    await reopened.confirmations.ask("@b:x", "room|$t", "cancel", 5, at=NOW)
    assert (await reopened.confirmations.pending("@b:x", "room|$t")).action == "cancel"
    await store.close()
    await reopened.close()


async def test_a_persons_recent_requests_for_a_day_or_none_yet(tmp_path):
    from datetime import timedelta

    store = await Store.open(tmp_path / "t.sqlite3")
    made = {}
    for name, who, room, day, ago in (
        ("that day", "@u:x", "!r:x", date(2027, 3, 2), 1),
        ("no day", "@u:x", "!r:x", None, 2),
        ("other day", "@u:x", "!r:x", date(2027, 3, 9), 1),
        ("other room", "@u:x", "!o:x", date(2027, 3, 2), 1),
        ("someone else", "@v:x", "!r:x", date(2027, 3, 2), 1),
        ("long ago", "@u:x", "!r:x", date(2027, 3, 2), 30),
    ):
        made[name] = await store.requests.create(
            source_event_id=f"${name}", room_id=room, thread_root=f"${name}", requester=who,
            text=name, details=RequestDetails(event_date=day, facilitators_needed=1),
            at=NOW - timedelta(days=ago),
        )  # fmt: skip
    since = NOW - timedelta(days=14)
    dated = await store.requests.lately_of("@u:x", "!r:x", since=since, day=date(2027, 3, 2))
    assert [r.text for r in dated] == ["no day", "that day"]  # latest first
    undated = await store.requests.lately_of("@u:x", "!r:x", since=since, day=None)
    assert [r.text for r in undated] == ["no day"]
    await store.close()


async def test_a_forgotten_person_leaves_nothing_in_the_caches(tmp_path):
    store = await Store.open(tmp_path / "t.sqlite3")
    await store.state.set_dm_room("@u:x", "!dm:x", NOW)
    await store.languages.set("@u:x", "en", chosen=True, at=NOW)
    assert (await store.state.dm_room("@u:x"), await store.languages.of("@u:x")) == ("!dm:x", "en")
    async with store.db.transaction():
        counts = await store.forget("@u:x")
    assert counts["salon_prive"] == 1 and counts["langue"] == 1
    assert (await store.state.dm_room("@u:x"), await store.languages.of("@u:x")) == (None, "fr")
    await store.close()


async def test_a_trip_that_fails_as_a_whole_fails_each_of_its_hops():
    from storage.db import _hand_out

    loop = asyncio.get_running_loop()
    queued = [(loop.create_future(), None), (loop.create_future(), None)]
    failed = loop.create_future()
    failed.set_exception(sqlite3.OperationalError("disk I/O error"))
    _hand_out(queued, failed)
    for future, _ in queued:
        with pytest.raises(sqlite3.OperationalError):
            future.result()
    queued = [(loop.create_future(), None)]
    cancelled = loop.create_future()
    cancelled.cancel()
    _hand_out(queued, cancelled)
    with pytest.raises(asyncio.CancelledError):
        queued[0][0].result()

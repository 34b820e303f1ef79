"""The SQLite database: opening, transactions and forward-only migrations."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# Set while the current task holds the write transaction, so that nested
# `transaction()` calls join it instead of deadlocking on the lock.
_in_transaction: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "facilibot_in_transaction", default=False
)


class MigrationError(Exception):
    """The database is newer than this code, or a migration failed."""


def migrations() -> list[tuple[int, str, str]]:
    """Return the shipped migrations as (version, name, sql), in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    for expected, (version, name, _) in enumerate(found, start=1):
        if version != expected:
            raise MigrationError(f"migration {name} out of sequence (expected {expected:04d})")
    return found


class Database:
    """One aiosqlite connection shared by the whole bot.

    Writes go through `transaction()`, which serialises writers with a lock:
    one bot process, one connection, so a transaction is never interleaved
    with another task's statements.

    Each call is a hop to aiosqlite's thread (a thread switch and a loop
    wake-up, ~0.1 ms of CPU: most of what handling an event costs), so a
    transaction sends its `BEGIN` along with its first statement, and `defer()`
    lets a write whose result nobody reads go along with the next statement or
    the `COMMIT`. `write_behind()` goes further for a write whose loss in a
    crash costs only a repeat (a message marked sent, the sync token): it goes
    with the next statement, whatever it is, or on its own soon after. And the
    statements asked for in one turn of the event loop (reads gathered with
    `asyncio.gather`, or two tasks' at once) make one trip, run one after the
    other in the order they were asked, each with its own result or error.
    """

    def __init__(self, conn: aiosqlite.Connection, path: Path | str) -> None:
        self.conn = conn
        self.path = path
        self._lock = asyncio.Lock()
        # Statements of the open transaction not sent yet: its BEGIN, deferred writes.
        self._unsent: list[_Unsent] = []
        # Reads to run right after the open transaction's COMMIT, in its hop, each with
        # what to do with its rows (`read_after_commit`).
        self._after_commit: list[tuple[str, tuple | dict, Callable[[list[Any]], None]]] = []
        # What to do once the open transaction has committed (`after_commit`).
        self._on_commit: list[Callable[[], None]] = []
        # Writes behind (`write_behind`), each its own autocommit, and their timer.
        self._behind: list[tuple[str, tuple | dict]] = []
        self._flush: asyncio.TimerHandle | None = None
        self._flushing: asyncio.Task[None] | None = None
        # The hops asked for in this turn of the loop, to go in one trip (`_hop`).
        self._queued: list[tuple[asyncio.Future[Any], Callable[[sqlite3.Connection], Any]]] = []
        self.trips = 0  # trips to aiosqlite's thread so far (tests, benchmarks)
        self._checkpointed_at = 0  # `trips` at the last checkpoint of the log

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        """Open (creating with 0600 permissions if needed) and migrate."""
        if str(path) != ":memory:":
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                # Create the file ourselves so it is never world-readable.
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA busy_timeout = 5000")
        # The bot checkpoints the log itself, off the answers' path (`flush`); SQLite's own
        # checkpoint, in whichever COMMIT crosses it, only backs that up.
        await conn.execute(f"PRAGMA wal_autocheckpoint = {BACKSTOP_PAGES}")
        db = cls(conn, path)
        try:
            await db.migrate()
        except BaseException:
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        """Write what is behind, then close the connection."""
        await self.flush()
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        await self.conn.close()

    async def version(self) -> int:
        """Return the schema version stored in the database."""
        async with self.conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0])

    async def migrate(self) -> int:
        """Apply every pending migration in one transaction; return the new version.

        Raises:
            MigrationError: the database is newer than this code, or a migration failed.
        """
        shipped = migrations()
        current = await self.version()
        latest = shipped[-1][0] if shipped else 0
        if current > latest:
            raise MigrationError(
                f"database schema {current} is newer than this Facilibot ({latest}): upgrade it"
            )
        pending = [m for m in shipped if m[0] > current]
        if not pending:
            return current
        script = "\n".join(sql for _, _, sql in pending)
        names = ", ".join(name for _, name, _ in pending)
        try:
            await self.conn.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {latest};\nCOMMIT;"
            )
        except Exception as exc:
            if self.conn.in_transaction:
                await self.conn.execute("ROLLBACK")
            raise MigrationError(f"migration failed ({names}): {exc}") from exc
        log.info("database migrated from schema %d to %d (%s)", current, latest, names)
        return latest

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Run the block in one write transaction (joined if one is already open)."""
        if _in_transaction.get():
            yield
            return
        async with self._lock:
            token = _in_transaction.set(True)
            self._unsent = [_BEGIN]
            try:
                yield
            except BaseException:
                self._unsent = []
                if self.conn.in_transaction:
                    await self._hop(_rowcount, "ROLLBACK", ())
                raise
            else:
                if self._unsent != [_BEGIN]:  # else the block ran no statement at all
                    try:
                        await self._commit()
                    except BaseException:
                        # A deferred write failed with the COMMIT: nothing is kept, and
                        # the connection is left out of the transaction for the next one.
                        self._unsent = []
                        if self.conn.in_transaction:
                            await self._hop(_rowcount, "ROLLBACK", ())
                        raise
                committed, self._on_commit = self._on_commit, []
                for then in committed:
                    then()
            finally:
                self._unsent = []
                self._after_commit = []
                self._on_commit = []
                _in_transaction.reset(token)

    async def _commit(self) -> None:
        """COMMIT, then (in the same hop) the writes behind and the reads asked for."""
        reads, self._after_commit = self._after_commit, []
        if not reads:
            await self._hop(_rowcount, "COMMIT", ())
            return
        queries = [(sql, params) for sql, params, _ in reads]
        found = await self._hop(_commit_then_read, "COMMIT", (self._take_behind(), queries))
        for (_, _, then), rows in zip(reads, found, strict=True):
            then(rows)

    def read_after_commit(
        self, sql: str, params: tuple | dict, then: Callable[[list[Any]], None]
    ) -> None:
        """In a transaction, run a read right after its COMMIT, in the same hop, and hand
        its rows to `then` (once for the same read; nothing if the block fails or no
        transaction is open)."""
        if not _in_transaction.get():
            return
        if any(sql == known and params == given for known, given, _ in self._after_commit):
            return
        self._after_commit.append((sql, params, then))

    def after_commit(self, then: Callable[[], None]) -> None:
        """Call `then` once the open transaction has committed (never if it rolls back);
        outside a transaction, what was written is committed already: at once."""
        if _in_transaction.get():
            self._on_commit.append(then)
        else:
            then()

    async def defer(
        self, sql: str, params: tuple | dict = (), *, then: Callable[[int], None] | None = None
    ) -> None:
        """Run a write whose result is not needed now; in a transaction, with its next
        statement. `then`, for an INSERT, gets the new row's id once it is written.

        An error it raises then comes from that later statement (or the
        commit), and rolls the whole transaction back all the same.
        """
        if _in_transaction.get():
            self._unsent.append((sql, params, then))
        elif then is None:
            await self.execute(sql, params)
        else:
            then(await self.insert(sql, params))

    def write_behind(self, sql: str, params: tuple | dict = ()) -> None:
        """Queue a write whose loss in a crash costs only a repeat, as its own autocommit.

        It goes with the next statement sent outside another task's transaction
        (before the BEGIN of one), or on its own within `BEHIND_FOR` seconds, or at
        close: every read made after this call sees it. An error it raises is
        logged, never raised from the statement it went with.
        """
        self._behind.append((sql, params))
        if self._flush is None:
            self._flush = asyncio.get_running_loop().call_later(BEHIND_FOR, self._flush_soon)

    def _take_behind(self) -> list[tuple[str, tuple | dict]]:
        behind, self._behind = self._behind, []
        if behind and self._flush is not None:
            self._flush.cancel()
            self._flush = None
        return behind

    def _flush_soon(self) -> None:
        self._flush = None
        self._flushing = asyncio.get_running_loop().create_task(self.flush())

    async def flush(self) -> None:
        """Write what is behind now, and checkpoint the log when it is due: a trip on
        nobody's path (its writes wait for no answer), unlike a COMMIT."""
        if self._behind:
            async with self._lock:
                statement = "SELECT 1"
                if self.trips - self._checkpointed_at >= CHECKPOINT_EVERY:
                    statement = "PRAGMA wal_checkpoint(PASSIVE)"
                    self._checkpointed_at = self.trips
                await self._hop(_rowcount, statement, ())

    async def ping(self) -> bool:
        """Whether the database answers a trivial query."""
        return await self.fetchone("SELECT 1") is not None

    async def fetchone(self, sql: str, params: tuple | dict = ()) -> aiosqlite.Row | None:
        """Run a query and return its first row."""
        return await self._read(_fetchone, sql, params)

    async def fetchall(self, sql: str, params: tuple | dict = ()) -> list[aiosqlite.Row]:
        """Run a query and return all its rows."""
        return await self._read(_fetchall, sql, params)

    async def _read(self, run: Callable[..., Any], sql: str, params: tuple | dict) -> Any:
        if _in_transaction.get() or not self._lock.locked():
            return await self._hop(run, sql, params)
        # Another task's transaction is open on this one connection: a read now
        # would see its uncommitted rows (the sender would send answers of a
        # transaction that may still roll back). Wait for it to end.
        async with self._lock:
            return await self._hop(run, sql, params)

    async def execute(self, sql: str, params: tuple | dict = ()) -> int:
        """Run one write statement inside a transaction; return the rows changed."""
        return await self._write(_rowcount, sql, params)

    async def insert(self, sql: str, params: tuple | dict = ()) -> int:
        """Run one INSERT inside a transaction; return the new row id."""
        return await self._write(_lastrowid, sql, params)

    async def _write(self, run: Callable[..., Any], sql: str, params: tuple | dict) -> Any:
        if _in_transaction.get():
            return await self._hop(run, sql, params)
        # Alone, one statement is its own transaction (autocommit): no BEGIN and
        # COMMIT round trips. The lock still keeps it out of another task's.
        async with self._lock:
            return await self._hop(run, sql, params)

    async def _hop(self, run: Callable[..., Any], sql: str, params: tuple | dict) -> Any:
        """Run one statement in aiosqlite's thread (execute, fetch and close in one go),
        after the writes behind (outside a transaction, or before its BEGIN) and the
        unsent statements of the transaction this task holds."""
        unsent: list[_Unsent] = []
        if _in_transaction.get():
            unsent, self._unsent = self._unsent, []
        behind: list[tuple[str, tuple | dict]] = []
        if not _in_transaction.get() or (unsent and unsent[0] is _BEGIN):
            behind = self._take_behind()
        if not unsent and not behind:
            return await self._queue(functools.partial(run, sql=sql, params=params))
        result, ids = await self._queue(
            functools.partial(_after, behind=behind, unsent=unsent, run=run, sql=sql, params=params)
        )
        for then, row_id in zip([t for _, _, t in unsent if t is not None], ids, strict=True):
            then(row_id)
        return result

    async def _queue(self, call: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run `call` in aiosqlite's thread, in the trip of this turn of the loop."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queued.append((future, call))
        if len(self._queued) == 1:
            loop.call_soon(self._trip, loop)
        return await future

    def _trip(self, loop: asyncio.AbstractEventLoop) -> None:
        """Send the hops queued in this turn of the loop to aiosqlite's thread, together."""
        queued, self._queued = self._queued, []
        if not self.conn._running or self.conn._connection is None:
            for future, _ in queued:
                if not future.done():
                    future.set_exception(ValueError("Connection closed"))
            return
        self.trips += 1
        done = loop.create_future()
        done.add_done_callback(functools.partial(_hand_out, queued))
        calls = [call for _, call in queued]
        self.conn._tx.put_nowait((done, functools.partial(_run_all, self.conn._conn, calls)))


# A statement of the open transaction not sent yet, with what gets its row id.
_Unsent = tuple[str, tuple | dict, Callable[[int], None] | None]
_BEGIN: _Unsent = ("BEGIN IMMEDIATE", (), None)
# The longest a write behind waits for a statement to go with: about a homeserver
# round trip, so that it goes while the exchange that made it is still on. Waiting
# longer seldom finds a statement to go with (the next request's, at best), and a
# trip after the bot has fallen idle costs several times a trip in the middle of
# work (`docs/benchmarks.md`).
BEHIND_FOR = 0.05
# The write-ahead log is checkpointed (its pages copied into the database, each file
# synced: 1.3-6.7 ms in the database's thread on a small virtual machine) with the writes
# behind, once this many trips have gone since the last time: about as often as SQLite's
# default of a thousand pages, for a request's nine trips. SQLite's own checkpoint, at
# BACKSTOP_PAGES, is for a bot that writes and never sends.
CHECKPOINT_EVERY = 100
BACKSTOP_PAGES = 10_000


def _run_all(
    conn: sqlite3.Connection, calls: list[Callable[[sqlite3.Connection], Any]]
) -> list[tuple[bool, Any]]:
    """In aiosqlite's thread: each call in turn, with its result or its error."""
    outcomes: list[tuple[bool, Any]] = []
    for call in calls:
        try:
            outcomes.append((True, call(conn)))
        except Exception as exc:
            outcomes.append((False, exc))
    return outcomes


def _hand_out(
    queued: list[tuple[asyncio.Future[Any], Callable[..., Any]]], done: asyncio.Future[Any]
) -> None:
    """Back in the loop: give each hop of a trip its result or its error."""
    try:
        outcomes = done.result()
    except BaseException as exc:  # the trip itself failed (or was cancelled): each hop with it
        outcomes = [(False, exc)] * len(queued)
    for (future, _), (ok, value) in zip(queued, outcomes, strict=True):
        if future.done():  # its caller was cancelled meanwhile
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)


def _after(
    conn: sqlite3.Connection,
    *,
    behind: list[tuple[str, tuple | dict]],
    unsent: list[_Unsent],
    run: Callable[..., Any],
    sql: str,
    params: tuple | dict,
) -> tuple[Any, list[int]]:
    """The writes behind, the unsent statements (the ids of the rows inserted by those
    that want them), then `run`."""
    _write_behind(conn, behind)
    ids = []
    for statement, values, then in unsent:
        cursor = conn.execute(statement, values)
        if then is not None:
            ids.append(int(cursor.lastrowid))
        cursor.close()
    return run(conn, sql, params), ids


def _write_behind(conn: sqlite3.Connection, behind: list[tuple[str, tuple | dict]]) -> None:
    for statement, values in behind:
        try:
            conn.execute(statement, values).close()
        except sqlite3.Error:
            log.exception("a write behind failed: %s", statement)


def _commit_then_read(
    conn: sqlite3.Connection,
    sql: str,
    params: tuple[list[tuple[str, tuple | dict]], list[tuple[str, tuple | dict]]],
) -> list[list[sqlite3.Row]]:
    """The COMMIT (`sql`), then the writes behind, then the reads, as `params` lists them:
    the reads see every write made before them."""
    behind, queries = params
    conn.execute(sql).close()
    _write_behind(conn, behind)
    return [_fetchall(conn, query, values) for query, values in queries]


def _fetchone(conn: sqlite3.Connection, sql: str, params: tuple | dict) -> sqlite3.Row | None:
    cursor = conn.execute(sql, params)
    try:
        return cursor.fetchone()
    finally:
        cursor.close()


def _fetchall(conn: sqlite3.Connection, sql: str, params: tuple | dict) -> list[sqlite3.Row]:
    cursor = conn.execute(sql, params)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


def _rowcount(conn: sqlite3.Connection, sql: str, params: tuple | dict) -> int:
    cursor = conn.execute(sql, params)
    try:
        return cursor.rowcount
    finally:
        cursor.close()


def _lastrowid(conn: sqlite3.Connection, sql: str, params: tuple | dict) -> int:
    cursor = conn.execute(sql, params)
    try:
        return int(cursor.lastrowid)
    finally:
        cursor.close()

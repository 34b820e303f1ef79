"""Wiring: storage, Matrix client, dispatcher, outbox sender and sync loop, in one place."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.config import Config
from bot.domain.clock import Clock, SystemClock
from bot.matrix.backoff import Pacer
from bot.matrix.client import MatrixClient
from bot.matrix.events import incoming_from_source
from bot.matrix.rooms import ServedRooms
from bot.matrix.sender import OutboxSender
from bot.matrix.sync import SyncBatch, SyncLoop
from bot.matrix.undecryptable import UndecryptableEvents
from bot.parsing import parse
from bot.scheduler import Scheduler
from handlers import undecryptable
from handlers.core.chat import OutboxChat
from handlers.core.jobs import JobRunner
from handlers.enrollment import enroll_members
from handlers.features import JOB_KINDS, build_dispatcher
from handlers.privacy import apply_retention, plan_retention
from storage.store import Store

if TYPE_CHECKING:
    from bot.observability import Observability

log = logging.getLogger(__name__)

# The longest the next long-poll waits for what a batch set off (first pings) to go
# out after its answers; past it, the poll goes and they come back on their own.
SET_OFF_WAIT = 0.25


class App:
    """One running bot."""

    def __init__(self, config: Config, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.store: Store | None = None
        self.client: MatrixClient | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._members_checked = False  # members of the facilitators room: all once per start
        # Named health checks for /healthz beyond sync and database ("scheduler": ...).
        self.health_checks: dict[str, Callable[[], bool]] = {}
        self.observability: Observability | None = None

    async def start(self) -> None:
        """Open storage, log in, join the configured rooms and start syncing."""
        # The parser compiles its patterns on first use (~50-130 ms): do it in a
        # thread while we wait on the network, not on the first request.
        warm_up = asyncio.create_task(asyncio.to_thread(_warm_up_parser, self.clock.now()))
        self.store = await Store.open(self.config.storage.database)
        await self._start_observability()
        await apply_retention(self.store, self.config.storage.retention_months, self.clock.now())
        await plan_retention(self.store, self.clock.now())
        self.client = MatrixClient(self.config.matrix)
        try:
            await self.client.login()
        except BaseException:
            await self.client.close()
            await self.store.close()
            raise
        self.dispatcher = build_dispatcher(self.config, self.store, self.clock, self.is_facilitator)
        self.undecryptable = UndecryptableEvents(
            self.client,
            self.store,
            self.clock,
            self.config.matrix.decryption_timeout,
            handle=self._on_event,
            notify=functools.partial(undecryptable.tell_sender, self.store, self.clock),
        )
        pacer = Pacer(self.config.bot.sends_per_second, self.config.bot.send_burst)
        self.sender = OutboxSender(self.client, self.store, self.clock, pacer)
        # The answers of a batch go out before the next long-poll: the homeserver
        # serves them first, as it would for a bot that syncs only when done.
        self.sync = SyncLoop(
            self.client,
            self.store.state,
            self.clock,
            self.on_batch,
            before_next=self._before_next_poll,
        )
        if self.observability is not None:
            self.dispatcher.on_handled = self.observability.observe_handled
        self.dispatcher.on_commit = self._send_answers
        # The first pings of a request go once its acknowledgment is sent (_run_due_jobs).
        self.dispatcher.settle_due_now = False
        self.rooms = ServedRooms(
            self.config, self.client, self.store, self.clock, self._facilitators_room_is
        )
        await self.rooms.join_configured()
        await self.rooms.load_mission_rooms()
        self.sender.on_mission_room = self.rooms.mission_room
        self._make_scheduler()
        await warm_up
        self._tasks = [
            asyncio.create_task(self.sender.run(), name="outbox"),
            asyncio.create_task(self.sync.run(), name="sync"),
            asyncio.create_task(self._start_scheduler(), name="scheduler"),
        ]
        loop = type(asyncio.get_running_loop())
        log.info(
            "Facilibot started as %s (event loop: %s.%s)",
            self.config.matrix.user_id,
            loop.__module__,
            loop.__qualname__,
        )

    async def stop(self) -> None:
        """Stop syncing, let the outbox drain briefly, close everything."""
        if getattr(self, "scheduler", None):
            self.scheduler.stop()
            # A job being fired finishes its transaction before the database closes.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.jobs.wait_idle(), 3)
        for task in reversed(self._tasks):
            if task.get_name() == "outbox":
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(self.sender.wait_idle()), 3)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        if getattr(self, "scheduler", None):
            self.scheduler.stop()  # again: it may have started while the tasks were stopping
        if self.observability is not None:
            await self.observability.stop()
        if self.client:
            await self.client.close()
        if self.store:
            await self.store.close()
        log.info("Facilibot stopped")

    async def _start_observability(self) -> None:
        """Serve /healthz and /metrics on loopback when `observability.listen` is set."""
        address = self.config.observability.address
        if address is None:
            return
        from bot.observability import Observability  # only loaded when enabled

        sync = lambda: getattr(self, "sync", None)  # noqa: E731 - created after login
        sender = lambda: getattr(self, "sender", None)  # noqa: E731
        self.observability = Observability(
            db=lambda: self.store.db if self.store else None,
            last_sync=lambda: sync().last_success if sync() else None,
            now=self.clock.now,
            max_sync_age=self.config.observability.max_sync_age,
            live=lambda: (
                {"send_retries": sender().retries, "sent": sender().sent} if sender() else {}
            ),
        )
        self.health_checks.setdefault("scheduler", self._scheduler_running)
        self.observability.checks = self.health_checks
        await self.observability.start(*address)

    def _scheduler_running(self) -> bool:
        """Whether the schedule's alarm clock has started and still runs."""
        scheduler = getattr(self, "scheduler", None)
        return scheduler is not None and scheduler.started.is_set() and scheduler.aps.running

    def _facilitators_room_is(self, room_id: str | None) -> None:
        self.dispatcher.facilitators_room = room_id

    @property
    def request_rooms(self) -> set[str]:
        """The requests rooms being served."""
        return self.rooms.request_rooms

    @property
    def facilitators_room(self) -> str | None:
        """The facilitators room, once joined."""
        return getattr(self, "rooms", None) and self.rooms.facilitators_room

    async def is_facilitator(self, user_id: str) -> bool:
        """Whether the user is a member of the facilitators room or in the directory."""
        assert self.client is not None and self.store is not None
        room = self.client.nio.rooms.get(self.facilitators_room or "")
        if room is not None and user_id in room.users:
            return True
        return await self.store.facilitators.get(user_id) is not None

    async def on_batch(self, batch: SyncBatch) -> None:
        """Handle what one sync brought, in order, each event once."""
        assert self.client is not None and self.store is not None
        for room_id, state in batch.invites.items():
            await self.rooms.on_invite(room_id, state)
        for room_id, events in batch.timelines.items():
            kind = self.rooms.kind(room_id)
            if kind is None:
                continue
            for source in events:
                if source.get("type") == "m.room.tombstone" and source.get("state_key") == "":
                    await self.rooms.follow_upgrade(room_id, source)
                    continue
                await self._on_event(room_id, kind, source, unseen=batch.unseen)
        await self._enroll_facilitators(batch)
        await self.undecryptable.retry(batch.room_keys)
        await self.undecryptable.notify_due()
        self.sender.wake()

    async def _enroll_facilitators(self, batch: SyncBatch) -> None:
        """Give every member of the facilitators room a profile (and one invitation).

        All members once per start, then those who join.
        """
        assert self.client is not None and self.store is not None
        room = self.client.nio.rooms.get(self.facilitators_room or "")
        if room is None:
            return
        if self._members_checked:
            joined = {
                e.get("state_key")
                for e in batch.timelines.get(room.room_id, [])
                if e.get("type") == "m.room.member"
                and e.get("content", {}).get("membership") == "join"
            }
        else:
            joined = set(room.users) - set(room.invited_users)
        me = self.config.matrix.user_id
        members = {
            user: getattr(room.users.get(user), "display_name", None) or ""
            for user in joined
            if isinstance(user, str)
            and user != me
            and self.config.matrix.is_allowed(user)
            # Coordinators steer the network; those who facilitate too are in the roster.
            and not self.config.is_coordinator(user)
        }
        try:
            if members:
                chat = OutboxChat(self.store.outbox, self.clock)
                prefix = self.config.bot.command_prefix
                await enroll_members(self.store, chat, self.clock, members, prefix=prefix)
        except Exception:
            # Never block the sync loop over it: the next start checks everyone again.
            log.exception("enrolling members of %s failed", room.room_id)
            return
        self._members_checked = True

    async def _on_event(
        self, room_id: str, kind: str, source: dict[str, Any], *, unseen: bool = False
    ) -> None:
        sender = source.get("sender")
        if sender == self.config.matrix.user_id:
            return
        if source.get("type") == "m.room.encrypted":
            # Not decrypted by the sync: kept until its key comes (bot/undecryptable.py).
            if self.config.matrix.is_allowed(str(sender)):
                await self.undecryptable.hold(room_id, kind, source)
            return
        incoming = incoming_from_source(source, room_id)
        if incoming is None:
            return
        if not self.config.matrix.is_allowed(incoming.sender):
            log.info("ignoring %s from %s (server not allowed)", incoming.event_id, sender)
            return
        if kind == "dm":
            incoming = replace(incoming, is_dm=True)
        # Wakes the sender once committed.
        await self.dispatcher.handle(incoming, kind, unseen=unseen)
        await self.scheduler.refresh()

    async def _before_next_poll(self) -> None:
        """Before the next long-poll: the batch's answers out, then (briefly) what they
        set off, the first pings of a new request. Each message the bot sends comes
        back in its own sync: polling only once they are out brings them back
        together, one sync a request instead of one for each."""
        await self.sender.answers_sent()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(SET_OFF_WAIT):
                await self.scheduler.rung()
                await self.sender.wait_idle()

    async def _send_answers(self) -> None:
        """An event's answers are committed: wake the sender. One turn of the loop
        lets it ask for them first: the statements after this (alarms, first pings,
        sync token) would otherwise go before its read."""
        self.sender.wake()
        await asyncio.sleep(0)

    def _make_scheduler(self) -> None:
        assert self.store is not None
        self.jobs = JobRunner(
            self.config,
            self.store,
            self.clock,
            JOB_KINDS,
            facilitators_room=lambda: self.facilitators_room,
        )
        self.scheduler = Scheduler(
            self.store.jobs, self.clock, self._run_due_jobs, fire=self._run_due_jobs
        )

    async def _start_scheduler(self) -> None:
        """After the first sync, settle the jobs missed while down and arm the others."""
        # nio sends (and encrypts) only to rooms it has synced: a reminder due
        # at start waits for the first sync instead of failing and backing off.
        await self.sync.ready.wait()
        await self.scheduler.start()

    async def _run_due_jobs(self, job_ids: list[int] | None = None) -> None:
        """Settle the jobs due now: these (just written due now) or every due row."""
        # Answers to people waiting in the chat first: a job (first pings of a new
        # request, reminders) neither delays them nor takes the CPU they need.
        await self.sender.answers_sent()
        if job_ids is None:
            await self.jobs.run_due()
        else:
            await self.jobs.fire(job_ids)
        self.sender.wake()


def _warm_up_parser(now: datetime) -> None:
    parse("On cherche 2 facilitateurs pour un atelier le 12 mars de 9h à 12h30 à Bercy.", now)


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed (a dependency, but for Windows), else
    asyncio's own (None).

    Most of what the bot does for a message is the loop's own work: waking up
    for a socket or for the database's thread, running the callbacks, reading
    and writing HTTP. uvloop does it in C on libuv (`docs/benchmarks.md`).
    """
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


async def run(config: Config) -> None:
    """Run the bot until SIGINT or SIGTERM, then stop cleanly."""
    app = App(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await app.start()
    try:
        await stop.wait()
        log.info("stop requested")
    finally:
        await app.stop()

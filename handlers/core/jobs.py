"""Timed jobs: the registry of kinds, and firing what is due, once.

A job fires in ONE transaction: the row is re-read and must still be
pending, the kind's handler queues its messages in the outbox (keys
`job:{id}:{n}`, so their transaction ids are fixed), and the row becomes
`sent`. A crash before the commit leaves the job pending; after it, the
outbox sender delivers with those transaction ids, so nothing is sent twice.

A job found late (the bot was down) still fires if it is useful: before its
`expires_at` (a reminder is useless once the event started), within its
kind's grace, and not superseded by a later job of the same series (after a
long outage only the most recent reminder of a series goes out). Otherwise
it is marked `skipped` with the reason, and a log line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.config import Config
from bot.domain.clock import Clock
from bot.domain.schedule import SENT, SKIPPED, Job, JobPlan, Wanted, plan_jobs
from handlers.core.chat import OutboxChat
from handlers.core.context import Chat
from storage.store import Store

log = logging.getLogger(__name__)

DEFAULT_GRACE = timedelta(hours=12)
MAX_BATCHES = 20
DUE_BATCH = 500  # due rows read at once


class SkipJob(Exception):
    """Raised by a handler: the job is no longer useful; `reason` goes to the row and the log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class JobContext:
    """What a job handler may use: like a handler's `Context`, without an incoming event."""

    job: Job
    config: Config
    store: Store
    chat: Chat
    clock: Clock
    facilitators_room: str | None = None
    _n: int = field(default=0, repr=False)

    def next_key(self) -> str:
        """The outbox key of the job's next message: `job:{id}:{n}`, the same on every retry."""
        key = f"job:{self.job.id}:{self._n}"
        self._n += 1
        return key


JobHandler = Callable[[JobContext, Job], Awaitable[None]]


@dataclass(frozen=True)
class JobKind:
    """How one kind of job fires and how late it may still fire."""

    name: str
    handler: JobHandler
    grace: timedelta | None  # None: only `expires_at` limits it
    supersede: bool  # a later due job of the same series replaces an earlier one


class JobKinds:
    """Kinds of jobs by name: each feature declares its own, the dispatcher gathers them."""

    def __init__(self, *parts: JobKinds) -> None:
        self._kinds: dict[str, JobKind] = {}
        for part in parts:
            self._kinds.update(part._kinds)

    def add(
        self,
        kind: str,
        handler: JobHandler,
        *,
        grace: timedelta | None = DEFAULT_GRACE,
        supersede: bool = False,
    ) -> None:
        """Declare a kind of job (declaring a kind again replaces it).

        `handler(ctx, job)` runs inside the firing transaction: it queues messages
        through `ctx.chat` with keys from `ctx.next_key()`, or raises `SkipJob`.
        """
        self._kinds[kind] = JobKind(kind, handler, grace, supersede)

    def get(self, kind: str) -> JobKind | None:
        """Return a kind, or None."""
        return self._kinds.get(kind)

    def kinds(self) -> tuple[str, ...]:
        """The declared kinds."""
        return tuple(self._kinds)


async def apply_jobs(
    store: Store, target: str, wanted: list[Wanted], kinds: tuple[str, ...], now: datetime
) -> JobPlan:
    """Bring a target's jobs of these kinds to what is wanted (see `plan_jobs`)."""
    plan = plan_jobs(wanted, await store.jobs.for_target(target, kinds), now)
    for want in plan.create:
        await store.jobs.create(
            kind=want.kind,
            target=target,
            recipient=want.recipient,
            offset=want.offset,
            anchor_at=want.anchor_at,
            due_at=want.due_at,
            expires_at=want.expires_at,
            at=now,
        )
    for job_id, want in plan.move:
        await store.jobs.move(
            job_id, due_at=want.due_at, anchor_at=want.anchor_at, expires_at=want.expires_at, at=now
        )
    for job_id in plan.cancel:
        await store.jobs.settle(job_id, "cancelled", at=now, note="no longer wanted")
    if plan:
        log.info(
            "%s jobs: %d created, %d moved, %d cancelled",
            target,
            len(plan.create),
            len(plan.move),
            len(plan.cancel),
        )
    return plan


class JobRunner:
    """Fire or skip every due job, each in its own transaction."""

    def __init__(
        self,
        config: Config,
        store: Store,
        clock: Clock,
        registry: JobKinds,
        facilitators_room: Callable[[], str | None] = lambda: None,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.registry = registry
        self.facilitators_room = facilitators_room
        self._lock = asyncio.Lock()

    async def wait_idle(self) -> None:
        """Wait until no job is being fired (clean shutdown)."""
        async with self._lock:
            pass

    async def run_due(self) -> dict[str, int]:
        """Settle every job due now; return how many were sent, skipped or failed."""
        counts = {SENT: 0, SKIPPED: 0, "failed": 0}
        tried: set[int] = set()
        async with self._lock:
            # In batches: a long outage may leave many rows due at once. Bounded, in
            # case a handler keeps creating jobs due at once: the next alarm goes on.
            for _ in range(MAX_BATCHES):
                due = await self.store.jobs.due(self.clock.now(), limit=DUE_BATCH)
                batch = [j for j in due if j.id not in tried]
                for job in batch:
                    tried.add(job.id)
                    outcome = await self._settle(job.id)
                    counts[outcome] = counts.get(outcome, 0) + 1
                if len(due) < DUE_BATCH or not batch:
                    # Every row due was read. Those the batch made due now are the
                    # alarm clock's: its refresh sees them written and rings again.
                    break
        return counts

    async def fire(self, job_ids: list[int]) -> None:
        """Settle these jobs now, each in its own transaction (due now, just committed;
        one no longer pending is left as it is)."""
        async with self._lock:
            for job_id in job_ids:
                await self._settle(job_id)

    async def _settle(self, job_id: int) -> str:
        """Fire or skip one job, read again (pending?) in the transaction that settles it."""
        job: Job | None = None
        try:
            async with self.store.db.transaction():
                now = self.clock.now()
                job, superseded = await self.store.jobs.to_fire(job_id, now)
                if job is None or job.state != "pending":
                    return "failed" if job is None else job.state
                kind = self.registry.get(job.kind)
                reason = self._why_skip(job, kind, superseded, now)
                if reason is None:
                    assert kind is not None
                    ctx = JobContext(
                        job=job,
                        config=self.config,
                        store=self.store,
                        chat=OutboxChat(self.store.outbox, self.clock),
                        clock=self.clock,
                        facilitators_room=self.facilitators_room(),
                    )
                    try:
                        await kind.handler(ctx, job)
                    except SkipJob as skip:
                        reason = skip.reason
                if reason is not None:
                    # A skip must not leave half-queued messages behind.
                    raise _Skipped(reason)
                await self.store.jobs.settle_later(job.id, SENT, at=now)  # read pending above
            log.info("job %d (%s %s %s) sent", job.id, job.kind, job.target, job.recipient)
            return SENT
        except _Skipped as skipped:
            assert job is not None
            async with self.store.db.transaction():
                await self.store.jobs.settle(
                    job.id, SKIPPED, at=self.clock.now(), note=skipped.reason
                )
            log.info(
                "job %d (%s %s %s) due %s skipped: %s",
                job.id,
                job.kind,
                job.target,
                job.recipient,
                job.due_at.isoformat(),
                skipped.reason,
            )
            return SKIPPED
        except Exception:
            # Left pending: the next alarm (or the next start) tries again.
            what = f" ({job.kind} {job.target})" if job is not None else ""
            log.exception("job %d%s failed", job_id, what)
            return "failed"

    def _why_skip(
        self, job: Job, kind: JobKind | None, superseded: bool, now: datetime
    ) -> str | None:
        if kind is None:
            return f"unknown kind {job.kind!r}"
        if job.expires_at is not None and now >= job.expires_at:
            return f"too late: expired at {job.expires_at.isoformat()}"
        if kind.grace is not None and now - job.due_at > kind.grace:
            return f"too late: {now - job.due_at} after its time (grace {kind.grace})"
        if superseded and kind.supersede:
            return "superseded by a later reminder of the same series"
        return None


class _Skipped(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

"""The alarm clock: APScheduler 3 wakes the bot when a job row is due (the only APScheduler user).

The schedule itself lives in the database (`storage.schedule`). Here the
earliest pending rows (`ARMED` of them) get one `date` alarm each; when one
rings, `on_due` settles every due row (see `handlers.core.jobs.JobRunner`); a row
written due now is rung at once and settled by id (`fire`). Alarms
are hints: a stale one finds nothing to do, and a periodic rescan re-arms
anything a hint missed. The rows beyond the armed ones are armed as the
earlier ones are settled: 10,000 pending reminders cost 100 alarms, not 10,000.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.domain.clock import Clock
from storage.schedule import SETTLED, JobRepository

log = logging.getLogger(__name__)

RESCAN_EVERY = timedelta(minutes=5)
# How many of the earliest pending rows hold an alarm at a time.
ARMED = 100


class Scheduler:
    """Keep one APScheduler alarm for each of the earliest pending job rows."""

    def __init__(
        self,
        jobs: JobRepository,
        clock: Clock,
        on_due: Callable[[], Awaitable[None]],
        *,
        fire: Callable[[list[int]], Awaitable[None]] | None = None,
        rescan_every: timedelta = RESCAN_EVERY,
        armed: int = ARMED,
    ) -> None:
        self.jobs = jobs
        self.clock = clock
        self.on_due = on_due
        # Settles the rows a refresh saw written due now, by id (else `on_due`).
        self.fire = fire
        self.rescan_every = rescan_every
        self.armed = armed
        # The due time of the last armed row when more rows wait beyond it, else None
        # (every pending row is armed).
        self._horizon: datetime | None = None
        self.aps = AsyncIOScheduler(timezone=UTC)
        self._ringing: set[asyncio.Task[None]] = set()
        self.started = asyncio.Event()

    async def start(self) -> None:
        """Settle what was missed while the bot was down, then arm the earliest pending rows."""
        await self.on_due()
        self.aps.start()
        await self.rescan()
        self.aps.add_job(
            self._rescan_and_fire,
            "interval",
            seconds=self.rescan_every.total_seconds(),
            id="rescan",
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=None,
        )
        self.started.set()
        log.info("scheduler started with %d alarms", len(self.alarms()))

    def stop(self) -> None:
        """Stop ringing (the rows stay: the next start picks them up)."""
        if self.aps.running:
            self.aps.shutdown(wait=False)
        for task in self._ringing:
            task.cancel()

    async def rung(self) -> None:
        """Wait until the jobs rung now (due by the bot's clock) are settled."""
        while self._ringing:
            await asyncio.wait(set(self._ringing))

    def alarms(self) -> dict[int, object]:
        """Armed alarms by job id (tests, logs)."""
        return {
            # A job added before the scheduler starts has no run time yet.
            int(job.id.split(":", 1)[1]): getattr(job, "next_run_time", None)
            for job in self.aps.get_jobs()
            if job.id.startswith("job:")
        }

    async def refresh(self) -> None:
        """Re-arm or disarm the alarms of the rows written since the last refresh."""
        touched = self.jobs.take_touched()
        if not touched:
            return
        due_now: list[int] = []
        unknown = {job_id for job_id, due_at in touched.items() if due_at is None}
        jobs = await self.jobs.many(unknown) if unknown else {}
        for job_id, known in touched.items():
            if known == SETTLED:
                self._disarm(job_id)
                continue
            job = jobs.get(job_id)
            due_at = known if job is None else job.due_at
            if due_at is None or (job is not None and job.state != "pending"):
                self._disarm(job_id)
            elif not self._within_horizon(due_at):
                self._disarm(job_id)
            elif due_at <= self.clock.now():
                # Due by the bot's clock: rung now (once for all), not by an alarm on
                # APScheduler's own clock; a failed firing is re-armed by the rescan.
                due_now.append(job_id)
            else:
                self._arm(job_id, due_at)
        if due_now:
            self._ring_soon(due_now)
        if self._horizon is not None and len(self.alarms()) < self.armed:
            # Rows wait beyond the armed ones: arm the next earliest.
            await self.rescan()

    async def rescan(self) -> None:
        """Arm the earliest pending rows, and drop the other alarms."""
        self.jobs.take_touched()
        pending = await self.jobs.pending(limit=self.armed)
        self._horizon = pending[-1].due_at if len(pending) == self.armed else None
        wanted = {job.id for job in pending}
        for job_id in set(self.alarms()) - wanted:
            self._disarm(job_id)
        for job in pending:
            self._arm(job.id, job.due_at)

    def _within_horizon(self, due_at: datetime) -> bool:
        return self._horizon is None or due_at <= self._horizon

    def _arm(self, job_id: int, due_at: datetime) -> None:
        self.aps.add_job(
            self._ring,
            "date",
            run_date=due_at,
            id=f"job:{job_id}",
            replace_existing=True,
            # A late alarm still rings: whether the job is still useful is
            # decided by the job's own grace policy, not here.
            misfire_grace_time=None,
            coalesce=True,
        )

    def _disarm(self, job_id: int) -> None:
        if self.aps.get_job(f"job:{job_id}") is not None:
            self.aps.remove_job(f"job:{job_id}")

    def _ring_soon(self, job_ids: list[int]) -> None:
        task = asyncio.create_task(self._ring(job_ids))
        self._ringing.add(task)
        task.add_done_callback(self._ringing.discard)

    async def _ring(self, job_ids: list[int] | None = None) -> None:
        try:
            if job_ids is not None and self.fire is not None:
                await self.fire(job_ids)
            else:
                await self.on_due()
            await self.refresh()
        except Exception:
            log.exception("firing due jobs failed; the next alarm or rescan retries")

    async def _rescan_and_fire(self) -> None:
        try:
            await self.rescan()
            await self.on_due()
        except Exception:
            log.exception("scheduler rescan failed")

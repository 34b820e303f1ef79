"""The alarm clock: APScheduler 3 wakes the bot when a job row is due (the only APScheduler user).

The schedule itself lives in the database (`storage.schedule`). Here each
pending row gets one `date` alarm; when it rings, `on_due` settles every due
row (see `handlers.jobs.JobRunner`). Alarms are hints: a stale one finds
nothing to do, and a periodic rescan re-arms anything a hint missed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock
from storage.schedule import Job, JobRepository

log = logging.getLogger(__name__)

RESCAN_EVERY = timedelta(minutes=5)


class Scheduler:
    """Keep one APScheduler alarm per pending job row."""

    def __init__(
        self,
        jobs: JobRepository,
        clock: Clock,
        on_due: Callable[[], Awaitable[None]],
        *,
        rescan_every: timedelta = RESCAN_EVERY,
    ) -> None:
        self.jobs = jobs
        self.clock = clock
        self.on_due = on_due
        self.rescan_every = rescan_every
        self.aps = AsyncIOScheduler(timezone=UTC)
        self.started = asyncio.Event()

    async def start(self) -> None:
        """Settle what was missed while the bot was down, then arm every pending row."""
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
        for job_id in self.jobs.take_touched():
            job = await self.jobs.get(job_id)
            if job is not None and job.state == "pending":
                self._arm(job)
            else:
                self._disarm(job_id)

    async def rescan(self) -> None:
        """Arm an alarm for every pending row, and drop alarms of rows no longer pending."""
        self.jobs.take_touched()
        pending = await self.jobs.pending()
        wanted = {job.id for job in pending}
        for job_id in set(self.alarms()) - wanted:
            self._disarm(job_id)
        for job in pending:
            self._arm(job)

    def _arm(self, job: Job) -> None:
        self.aps.add_job(
            self._ring,
            "date",
            run_date=job.due_at,
            id=f"job:{job.id}",
            replace_existing=True,
            # A late alarm still rings: whether the job is still useful is
            # decided by the job's own grace policy, not here.
            misfire_grace_time=None,
            coalesce=True,
        )

    def _disarm(self, job_id: int) -> None:
        if self.aps.get_job(f"job:{job_id}") is not None:
            self.aps.remove_job(f"job:{job_id}")

    async def _ring(self) -> None:
        try:
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

"""Reminders before each session of a cycle: planned per session, fired by the scheduler.

A cycle's request keeps its feedback request (after the last session) on its
own target; each planned session has its reminders on `session:<id>:<n>`, so
moving or cancelling one session moves or cancels its reminders only.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Protocol

from bot.config import Config
from bot.domain import cycles
from bot.domain.clock import Clock
from bot.domain.content import Rendered
from bot.domain.lifecycle import ACTIVE_REQUEST_STATES
from bot.domain.planning import mission_start, shift_before, to_zone
from bot.domain.requests import Request
from bot.domain.schedule import Job, Wanted
from handlers.core import wording
from handlers.core.jobs import JobContext, JobKinds, SkipJob, apply_jobs
from handlers.core.language import Say
from storage.store import Store

log = logging.getLogger(__name__)
jobs = JobKinds()

SESSION_REMINDER = "session_reminder"
_ACTIVE = tuple(str(s) for s in ACTIVE_REQUEST_STATES)

SESSION_REMINDER_FACILITATOR = Say(
    "Rappel : vous facilitez la séance {number} de la demande #{id} {lead}, {when}.",
    "Reminder: you are facilitating session {number} of request #{id} {lead}, {when}.",
)
SESSION_REMINDER_REQUESTER = Say(
    "Rappel : la séance {number} de la demande #{id} a lieu {lead}, {when}.",
    "Reminder: session {number} of request #{id} takes place {lead}, {when}.",
)


class ScheduleContext(Protocol):
    """What planning needs: a handler's `Context` or a `JobContext` both fit."""

    config: Config
    store: Store
    clock: Clock


def session_target(request_id: int, number: int) -> str:
    """The `target` of one session's reminders."""
    return f"session:{request_id}:{number}"


def session_wanted(
    request: Request, people: list[str], offsets: list[timedelta] | None, ctx: ScheduleContext
) -> dict[int, list[Wanted]]:
    """The reminders each session wants, by session number (none for a cancelled one)."""
    tz = ctx.config.bot.tz
    out: dict[int, list[Wanted]] = {}
    for session in request.details.sessions:
        out[session.number] = []
        if session.cancelled or not offsets or not people:
            continue
        start = mission_start(cycles.session_details(request.details, session), tz)
        if start is None:
            continue
        out[session.number] = [
            Wanted(SESSION_REMINDER, who, offset, shift_before(start, offset, tz), start, start)
            for offset in sorted(set(offsets))
            for who in people
        ]
    return out


async def reconcile_sessions(
    ctx: ScheduleContext, request: Request | None, people: list[str]
) -> None:
    """Make each session's reminder jobs match the request as stored (idempotent)."""
    if request is None or not cycles.is_cycle(request.details):
        return
    active = request.state in _ACTIVE
    offsets = ctx.config.reminders.mission_before if active else None
    wanted = session_wanted(request, people, offsets, ctx)
    for number, jobs_wanted in wanted.items():
        await apply_jobs(
            ctx.store,
            session_target(request.id, number),
            jobs_wanted,
            (SESSION_REMINDER,),
            ctx.clock.now(),
        )


async def fire_session_reminder(ctx: JobContext, job: Job) -> None:
    """Remind a facilitator (DM) or the requester (thread) of one session, with the card."""
    _, request_id, number = job.target.split(":")
    request = await ctx.store.requests.get(int(request_id))
    if request is None or request.state not in _ACTIVE:
        raise SkipJob("request no longer active")
    session = cycles.find(request.details, int(number))
    if session is None or session.cancelled:
        raise SkipJob("session cancelled")
    start = mission_start(cycles.session_details(request.details, session), ctx.config.bot.tz)
    if start is None or start != job.anchor_at:
        raise SkipJob("the session moved")
    lang = await ctx.store.languages.of(job.recipient)
    moment = await _local(ctx, start, job.recipient)
    values = {
        "number": session.number,
        "id": request.id,
        "lead": wording.format_lead(start - ctx.clock.now(), lang),
        "when": wording.format_moment(moment[0], show_zone=moment[1], lang=lang),
    }
    card = wording.card_summary(request, lang)
    if job.recipient == request.requester:
        text = SESSION_REMINDER_REQUESTER.in_(lang).format(**values)
        await ctx.chat.send(
            request.room_id,
            Rendered.join([Rendered.text(text), card]),
            key=ctx.next_key(),
            notice=False,
            mentions=(request.requester,),
            thread_root=request.thread_root,
        )
    elif job.recipient in await ctx.store.missions.accepted(request.id):
        text = SESSION_REMINDER_FACILITATOR.in_(lang).format(**values)
        await ctx.chat.dm(
            job.recipient, Rendered.join([Rendered.text(text), card]), key=ctx.next_key()
        )
    else:
        raise SkipJob("no longer on the mission")


async def _local(ctx: JobContext, moment: datetime, user_id: str) -> tuple[datetime, bool]:
    profile = await ctx.store.facilitators.get(user_id)
    local = to_zone(moment, profile.timezone if profile else None, ctx.config.bot.tz)
    return local, str(local.tzinfo) != ctx.config.bot.timezone


# A reminder is useful until its session starts; after an outage only the latest goes out.
jobs.add(SESSION_REMINDER, fire_session_reminder, grace=None, supersede=True)

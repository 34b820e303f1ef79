"""Nudges when a mission's step is late against its date (once each, cancelled when the
step is done), and the reminder of its scoping meeting; in the mission's room."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.content import Rendered
from bot.domain.lifecycle import ACTIVE_REQUEST_STATES, RequestState
from bot.domain.requests import Request
from bot.domain.schedule import Job
from bot.domain.steps import (
    CADRAGE_DONE,
    CADRAGE_PLANNED,
    DEROULE,
    NUDGE_CADRAGE,
    NUDGE_DEROULE,
    NUDGE_RESTITUTION,
    RESTITUTION,
)
from handlers.core import wording
from handlers.core.jobs import JobContext, JobKinds, SkipJob
from handlers.core.language import Say
from handlers.missions import progress, room

jobs = JobKinds()

CADRAGE_REMINDER = "cadrage_reminder"

CADRAGE_REMINDER_TEXT = Say(
    "Rappel : le cadrage de la mission #{id} a lieu {lead}, {when}.",
    "Reminder: the scoping meeting of mission #{id} is {lead}, {when}.",
)
NUDGE_TEXTS = {
    NUDGE_CADRAGE: Say(
        "La mission #{id} a lieu le {date} et son cadrage n'est pas encore prévu. Fixez-le avec `{prefix}cadrage le <date> à <heure>`.",
        "Mission #{id} takes place on {date} and its scoping meeting is not planned yet. Set it with `{prefix}cadrage le <date> à <heure>`.",
    ),
    NUDGE_DEROULE: Say(
        "La mission #{id} a lieu le {date} et son déroulé n'est pas encore partagé : `{prefix}deroule <lien>`, ou `{prefix}deroule` en réponse au fichier.",
        "Mission #{id} takes place on {date} and its session plan is not shared yet: `{prefix}deroule <link>`, or `{prefix}deroule` in reply to the file.",
    ),
    NUDGE_RESTITUTION: Say(
        "La mission #{id} a eu lieu le {date} et sa restitution n'est pas encore partagée : `{prefix}restitution <lien>`.",
        "Mission #{id} took place on {date} and its restitution is not shared yet: `{prefix}restitution <link>`.",
    ),
}
NUDGE_STEP = {
    NUDGE_CADRAGE: CADRAGE_PLANNED,
    NUDGE_DEROULE: DEROULE,
    NUDGE_RESTITUTION: RESTITUTION,
}


async def _request_of(ctx: JobContext, job: Job) -> Request:
    request = await ctx.store.requests.get(int(job.target.partition(":")[2]))
    if request is None:
        raise SkipJob("request no longer exists")
    if not await progress.open_room(ctx.store, request.id):
        raise SkipJob("no mission room")
    return request


async def fire_nudge(ctx: JobContext, job: Job) -> None:
    """A step is late against the mission's date: say so in the room, once."""
    request = await _request_of(ctx, job)
    if request.state not in (*ACTIVE_REQUEST_STATES, RequestState.DONE):
        raise SkipJob(f"request is {request.state}")
    facts = await ctx.store.mission_rooms.facts(request.id)
    if NUDGE_STEP[job.kind] in facts or (job.kind == NUDGE_CADRAGE and CADRAGE_DONE in facts):
        raise SkipJob("step done")
    day = request.details.event_date
    text = NUDGE_TEXTS[job.kind].format(
        id=request.id,
        date=wording.format_date(day) if day else "?",
        prefix=ctx.config.bot.command_prefix,
    )
    facilitators = tuple(await ctx.store.missions.accepted(request.id))
    await room.post(ctx, request, Rendered.text(text), key=ctx.next_key(), mentions=facilitators)


async def fire_cadrage_reminder(ctx: JobContext, job: Job) -> None:
    """The scoping meeting is near: remind its members in the room."""
    request = await _request_of(ctx, job)
    facts = await ctx.store.mission_rooms.facts(request.id)
    planned = facts.get(CADRAGE_PLANNED)
    if (
        CADRAGE_DONE in facts
        or planned is None
        or datetime.fromisoformat(planned.value) != job.anchor_at
    ):
        raise SkipJob("the scoping meeting moved or is done")
    assert job.anchor_at is not None
    when = wording.format_moment(job.anchor_at.astimezone(ctx.config.bot.tz))
    lead = wording.format_lead(job.anchor_at - ctx.clock.now())
    members = (request.requester, *await ctx.store.missions.accepted(request.id))
    text = CADRAGE_REMINDER_TEXT.format(id=request.id, lead=lead, when=when)
    await room.post(ctx, request, Rendered.text(text), key=ctx.next_key(), mentions=members)


for _kind in (NUDGE_CADRAGE, NUDGE_DEROULE):
    jobs.add(_kind, fire_nudge, grace=None)  # useful until the mission starts (expires_at)
jobs.add(NUDGE_RESTITUTION, fire_nudge, grace=timedelta(days=7))
jobs.add(CADRAGE_REMINDER, fire_cadrage_reminder, grace=None)

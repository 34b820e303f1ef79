"""Mission reminders and feedback requests: planned from the database, fired by the scheduler.

`reconcile_request_reminders` is the one place that decides which jobs a
request needs. It is idempotent: call it after anything that may change
them (date or time edited, facilitator accepted, withdrew or was removed,
request cancelled or closed) and it creates, moves or cancels rows so that
they match the request as stored.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Protocol

from bot.config import Config
from bot.domain import cycles
from bot.domain.clock import Clock
from bot.domain.content import Rendered
from bot.domain.lifecycle import ACTIVE_REQUEST_STATES, RequestState
from bot.domain.planning import (
    mission_jobs,
    mission_start,
    to_zone,
)
from bot.domain.profiles import name_from_id
from bot.domain.requests import Request
from bot.domain.schedule import Job
from handlers.core import wording
from handlers.core.jobs import JobContext, JobKinds, SkipJob, apply_jobs
from handlers.core.language import Say
from handlers.missions import progress
from handlers.session_reminders import reconcile_sessions
from storage.outbox import mission_address
from storage.store import Store

log = logging.getLogger(__name__)
jobs = JobKinds()


REMINDER_FACILITATOR = Say(
    "Rappel : vous facilitez la demande #{id} {lead}, {when}.",
    "Reminder: you are facilitating request #{id} {lead}, {when}.",
)

REMINDER_REQUESTER = Say(
    "Rappel : la demande #{id} a lieu {lead}, {when}.",
    "Reminder: request #{id} takes place {lead}, {when}.",
)

REMINDER_WITH = Say("Vous la facilitez avec {names}.", "You are facilitating it with {names}.")

REMINDER_NOBODY_YET = Say(
    "Personne n'a encore pris de place pour la faciliter.",
    "Nobody has taken a place to facilitate it yet.",
)

FEEDBACK_ASK_REQUESTER = Say(
    "La demande #{id} a eu lieu. Comment cela s'est-il passé ? Donnez une note de 1 à 5 et, si "
    "vous le souhaitez, un commentaire : `{prefix}avis {id} 4 très bonne séance`.",
    "Request #{id} has taken place. How did it go? Give a rating from 1 to 5 and, if you "
    "wish, a comment: `{prefix}avis {id} 4 a great session`.",
)

FEEDBACK_ASK_FACILITATOR = Say(
    "Merci d'avoir facilité la demande #{id} ! Combien de temps y avez-vous passé, préparation "
    "comprise ? Répondez par exemple `{prefix}temps {id} 3h30`.",
    "Thank you for facilitating request #{id}! How much time did you spend on it, preparation "
    "included? Answer for example `{prefix}temps {id} 3h30`.",
)


DEBRIEF_ASK = Say(
    "Et votre debrief en quelques lignes, pour le réseau : `{prefix}debrief <ce qui a été fait, ce qui a marché, le temps passé>`.",
    "And your debrief in a few lines, for the network: `{prefix}debrief <what was done, what worked, time spent>`.",
)


MISSION_REMINDER = "mission_reminder"
FEEDBACK_REQUEST = "feedback_request"
FEEDBACK_GRACE = timedelta(days=7)
_ACTIVE = tuple(str(s) for s in ACTIVE_REQUEST_STATES)


class ScheduleContext(Protocol):
    """What planning needs: a handler's `Context` or a `JobContext` both fit."""

    config: Config
    store: Store
    clock: Clock


def request_target(request_id: int) -> str:
    """The `target` of a request's jobs."""
    return f"request:{request_id}"


async def reconcile_request_reminders(ctx: ScheduleContext, request_id: int) -> None:
    """Make the request's reminder and feedback jobs match the request as stored now.

    Wanted while the request has a date, a start and at least one accepted
    facilitator: reminders (`reminders.mission_before`) while it is active,
    to each accepted facilitator (DM) and to the requester (in its thread),
    then a feedback request to each of them (`reminders.feedback_after`).
    """
    wanted = []
    people: list[str] = []
    request = await ctx.store.requests.get(request_id)
    if request is not None and request.state != RequestState.CANCELLED:
        facilitators = await ctx.store.missions.accepted(request_id)
        people = [*facilitators, request.requester] if facilitators else []
        active = request.state in _ACTIVE
        details, cycle = request.details, cycles.is_cycle(request.details)
        if cycle and cycles.active(details):
            # A cycle: reminders per session (session_reminders); feedback after the last.
            details = cycles.session_details(details, cycles.active(details)[-1])
        wanted = mission_jobs(
            details,
            people,
            ctx.config.bot.tz,
            reminders_before=ctx.config.reminders.mission_before if active and not cycle else None,
            feedback_after=ctx.config.reminders.feedback_after,
            reminder_kind=MISSION_REMINDER,
            feedback_kind=FEEDBACK_REQUEST,
        )
    await apply_jobs(
        ctx.store,
        request_target(request_id),
        wanted,
        (MISSION_REMINDER, FEEDBACK_REQUEST),
        ctx.clock.now(),
    )
    await progress.reconcile_nudges(ctx, request_id)
    await reconcile_sessions(ctx, request, people)


async def _request_of(ctx: JobContext, job: Job) -> Request:
    request = await ctx.store.requests.get(int(job.target.split(":", 1)[1]))
    if request is None:
        raise SkipJob("request no longer exists")
    return request


async def display_name(store: Store, user_id: str) -> str:
    """A person's name from the roster, or read from their Matrix id (never the raw id)."""
    profile = await store.facilitators.get(user_id)
    return profile.display_name if profile and profile.display_name else name_from_id(user_id)


async def _local(ctx: JobContext, moment: datetime, user_id: str) -> tuple[datetime, bool]:
    """The moment in the recipient's own zone, and whether it is not the configured one."""
    profile = await ctx.store.facilitators.get(user_id)
    local = to_zone(moment, profile.timezone if profile else None, ctx.config.bot.tz)
    return local, str(local.tzinfo) != ctx.config.bot.timezone


async def fire_mission_reminder(ctx: JobContext, job: Job) -> None:
    """Remind one facilitator (DM) or the requester (thread) of a mission, with its card."""
    request = await _request_of(ctx, job)
    if request.state not in _ACTIVE:
        raise SkipJob(f"request is {request.state}")
    start = mission_start(request.details, ctx.config.bot.tz)
    if start is None or start != job.anchor_at:
        raise SkipJob("the mission moved")
    facilitators = await ctx.store.missions.accepted(request.id)
    lang = await ctx.store.languages.of(job.recipient)
    card = wording.card_summary(request, lang)
    lead = wording.format_lead(start - ctx.clock.now(), lang)
    names = {who: await display_name(ctx.store, who) for who in facilitators}
    if job.recipient == request.requester:
        local, other_zone = await _local(ctx, start, job.recipient)
        when = wording.format_moment(local, show_zone=other_zone, lang=lang)
        text = REMINDER_REQUESTER.in_(lang).format(id=request.id, lead=lead, when=when)
        who_line = Rendered.text(
            wording.WHO_LINE.in_(lang).format(names=wording.names_list(list(names.values()), lang))
            if names
            else REMINDER_NOBODY_YET.in_(lang)
        )
        await ctx.chat.send(
            request.room_id,
            Rendered.join([Rendered.text(text), who_line, card]),
            key=ctx.next_key(),
            notice=False,
            mentions=(request.requester,),
            thread_root=request.thread_root,
        )
    elif job.recipient in facilitators:
        local, other_zone = await _local(ctx, start, job.recipient)
        when = wording.format_moment(local, show_zone=other_zone, lang=lang)
        text = REMINDER_FACILITATOR.in_(lang).format(id=request.id, lead=lead, when=when)
        others = [name for who, name in names.items() if who != job.recipient]
        lines = [Rendered.text(text)]
        if others:
            with_them = REMINDER_WITH.in_(lang).format(names=wording.names_list(others, lang))
            lines.append(Rendered.text(with_them))
        await ctx.chat.dm(job.recipient, Rendered.join([*lines, card]), key=ctx.next_key())
    else:
        raise SkipJob("no longer on the mission")


async def fire_feedback_request(ctx: JobContext, job: Job) -> None:
    """Ask the requester for a rating, or a facilitator for the time spent."""
    request = await _request_of(ctx, job)
    if request.state == RequestState.CANCELLED:
        raise SkipJob("request cancelled")
    prefix = ctx.config.bot.command_prefix
    lang = await ctx.store.languages.of(job.recipient)
    # With a mission room, the retour is asked there.
    in_room = await progress.open_room(ctx.store, request.id)
    if job.recipient == request.requester:
        text = FEEDBACK_ASK_REQUESTER.in_(lang).format(id=request.id, prefix=prefix)
        await ctx.chat.send(
            mission_address(request.id) if in_room else request.room_id,
            Rendered.text(text),
            key=ctx.next_key(),
            notice=False,
            mentions=(request.requester,),
            thread_root=None if in_room else request.thread_root,
        )
    elif job.recipient in await ctx.store.missions.accepted(request.id):
        text = FEEDBACK_ASK_FACILITATOR.in_(lang).format(id=request.id, prefix=prefix)
        if in_room:
            text += " " + DEBRIEF_ASK.in_(lang).format(prefix=prefix)
            await ctx.chat.send(
                mission_address(request.id),
                Rendered.text(text),
                key=ctx.next_key(),
                notice=False,
                mentions=(job.recipient,),
            )
        else:
            await ctx.chat.dm(job.recipient, Rendered.text(text), key=ctx.next_key())
    else:
        raise SkipJob("no longer on the mission")


# A reminder is useful until the mission starts (its `expires_at`); after an
# outage only the latest of a series goes out.


jobs.add(MISSION_REMINDER, fire_mission_reminder, grace=None, supersede=True)
jobs.add(FEEDBACK_REQUEST, fire_feedback_request, grace=FEEDBACK_GRACE)

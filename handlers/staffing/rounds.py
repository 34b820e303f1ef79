"""Rounds of pings: the first one once a request is complete, a reopened place,
and the escalation when nobody accepts in time (both jobs of the persistent schedule)."""

from __future__ import annotations

import logging

from bot.domain.planning import mission_start
from bot.domain.requests import Request
from bot.domain.schedule import Job
from handlers.core.context import Context
from handlers.core.jobs import JobContext, JobKinds, SkipJob
from handlers.reminders import request_target
from handlers.staffing import qualification, shortfall
from handlers.staffing.pings import (
    PingRound,
    Staffing,
    Standing,
    ask_again,
    free_slots,
    is_ready,
    ping,
    request_and_standing,
    standing,
    tell_coordinators,
)

log = logging.getLogger(__name__)
jobs = JobKinds()


COORDINATORS_NOBODY = "Demande #{id} : je ne trouve personne à solliciter ({reason})."


COORDINATORS_ESCALATED = "Demande #{id} toujours pas pourvue : j'ai sollicité {count} personne(s) de plus pour {slots} place(s)."


async def start(ctx: Staffing, request: Request, known: Standing) -> PingRound | None:
    """Ping the first candidates of a request that just became complete (once: nothing if
    anyone was pinged for it, as `known` stands): round 1, with its follow-up
    (`nobody:{id}:1` when nobody fits)."""
    if known.earlier:
        return None
    found = await next_round(ctx, request, known=known)
    if found is not None:
        # No escalation to replace: one is planned only after a round that pinged.
        await follow_up(ctx, request, found, nobody_key=f"nobody:{request.id}:1", replace=False)
    await shortfall.tell_shortfall(ctx, request)  # more places than the directory can fill
    return found


async def reopen(
    ctx: Staffing,
    request: Request,
    *,
    cause: str,
    limit: int | None = None,
    was_staffed: bool = False,
) -> PingRound | None:
    """Ping for the places still free, as a new round, and follow it up (escalation
    planned, or the coordinators told why): a slot freed up (withdrawal, removal,
    refusal). On a request that `was_staffed`, those asked before who never answered
    are asked again first."""
    asked_again = await ask_again(ctx, request, cause=cause) if was_staffed else []
    found = await next_round(ctx, request, limit=limit)
    if found is not None and asked_again and not found.pinged:
        await plan_escalation(ctx, request)  # those asked again may take it
    elif found is not None:
        await follow_up(ctx, request, found, nobody_key=f"nobody:{request.id}:{cause}")
    return found


async def follow_up(
    ctx: Staffing, request: Request, found: PingRound, *, nobody_key: str, replace: bool = True
) -> None:
    """After a round: check again later if someone was asked (`replace`: the escalation
    that may be planned), else tell the coordinators why."""
    if found.pinged:
        await plan_escalation(ctx, request, replace=replace)
    else:
        text = COORDINATORS_NOBODY.format(id=request.id, reason=found.reason)
        await tell_coordinators(ctx, text, key=nobody_key)


async def escalate(ctx: Staffing, request_id: int, *, key: str) -> PingRound | None:
    """Not staffed after `escalate_after`: ping the next candidates, tell the coordinators."""
    request = await ctx.store.requests.get(request_id)
    if request is None:
        return None
    found = await next_round(ctx, request)
    if found is None:
        return None
    if found.pinged:
        slots = await free_slots(ctx, request)
        text = COORDINATORS_ESCALATED.format(id=request.id, count=len(found.pinged), slots=slots)
    else:
        text = COORDINATORS_NOBODY.format(id=request.id, reason=found.reason)
    await tell_coordinators(ctx, text, key=key)
    return found


async def next_round(
    ctx: Staffing, request: Request, *, limit: int | None = None, known: Standing | None = None
) -> PingRound | None:
    """Ping for the places still free, as a new round; None when nothing is to be done.
    `known`: where the request's staffing stands, when the caller has just read it."""
    if not is_ready(request):
        return None
    if known is None:
        known = await standing(ctx.store, request.id)
    slots = await free_slots(ctx, request, states=known.states)
    if slots == 0:
        return None
    round_ = max((p.round for p in known.earlier), default=0) + 1
    return await ping(ctx, request, slots=slots, round_=round_, limit=limit, standing=known)


FIRST_ROUND = "first_round"


async def plan_first_round(ctx: Context, request: Request) -> None:
    """Start staffing a complete request, as a job due now.

    It fires once the handler's transaction has committed and its answers are
    sent (the bot's scheduler; the dispatcher itself when it runs alone, as in
    the unit tests): the acknowledgment never waits for matching and pings.
    The row makes it durable: after a crash in between, the scheduler fires it
    at the next start.
    """
    if not is_ready(request) or not await qualification.cleared(ctx, request):
        return
    now = ctx.clock.now()
    await ctx.store.jobs.create_later(
        kind=FIRST_ROUND,
        target=request_target(request.id),
        due_at=now,
        at=now,
        expires_at=mission_start(request.details, ctx.config.bot.tz),
        then=ctx.due_now.append,
    )


async def fire_first_round(ctx: JobContext, job: Job) -> None:
    """The first-round job: ping the first candidates (nothing if already done)."""
    request, known = await request_and_standing(ctx.store, int(job.target.partition(":")[2]))
    if request is None or await start(ctx, request, known) is None:
        raise SkipJob("rien à pourvoir")


ESCALATION = "escalation"


async def plan_escalation(ctx: Staffing, request: Request, *, replace: bool = True) -> None:
    """Check again after `escalate_after`: if the request is not staffed, ask more people.

    One pending escalation per request: a new round of pings pushes it back.
    It expires when the mission starts (no point asking after that).
    """
    now = ctx.clock.now()
    target = request_target(request.id)
    if replace:
        await ctx.store.jobs.cancel_target(
            target, at=now, note="relance replanifiée", kinds=(ESCALATION,)
        )
    starts = mission_start(request.details, ctx.config.bot.tz)
    due = now + ctx.config.matching.escalate_after
    if starts is not None and due >= starts:
        return
    await ctx.store.jobs.create_later(
        kind=ESCALATION, target=target, due_at=due, at=now, expires_at=starts
    )


async def cancel_escalation(ctx: Staffing, request_id: int, *, why: str) -> None:
    """The request is staffed, cancelled or closed: no more escalation."""
    await ctx.store.jobs.cancel_target(
        request_target(request_id), at=ctx.clock.now(), note=why, kinds=(ESCALATION,)
    )


async def fire_escalation(ctx: JobContext, job: Job) -> None:
    """The escalation job: ping the next candidates and tell the coordinators."""
    request_id = int(job.target.partition(":")[2])
    found = await escalate(ctx, request_id, key=ctx.next_key())
    if found is None:
        raise SkipJob("plus de place à pourvoir")
    request = await ctx.store.requests.get(request_id)
    if found.pinged and request is not None:
        # This job is being settled: plan the next one beside it, not over it.
        await plan_escalation(ctx, request, replace=False)


jobs.add(FIRST_ROUND, fire_first_round, grace=None)


jobs.add(ESCALATION, fire_escalation, grace=None, supersede=True)

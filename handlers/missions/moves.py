"""The moves every mission command shares: take or give back a place, and say so."""

from __future__ import annotations

import logging

from bot.domain import cycles
from bot.domain.content import Rendered
from bot.domain.lifecycle import (
    Action,
    AssignmentState,
    IllegalTransition,
    RequestState,
    check_request_open_for,
    next_assignment_state,
    next_request_state,
)
from bot.domain.matching import match
from bot.domain.requests import Request, Session
from handlers.core import wording
from handlers.core.context import Context, UserError
from handlers.core.language import Say
from handlers.missions import room
from handlers.reminders import display_name, reconcile_request_reminders
from handlers.staffing import pings, rounds, stand_ins

log = logging.getLogger(__name__)


ACCEPTED = Say(
    "C'est noté : vous facilitez la demande #{id}. Merci ! Tapez `{prefix}missions` pour voir vos missions, `{prefix}desiste {id}` en cas d'empêchement.",
    "Noted: you are facilitating request #{id}. Thank you! Type `{prefix}missions` to see your missions, `{prefix}withdraw {id}` if something comes up.",
)


REQUEST_FULL = Say(
    "Désolé, la demande #{id} est déjà complète.", "Sorry, request #{id} is already full."
)


REQUESTER_ACCEPTED = Say(
    "Bonne nouvelle pour la demande #{id} : {who} la facilitera ({count}/{needed}).",
    "Good news for request #{id}: {who} will facilitate it ({count}/{needed}).",
)


REQUESTER_STAFFED = Say(
    "La demande #{id} est pourvue : {names}.", "Request #{id} is fully staffed: {names}."
)


REQUESTER_REMOVED = Say(
    "La coordination a retiré {who} de la demande #{id} : je cherche quelqu'un d'autre ({count}/{needed}).",
    "The coordination has removed {who} from request #{id}: I am looking for someone else ({count}/{needed}).",
)

REQUESTER_WITHDRAWN = Say(
    "{who} a rendu sa place sur la demande #{id} : je cherche quelqu'un d'autre ({count}/{needed}).",
    "{who} has given their place on request #{id} back: I am looking for someone else ({count}/{needed}).",
)


ASSIGNED = "{who} a maintenant une place sur la demande #{id} ({count}/{needed})."


FACILITATOR_ASSIGNED = "La coordination vous a donné une place sur la demande #{id} :"


ABSENT_THAT_DAY = "Vous avez déclaré une absence {span} : je ne peux pas vous inscrire sur la demande #{id}. Si vous êtes finalement disponible, tapez `{prefix}present`, puis `{prefix}accepte {id}`."

FULL_FOR_COORDINATOR = "La demande #{id} est déjà complète ({needed}/{needed}) : retirez d'abord quelqu'un (`{prefix}retire`) ou demandez à la personne qui a fait la demande d'ajouter une place."

COMPLETE_WITH_OTHER = "Désolé, la demande #{id} est déjà complète. La demande #{other} cherche encore quelqu'un : `{prefix}accepte {other}` si elle vous convient."


OVER_CAP_CONFIRM = Say(
    "Vous avez déjà {done} mission(s) en {month}, pour un plafond de {cap} par mois. Répondez « oui » ici pour prendre quand même la demande #{id}.",
    "You already have {done} mission(s) in {month}, with a limit of {cap} a month. Answer “yes” here to take request #{id} anyway.",
)

ASSIGN_CONFIRM = Say(
    "{who} {why}. Répondez « oui » ici pour lui donner quand même une place sur la demande #{id}.",
    "{who} {why}. Answer “yes” here to give them a place on request #{id} anyway.",
)

WHY_ABSENT = Say("a déclaré une absence {span}", "has declared an absence {span}")

WHY_CAPPED = Say(
    "a déjà {done} mission(s) en {month}, pour un plafond de {cap} par mois",
    "already has {done} mission(s) in {month}, with a limit of {cap} a month",
)


async def take(
    ctx: Context, request: Request, who: str, action: Action, *, force: bool = False
) -> None:
    """Accept (or assign) one place atomically, then tell everyone concerned. An absence
    that day refuses a facilitator's acceptance; a monthly cap reached asks them to
    confirm; either asks a coordinator who assigns to confirm (`force`: confirmed)."""
    # Someone who already holds a place hears that first, even on a full request.
    current = await ctx.store.missions.get(request.id, who)
    name = await display_name(ctx.store, who)
    next_assignment(
        current.state if current else None, action, request.id, who=name, prefix=ctx.prefix
    )
    try:
        check_request_open_for(RequestState(request.state), action, request.id)
    except IllegalTransition as exc:
        if request.state == RequestState.STAFFED and action is Action.ACCEPT:
            return await stand_ins.offer(ctx, request, who, other=await _other(ctx, request, who))
        if request.state == RequestState.STAFFED:
            raise UserError(await full_text(ctx, request, who, action)) from exc
        raise UserError(exc.sentence(ctx.prefix)) from exc
    absent: tuple[Session, ...] = ()
    if action is Action.ACCEPT and cycles.is_cycle(request.details):
        absent = await stand_ins.absent_sessions(ctx, request, who)
    elif request.details.event_date is not None and not force:
        if not await _available(ctx, request, who, action):
            return
    now = ctx.clock.now()
    if not await ctx.store.missions.take_slot(request.id, who, actor=ctx.sender, at=now):
        if action is Action.ACCEPT:  # full: a place in reserve is offered instead
            return await stand_ins.offer(ctx, request, who, other=await _other(ctx, request, who))
        raise UserError(await full_text(ctx, request, who, action))
    request, accepted = await pings.restate(ctx, request, actor=ctx.sender)
    needed = request.details.facilitators_needed
    key = ctx.event.event_id
    log.info("request %d: %s took a place (%d/%d)", request.id, who, len(accepted), needed)
    if action is Action.ACCEPT:
        text = ctx.say(ACCEPTED, id=request.id, prefix=ctx.prefix)
        if absent:  # a cycle: they may take it, told which sessions they are away for
            text += "\n" + stand_ins.absent_note(ctx, absent)
        await ctx.chat.reply(ctx.event, Rendered.text(text))
    else:
        card = wording.card_summary(request)
        intro = Rendered.text(FACILITATOR_ASSIGNED.format(id=request.id))
        await ctx.chat.dm(who, Rendered.join([intro, card]), key=f"assigned:{key}:{who}")
        text = ASSIGNED.format(who=name, id=request.id, count=len(accepted), needed=needed)
        await ctx.chat.reply(ctx.event, Rendered.text(text))
    await pings.send_invitations(ctx, request, [who], facilitators=accepted, key=f"ics:{key}")
    await room.welcome(ctx, request, who)
    sentence, values = REQUESTER_ACCEPTED, {"who": name, "count": len(accepted), "needed": needed}
    if request.state == RequestState.STAFFED:
        sentence, values = REQUESTER_STAFFED, {"names": await names(ctx, accepted)}
        await pings.settle_pings(ctx, request, outcome="pourvue", cause=key)
        await rounds.cancel_escalation(ctx, request.id, why="pourvue")
    await pings.tell_requester(
        ctx, request, sentence, key=f"requester:{key}", id=request.id, **values
    )
    await stand_ins.name_lead(ctx, request, accepted)
    await reconcile_request_reminders(ctx, request.id)


async def release(ctx: Context, request: Request, who: str, action: Action) -> None:
    """Withdraw or remove an accepted facilitator; the requester is told, a new ping goes."""
    current = await ctx.store.missions.get(request.id, who)
    state = next_assignment(
        current.state if current else None,
        action,
        request.id,
        who=await display_name(ctx.store, who),
        prefix=ctx.config.bot.command_prefix,
    )
    await ctx.store.missions.set_state(request.id, who, state, actor=ctx.sender, at=ctx.clock.now())
    if await stand_ins.promote(ctx, request, gone=who):  # the first in reserve took the place
        return
    was_staffed = request.state == RequestState.STAFFED
    request, accepted = await pings.restate(ctx, request, actor=ctx.sender)
    key = ctx.event.event_id
    await pings.tell_requester(
        ctx,
        request,
        REQUESTER_WITHDRAWN if action is Action.WITHDRAW else REQUESTER_REMOVED,
        key=f"requester:{key}",
        who=await display_name(ctx.store, who),
        id=request.id,
        count=len(accepted),
        needed=request.details.facilitators_needed,
    )
    await pings.send_invitations(
        ctx, request, [who], facilitators=accepted, key=f"ics:{key}", cancelled=True
    )
    await room.remove(ctx, request, who, action)
    await rounds.reopen(ctx, request, cause=key, was_staffed=was_staffed)
    await reconcile_request_reminders(ctx, request.id)


async def _other(ctx: Context, request: Request, who: str) -> Request | None:
    return await other_request_for(ctx, who, exclude=request.id)


async def _available(ctx: Context, request: Request, who: str, action: Action) -> bool:
    """Whether the place may be taken now. An absence that day refuses a facilitator's
    own acceptance; a monthly cap reached, or (for a coordinator assigning) an absence,
    is asked to be confirmed — the question is sent, and False returned."""
    day = request.details.event_date
    assert day is not None
    span = None
    for start, end in await ctx.store.absences.of(who):
        if start <= day <= end:
            span = Say(
                f"le {wording.format_date(start)}"
                if start == end
                else f"du {wording.format_date(start)} au {wording.format_date(end)}",
                f"on {wording.format_date(start, 'en')}"
                if start == end
                else f"from {wording.format_date(start, 'en')} to {wording.format_date(end, 'en')}",
            )
            break
    if span is not None and action is Action.ACCEPT:
        raise UserError(ABSENT_THAT_DAY.format(id=request.id, span=span, prefix=ctx.prefix))
    profile = await ctx.store.facilitators.get(who)
    cap = profile.max_missions_per_month if profile else None
    done = 0
    if cap is not None:
        loads = await ctx.store.candidates.workloads([who], day, exclude_request=request.id)
        done = loads[who].missions_this_month
    month = Say(
        f"{wording.MONTHS[day.month - 1]} {day.year}",
        f"{wording.MONTHS_EN[day.month - 1]} {day.year}",
    )
    capped = cap is not None and done >= cap
    if span is None and not capped:
        return True
    if action is Action.ACCEPT:
        question = ctx.say(OVER_CAP_CONFIRM, done=done, month=month, cap=cap, id=request.id)
        pending = "accept_anyway"
    else:
        why = (
            ctx.say(WHY_ABSENT, span=span)
            if span is not None
            else ctx.say(WHY_CAPPED, done=done, month=month, cap=cap)
        )
        name = await display_name(ctx.store, who)
        question = ctx.say(ASSIGN_CONFIRM, who=name, why=why, id=request.id)
        pending = f"assign_anyway:{who}"
    await ctx.store.confirmations.ask(
        ctx.sender, ctx.place, pending, request.id, at=ctx.clock.now()
    )
    await ctx.chat.reply(ctx.event, Rendered.text(question))
    return False


async def full_text(ctx: Context, request: Request, who: str, action: Action) -> str:
    """« complet »: to a facilitator, with another open request that fits them if there
    is one; to a coordinator assigning someone, how many places there are."""
    if action is Action.ASSIGN:
        needed = request.details.facilitators_needed
        return FULL_FOR_COORDINATOR.format(id=request.id, needed=needed, prefix=ctx.prefix)
    other = await other_request_for(ctx, who, exclude=request.id)
    prefix = ctx.config.bot.command_prefix
    if other is None:
        return ctx.say(REQUEST_FULL, id=request.id)
    return COMPLETE_WITH_OTHER.format(id=request.id, other=other.id, prefix=prefix)


async def other_request_for(ctx: Context, who: str, *, exclude: int) -> Request | None:
    """The soonest open, complete request that this facilitator could take."""
    today = ctx.clock.now().astimezone(ctx.config.bot.tz).date()
    profile = await ctx.store.facilitators.get(who)
    candidates = await ctx.store.requests.list(states=pings.ACTIVE, limit=30)
    for request in candidates:
        if request.id == exclude or not pings.is_ready(request):
            continue
        day = request.details.event_date
        if day is None or day < today or who in await ctx.store.missions.involved(request.id):
            continue
        if profile is None:
            return request
        loads = await ctx.store.candidates.workloads([who], day, exclude_request=request.id)
        if match(request.details, [profile], loads).ranked:
            return request
    return None


async def names(ctx: Context, user_ids: list[str]) -> Say:
    """« Karim Benali et Léa Dubois »: directory names, else Matrix ids (in both languages)."""
    found = [await display_name(ctx.store, u) for u in user_ids]
    return Say(wording.names_list(found), wording.names_list(found, "en"))


def check_open(request: Request, action: Action) -> None:
    try:
        check_request_open_for(RequestState(request.state), action, request.id)
    except IllegalTransition as exc:
        raise UserError(str(exc)) from exc


def next_assignment(
    current: str | None, action: Action, request_id: int, *, prefix: str, who: str = ""
) -> AssignmentState:
    try:
        state = AssignmentState(current) if current else None
        return next_assignment_state(state, action, request_id=request_id, who=who)
    except IllegalTransition as exc:
        raise UserError(exc.sentence(prefix)) from exc


def next_request(request: Request, action: str, *, held: bool = True) -> RequestState:
    try:
        return next_request_state(RequestState(request.state), action, request.id, held=held)
    except IllegalTransition as exc:
        raise UserError(str(exc)) from exc


async def answer_and_thread(ctx: Context, request: Request, text: str) -> None:
    """Answer the command; say it in the request's thread too when asked elsewhere."""
    await ctx.chat.reply(ctx.event, Rendered.text(text))
    asked_in_thread = (
        ctx.event.room_id == request.room_id and ctx.event.thread_root == request.thread_root
    )
    if not asked_in_thread:
        await ctx.chat.send(
            request.room_id,
            Rendered.text(text),
            key=f"thread:{ctx.event.event_id}",
            thread_root=request.thread_root,
        )

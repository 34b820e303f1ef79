"""Missions: follow, accept, decline, withdraw, cancel, assign, remove, close.

Each command changes state through `bot.domain.lifecycle` (illegal moves are
refused with its sentence, before anything is written) and
`storage.missions` (a slot is taken by one conditional write, so the last
place has exactly one winner), then says so to everyone concerned.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date

from bot.domain import drafting
from bot.domain.content import Rendered, escape
from bot.domain.geography import fold
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
from bot.domain.requests import OPEN_STATES, Request
from handlers import staffing
from handlers.candidates import workloads
from handlers.core import wording
from handlers.core.commands import CommandSet, Kind, Param, Permission
from handlers.core.context import Context, UserError
from handlers.reminders import display_name, reconcile_request_reminders

log = logging.getLogger(__name__)
commands = CommandSet()


NOT_YOUR_REQUEST = "La demande #{id} n'est pas la vôtre : seuls son auteur et les coordinateurs la voient en détail."

NO_OPEN_REQUESTS = "Aucune demande ouverte pour le moment."

NO_OWN_REQUESTS = "Vous n'avez aucune demande ouverte."

OPEN_REQUESTS_TITLE = "Demandes ouvertes ({count}) :"

OWN_REQUESTS_TITLE = "Vos demandes ouvertes ({count}) :"

STATE_LABELS = {
    "ouverte": "ouverte",
    "partiellement pourvue": "partiellement pourvue",
    "pourvue": "pourvue",
    "realisee": "réalisée",
    "annulee": "annulée",
}


def request_line(request: Request) -> Rendered:
    """One line of a listing: number, state, what and when."""
    parts = wording.describe_details(request.details)
    state = STATE_LABELS.get(request.state, request.state)
    text = f"#{request.id} ({state}) — " + ", ".join(parts)
    return Rendered(body="• " + text, html="• " + escape(text))


ACCEPTED = "C'est noté : vous facilitez la demande #{id}. Merci ! Tapez `!missions` pour voir vos missions, `!desiste {id}` en cas d'empêchement."

REQUEST_FULL = "Désolé, la demande #{id} est déjà complète."

DECLINED = "C'est noté, vous ne prenez pas la demande #{id}. Merci d'avoir répondu."

WITHDRAWN = "C'est noté, vous n'êtes plus sur la demande #{id}. La place est de nouveau ouverte."

REQUESTER_ACCEPTED = (
    "Bonne nouvelle pour la demande #{id} : {who} la facilitera ({count}/{needed})."
)

REQUESTER_STAFFED = "La demande #{id} est pourvue : {names}."

REQUESTER_WITHDRAWN = (
    "{who} s'est désisté·e de la demande #{id} : je cherche quelqu'un d'autre ({count}/{needed})."
)

CANCELLED = "La demande #{id} est annulée."

FACILITATOR_CANCELLED = "La demande #{id} que vous deviez faciliter a été annulée par {who}. Merci de votre disponibilité."

CLOSED = "La demande #{id} est close (réalisée). Merci à {names} !"

ASSIGNED = "{who} est affecté·e à la demande #{id} ({count}/{needed})."

FACILITATOR_ASSIGNED = "Un coordinateur vous a affecté·e à la demande #{id} :"

REMOVED = "{who} est retiré·e de la demande #{id} ; la place est de nouveau ouverte."

FACILITATOR_REMOVED = "Un coordinateur vous a retiré·e de la demande #{id}."

ONLY_REQUESTER_CANCELS = (
    "Seuls l'auteur de la demande #{id} et les coordinateurs peuvent l'annuler."
)

NO_MISSIONS = "Vous n'avez aucune mission à venir. Les demandes ouvertes : `!demandes`."

MISSIONS_TITLE = "Vos missions ({count}) :"

COMPLETE_WITH_OTHER = "Désolé, la demande #{id} est déjà complète. La demande #{other} cherche encore quelqu'un : `{prefix}accepte {other}` si elle vous convient."

NOT_A_FACILITATOR = (
    "{who} n'est pas dans l'annuaire des facilitateurs ni dans le salon des facilitateurs."
)

NO_FACILITATOR_YET = "Facilitation : personne pour l'instant."

REQUESTS_FILTER_UNKNOWN = "Je ne comprends pas le filtre « {value} ». Exemples : `{prefix}demandes ouvertes`, `{prefix}demandes pourvues`, `{prefix}demandes decembre`."

FILTERED_REQUESTS_TITLE = "Demandes {what} ({count}) :"

NO_FILTERED_REQUESTS = "Aucune demande {what}."


ACCEPT_REACTIONS = frozenset({"✅", "✅\ufe0f", "✔️", "✔", "☑️"})

_STATE_FILTERS = {
    "ouvertes": ("ouverte", "partiellement pourvue"),
    "ouverte": ("ouverte", "partiellement pourvue"),
    "partielles": ("partiellement pourvue",),
    "pourvues": ("pourvue",),
    "pourvue": ("pourvue",),
    "realisees": ("realisee",),
    "closes": ("realisee",),
    "annulees": ("annulee",),
    "toutes": ("ouverte", "partiellement pourvue", "pourvue", "realisee", "annulee"),
}
_FILTER_LABELS = {
    "ouvertes": "ouvertes",
    "ouverte": "ouvertes",
    "partielles": "partiellement pourvues",
    "pourvues": "pourvues",
    "pourvue": "pourvues",
    "realisees": "réalisées",
    "closes": "réalisées",
    "annulees": "annulées",
    "toutes": "",
}


# -- following ---------------------------------------------------------------------------------


@commands.command(
    "demandes",
    aliases=("requests",),
    summary="vos demandes ouvertes (toutes pour les coordinateurs) ; filtre possible : "
    "ouvertes, pourvues, réalisées, annulées, toutes, ou un mois",
    example="demandes décembre",
    params=(Param("filtre", Kind.WORD, "filtre", optional=True),),
)
async def list_requests(ctx: Context, filtre: str | None = None) -> None:
    """`!demandes [ouvertes|pourvues|…|décembre]`: all for coordinators, one's own otherwise."""
    states, month, label = _read_filter(ctx, filtre)
    requester = None if ctx.is_coordinator else ctx.sender
    requests = await ctx.store.requests.list(states=states, requester=requester, month=month)
    if filtre is None:
        empty = NO_OPEN_REQUESTS if requester is None else NO_OWN_REQUESTS
        title = OPEN_REQUESTS_TITLE if requester is None else OWN_REQUESTS_TITLE
    else:
        empty = NO_FILTERED_REQUESTS.format(what=label)
        title = FILTERED_REQUESTS_TITLE.replace("{what}", label)
    if not requests:
        await ctx.chat.reply(ctx.event, Rendered.text(empty))
        return
    lines = [Rendered.text(title.format(count=len(requests)))]
    lines += [request_line(r) for r in requests]
    await ctx.chat.reply(ctx.event, Rendered.join(lines))


def _read_filter(ctx: Context, filtre: str | None) -> tuple[tuple[str, ...], str | None, str]:
    if filtre is None:
        return OPEN_STATES, None, ""
    word = fold(filtre)
    if word in _STATE_FILTERS:
        return _STATE_FILTERS[word], None, _FILTER_LABELS[word]
    today = ctx.clock.now().astimezone(ctx.config.bot.tz).date()
    if month := parse_month(word, today):
        year, number = month
        label = f"de {wording.MONTHS[number - 1]} {year}"
        return _STATE_FILTERS["toutes"], f"{year:04d}-{number:02d}", label
    prefix = ctx.config.bot.command_prefix
    raise UserError(REQUESTS_FILTER_UNKNOWN.format(value=filtre[:40], prefix=prefix))


def parse_month(word: str, today: date) -> tuple[int, int] | None:
    """« décembre » → (year, 12): the month named within the coming half-year, or the past one."""
    months = [fold(m) for m in wording.MONTHS]
    folded = fold(word)
    if folded not in months:
        return None
    number = months.index(folded) + 1
    year = today.year + (1 if number < today.month - 5 else 0)
    year -= 1 if number > today.month + 6 else 0
    return year, number


@commands.command(
    "statut",
    aliases=("status",),
    summary="où en est une demande, et qui la facilite",
    example="statut 42",
    params=(Param("numero", Kind.REQUEST, "numéro"),),
)
async def status(ctx: Context, numero: int) -> None:
    """`!statut 42`: the card, the state and who facilitates (only those who accepted)."""
    request = await _request(ctx, numero)
    if request.requester != ctx.sender and not await ctx.may_facilitate():
        raise UserError(NOT_YOUR_REQUEST.format(id=numero))
    state = STATE_LABELS.get(request.state, request.state)
    card = wording.request_card(request, drafting.missing_fields(request.details))
    accepted = await ctx.store.missions.accepted(request.id)
    needed = request.details.facilitators_needed
    # Names and ids: a coordinator may need the id for `!retire`.
    labelled = [f"{await display_name(ctx.store, u)} ({u})" for u in accepted]
    who = (
        wording.WHO_LINE.format(names=wording.names_list(labelled)) + f" ({len(accepted)}/{needed})"
        if accepted
        else NO_FACILITATOR_YET
    )
    lines = [card, Rendered.text(f"État : {state}."), Rendered.text(who)]
    await ctx.chat.reply(ctx.event, Rendered.join(lines))


@commands.command(
    "missions",
    aliases=("mymissions",),
    who=Permission.FACILITATOR,
    summary="vos missions à venir, la plus proche d'abord",
    example="missions",
)
async def my_missions(ctx: Context) -> None:
    """`!missions`: the facilitator's upcoming missions, soonest first."""
    today = ctx.clock.now().astimezone(ctx.config.bot.tz).date()
    numbers = await ctx.store.missions.missions_of(ctx.sender, since=today.isoformat())
    if not numbers:
        prefix = ctx.config.bot.command_prefix
        text = NO_MISSIONS.replace("`!demandes`", f"`{prefix}demandes`")
        await ctx.chat.reply(ctx.event, Rendered.text(text))
        return
    lines = [Rendered.text(MISSIONS_TITLE.format(count=len(numbers)))]
    for number in numbers:
        request = await ctx.store.requests.get(number)
        if request is not None:
            lines.append(request_line(request))
    await ctx.chat.reply(ctx.event, Rendered.join(lines))


# -- facilitators ------------------------------------------------------------------------------


@commands.command(
    "accepte",
    aliases=("accept",),
    who=Permission.FACILITATOR,
    summary="prendre une place sur une demande (ou réagir ✅ à la sollicitation)",
    example="accepte 42",
    params=(Param("numero", Kind.REQUEST, "numéro"),),
)
async def accept(ctx: Context, numero: int) -> None:
    """`!accepte 42`: take a place on a request, if one is left."""
    request = await _request(ctx, numero)
    await _take(ctx, request, ctx.sender, Action.ACCEPT)


@commands.command(
    "refuse",
    aliases=("decline",),
    who=Permission.FACILITATOR,
    summary="décliner une sollicitation",
    example="refuse 42",
    params=(Param("numero", Kind.REQUEST, "numéro"),),
)
async def decline(ctx: Context, numero: int) -> None:
    """`!refuse 42`: say no to a ping (someone else is asked in your place)."""
    request = await _request(ctx, numero)
    _check_open(request, Action.DECLINE)
    current = await ctx.store.missions.get(request.id, ctx.sender)
    state = _next(current.state if current else None, Action.DECLINE, request.id)
    await ctx.store.missions.set_state(
        request.id, ctx.sender, state, actor=ctx.sender, at=ctx.clock.now()
    )
    await ctx.chat.reply(ctx.event, Rendered.text(DECLINED.format(id=request.id)))
    pinged = {p.facilitator for p in await ctx.store.missions.pings(request.id)}
    if ctx.sender in pinged:
        await staffing.reopen(ctx, request, cause=ctx.event.event_id, limit=1)


@commands.command(
    "desiste",
    aliases=("withdraw",),
    who=Permission.FACILITATOR,
    summary="rendre votre place sur une demande acceptée",
    example="desiste 42",
    params=(Param("numero", Kind.REQUEST, "numéro"),),
)
async def withdraw(ctx: Context, numero: int) -> None:
    """`!desiste 42`: give a place back; the requester is told and someone else is asked."""
    request = await _request(ctx, numero)
    _check_open(request, Action.WITHDRAW)
    await _release(ctx, request, ctx.sender, Action.WITHDRAW)
    await ctx.chat.reply(ctx.event, Rendered.text(WITHDRAWN.format(id=request.id)))


async def on_reaction(ctx: Context) -> str:
    """A ✅ on a ping or on a request's card accepts it, like `!accepte`."""
    event = ctx.event
    if event.reaction_key not in ACCEPT_REACTIONS or event.relates_to is None:
        return "ignored:reaction"
    ping = await ctx.store.missions.ping_of_event(event.relates_to)
    request = (
        await ctx.store.requests.get(ping.request_id)
        if ping
        else await ctx.store.requests.by_card_event(event.relates_to)
    )
    if request is None:
        return "ignored:reaction"
    if event.room_id == request.room_id:
        ctx.event = replace(event, thread_root=request.thread_root)
    if not await ctx.may_facilitate():
        prefix = ctx.config.bot.command_prefix
        text = wording.FACILITATORS_ONLY.format(prefix=prefix, name="accepte")
        await ctx.chat.reply(ctx.event, Rendered.text(text))
        return "refused:reaction"
    try:
        await _take(ctx, request, ctx.sender, Action.ACCEPT)
    except UserError as exc:  # nothing was written: answer where the reaction was
        await ctx.chat.reply(ctx.event, Rendered.text(exc.text))
        return "refused:reaction"
    return f"reaction:accept:{request.id}"


# -- requesters and coordinators -----------------------------------------------------------------


@commands.command(
    "annule",
    aliases=("cancel",),
    summary="annuler votre demande (les facilitateurs sont prévenus)",
    example="annule 42",
    params=(Param("numero", Kind.REQUEST, "numéro"),),
)
async def cancel(ctx: Context, numero: int) -> None:
    """`!annule 42`: the requester or a coordinator cancels; facilitators are told."""
    request = await _request(ctx, numero)
    if request.requester != ctx.sender and not ctx.is_coordinator:
        raise UserError(ONLY_REQUESTER_CANCELS.format(id=request.id))
    new = _next_request(request, "cancel")
    accepted = await ctx.store.missions.accepted(request.id)
    now = ctx.clock.now()
    await ctx.store.missions.set_request_state(request.id, new, actor=ctx.sender, at=now)
    request = replace(request, state=new, updated_at=now)
    key = ctx.event.event_id
    text = FACILITATOR_CANCELLED.format(id=request.id, who=ctx.sender)
    for user_id in accepted:
        await ctx.chat.dm(user_id, Rendered.text(text), key=f"cancelled:{key}:{user_id}")
    await staffing.send_invitations(
        ctx, request, accepted, facilitators=accepted, key=f"ics:{key}", cancelled=True
    )
    await staffing.settle_pings(ctx, request, outcome="annulée")
    await staffing.cancel_escalation(ctx, request.id, why="annulée")
    await reconcile_request_reminders(ctx, request.id)
    await _answer_and_thread(ctx, request, CANCELLED.format(id=request.id))


@commands.command(
    "cloture",
    aliases=("close",),
    who=Permission.COORDINATOR,
    summary="clore une demande réalisée",
    example="cloture 42",
    params=(Param("numero", Kind.REQUEST, "numéro"),),
)
async def close(ctx: Context, numero: int) -> None:
    """`!cloture 42` (coordinators): the mission took place."""
    request = await _request(ctx, numero)
    new = _next_request(request, "close")
    await ctx.store.missions.set_request_state(
        request.id, new, actor=ctx.sender, at=ctx.clock.now()
    )
    accepted = await ctx.store.missions.accepted(request.id)
    await staffing.cancel_escalation(ctx, request.id, why="close")
    await reconcile_request_reminders(ctx, request.id)
    text = CLOSED.format(id=request.id, names=await _names(ctx, accepted))
    await _answer_and_thread(ctx, request, text)


@commands.command(
    "assigne",
    aliases=("assign",),
    who=Permission.COORDINATOR,
    summary="affecter directement un facilitateur à une demande",
    example="assigne 42 @marie.dupont:finances.gouv.fr",
    params=(
        Param("numero", Kind.REQUEST, "numéro"),
        Param("utilisateur", Kind.USER, "@utilisateur"),
    ),
)
async def assign(ctx: Context, numero: int, utilisateur: str) -> None:
    """`!assigne 42 @x` (coordinators): give a place to a facilitator directly."""
    request = await _request(ctx, numero)
    if not await ctx.is_facilitator(utilisateur):
        raise UserError(NOT_A_FACILITATOR.format(who=utilisateur))
    await _take(ctx, request, utilisateur, Action.ASSIGN)


@commands.command(
    "retire",
    aliases=("remove",),
    who=Permission.COORDINATOR,
    summary="retirer un facilitateur d'une demande (la place se rouvre)",
    example="retire 42 @marie.dupont:finances.gouv.fr",
    params=(
        Param("numero", Kind.REQUEST, "numéro"),
        Param("utilisateur", Kind.USER, "@utilisateur"),
    ),
)
async def remove(ctx: Context, numero: int, utilisateur: str) -> None:
    """`!retire 42 @x` (coordinators): take a facilitator off; the place reopens."""
    request = await _request(ctx, numero)
    _check_open(request, Action.REMOVE)
    await _release(ctx, request, utilisateur, Action.REMOVE)
    text = FACILITATOR_REMOVED.format(id=request.id)
    key = ctx.event.event_id
    await ctx.chat.dm(utilisateur, Rendered.text(text), key=f"removed:{key}:{utilisateur}")
    await ctx.chat.reply(ctx.event, Rendered.text(REMOVED.format(who=utilisateur, id=request.id)))


# -- the moves -----------------------------------------------------------------------------------


async def _take(ctx: Context, request: Request, who: str, action: Action) -> None:
    """Accept (or assign) one place atomically, then tell everyone concerned."""
    try:
        check_request_open_for(RequestState(request.state), action, request.id)
    except IllegalTransition as exc:
        if request.state == RequestState.STAFFED:
            raise UserError(await _full_text(ctx, request, who)) from exc
        raise UserError(str(exc)) from exc
    current = await ctx.store.missions.get(request.id, who)
    _next(current.state if current else None, action, request.id, who=who)
    now = ctx.clock.now()
    if not await ctx.store.missions.take_slot(request.id, who, actor=ctx.sender, at=now):
        raise UserError(await _full_text(ctx, request, who))
    request, accepted = await staffing.restate(ctx, request, actor=ctx.sender)
    needed = request.details.facilitators_needed
    name = await display_name(ctx.store, who)
    key = ctx.event.event_id
    log.info("request %d: %s took a place (%d/%d)", request.id, who, len(accepted), needed)
    if action is Action.ACCEPT:
        await ctx.chat.reply(ctx.event, Rendered.text(ACCEPTED.format(id=request.id)))
    else:
        card = wording.card_summary(request)
        intro = Rendered.text(FACILITATOR_ASSIGNED.format(id=request.id))
        await ctx.chat.dm(who, Rendered.join([intro, card]), key=f"assigned:{key}:{who}")
        text = ASSIGNED.format(who=name, id=request.id, count=len(accepted), needed=needed)
        await ctx.chat.reply(ctx.event, Rendered.text(text))
    await staffing.send_invitations(ctx, request, [who], facilitators=accepted, key=f"ics:{key}")
    text = REQUESTER_ACCEPTED.format(id=request.id, who=name, count=len(accepted), needed=needed)
    if request.state == RequestState.STAFFED:
        text = REQUESTER_STAFFED.format(id=request.id, names=await _names(ctx, accepted))
        await staffing.settle_pings(ctx, request, outcome="pourvue")
        await staffing.cancel_escalation(ctx, request.id, why="pourvue")
    await staffing.tell_requester(ctx, request, text, key=f"requester:{key}")
    await reconcile_request_reminders(ctx, request.id)


async def _release(ctx: Context, request: Request, who: str, action: Action) -> None:
    """Withdraw or remove an accepted facilitator; the requester is told, a new ping goes."""
    current = await ctx.store.missions.get(request.id, who)
    state = _next(current.state if current else None, action, request.id, who=who)
    await ctx.store.missions.set_state(request.id, who, state, actor=ctx.sender, at=ctx.clock.now())
    request, accepted = await staffing.restate(ctx, request, actor=ctx.sender)
    key = ctx.event.event_id
    text = REQUESTER_WITHDRAWN.format(
        who=await display_name(ctx.store, who),
        id=request.id,
        count=len(accepted),
        needed=request.details.facilitators_needed,
    )
    await staffing.tell_requester(ctx, request, text, key=f"requester:{key}")
    await staffing.send_invitations(
        ctx, request, [who], facilitators=accepted, key=f"ics:{key}", cancelled=True
    )
    await staffing.reopen(ctx, request, cause=key)
    await reconcile_request_reminders(ctx, request.id)


async def _full_text(ctx: Context, request: Request, who: str) -> str:
    """« complet », with another open request that fits the person if there is one."""
    other = await _other_request_for(ctx, who, exclude=request.id)
    prefix = ctx.config.bot.command_prefix
    if other is None:
        return REQUEST_FULL.format(id=request.id)
    return COMPLETE_WITH_OTHER.format(id=request.id, other=other.id, prefix=prefix)


async def _other_request_for(ctx: Context, who: str, *, exclude: int) -> Request | None:
    """The soonest open, complete request that this facilitator could take."""
    today = ctx.clock.now().astimezone(ctx.config.bot.tz).date()
    profile = await ctx.store.facilitators.get(who)
    candidates = await ctx.store.requests.list(states=staffing.ACTIVE, limit=30)
    for request in candidates:
        if request.id == exclude or not staffing.is_ready(request):
            continue
        day = request.details.event_date
        if day is None or day < today or who in await ctx.store.missions.involved(request.id):
            continue
        if profile is None:
            return request
        loads = await workloads(ctx.store, [who], day, exclude_request=request.id)
        if match(request.details, [profile], loads).ranked:
            return request
    return None


async def _names(ctx: Context, user_ids: list[str]) -> str:
    """« Karim Benali et Léa Dubois »: directory names, else Matrix ids."""
    return wording.names_list([await display_name(ctx.store, u) for u in user_ids])


async def _request(ctx: Context, number: int) -> Request:
    request = await ctx.store.requests.get(number)
    if request is None:
        prefix = ctx.config.bot.command_prefix
        raise UserError(wording.UNKNOWN_REQUEST.format(id=number, prefix=prefix))
    return request


def _check_open(request: Request, action: Action) -> None:
    try:
        check_request_open_for(RequestState(request.state), action, request.id)
    except IllegalTransition as exc:
        raise UserError(str(exc)) from exc


def _next(
    current: str | None, action: Action, request_id: int, *, who: str = ""
) -> AssignmentState:
    try:
        state = AssignmentState(current) if current else None
        return next_assignment_state(state, action, request_id=request_id, who=who)
    except IllegalTransition as exc:
        raise UserError(str(exc)) from exc


def _next_request(request: Request, action: str) -> RequestState:
    try:
        return next_request_state(RequestState(request.state), action, request.id)
    except IllegalTransition as exc:
        raise UserError(str(exc)) from exc


async def _answer_and_thread(ctx: Context, request: Request, text: str) -> None:
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

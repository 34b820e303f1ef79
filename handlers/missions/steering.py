"""The requester and the coordinators steer a request: `!annule`, `!cloture`, `!assigne`, `!retire`."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.domain.content import Rendered
from bot.domain.lifecycle import (
    Action,
)
from bot.domain.profiles import USER_ID, name_fit
from bot.domain.requests import Request
from handlers import cycles as session_changes
from handlers.core import wording
from handlers.core.commands import CommandSet, Kind, Param, Permission
from handlers.core.context import Context, UserError
from handlers.core.language import Say
from handlers.missions import room
from handlers.missions.facilitator import DECLINE_REACTIONS, NOT_A_FACILITATOR
from handlers.missions.moves import (
    answer_and_thread,
    check_open,
    names,
    next_request,
    release,
    take,
)
from handlers.reminders import display_name, reconcile_request_reminders
from handlers.staffing import pings, rounds, stand_ins

log = logging.getLogger(__name__)
commands = CommandSet()


CANCELLED = Say("La demande #{id} est annulée.", "Request #{id} is cancelled.")

CANCELLED_BY_COORDINATION = Say(
    "L'équipe de coordination a annulé la demande #{id}. Les personnes qui devaient la faciliter sont prévenues.",
    "The coordination team has cancelled request #{id}. The people who were to facilitate it have been told.",
)


FACILITATOR_CANCELLED = "La demande #{id} que vous deviez faciliter a été annulée par {who}. Merci de votre disponibilité."


CLOSED = "La demande #{id} est close (réalisée). Merci à {names} !"

CLOSED_UNSTAFFED = "La demande #{id} est close sans avoir eu lieu : personne ne l'avait prise. Elle ne compte comme mission nulle part."

CLOSE_TOO_EARLY = "La demande #{id} a lieu {date} : elle ne pourra être close comme réalisée qu'à partir de ce jour. Pour l'annuler : `{prefix}annule {id}`."


REMOVED = "{who} n'a plus de place sur la demande #{id} ; la place est de nouveau ouverte."


FACILITATOR_REMOVED = "La coordination vous a retiré votre place sur la demande #{id}."


DISCARDED = Say(
    "La demande #{id} est retirée : personne ne sera sollicité, et elle ne compte nulle part.",
    "Request #{id} is withdrawn: nobody will be asked, and it counts nowhere.",
)

DISCARD_TOO_LATE = Say(
    "Quelqu'un a déjà accepté la demande #{id} : pour l'annuler, tapez `{prefix}annule {id}`.",
    "Someone has already accepted request #{id}: to cancel it, type `{prefix}cancel {id}`.",
)

WHICH_PERSON = "Plusieurs personnes répondent à « {typed} » : {people}. Précisez laquelle par son identifiant, par exemple `{example}`."

NOBODY_CALLED = "Je ne trouve personne qui s'appelle « {typed} » dans l'annuaire des facilitatrices et facilitateurs. Vérifiez le nom, ou mentionnez la personne."

ONLY_REQUESTER_CANCELS = Say(
    "Seules la personne qui a fait la demande #{id} et l'équipe de coordination peuvent l'annuler.",
    "Only the person who made request #{id} and the coordination team can cancel it.",
)


@commands.command(
    "annule",
    aliases=("cancel",),
    summary=Say(
        "annuler votre demande (les personnes qui la facilitent sont prévenues)",
        "cancel your request (the people facilitating it are told)",
    ),
    example="annule 42",
    params=(
        Param("numero", Kind.REQUEST, "numéro"),
        Param("seance", Kind.TEXT, "séance", optional=True),
    ),
)
async def cancel(ctx: Context, numero: int, seance: str | None = None) -> None:
    """`!annule 42`: the requester or a coordinator cancels; facilitators are told.
    `!annule 42 séance 3`: only that session of a cycle."""
    request = await ctx.request(numero)
    if seance:
        await session_changes.cancel_from_command(ctx, request, seance)
        return
    if request.requester != ctx.sender and not ctx.is_coordinator:
        raise UserError(ONLY_REQUESTER_CANCELS, id=request.id)
    await _cancel(ctx, request)
    if request.requester == ctx.sender:
        await answer_and_thread(ctx, request, ctx.say(CANCELLED, id=request.id))
        return
    await ctx.chat.reply(ctx.event, Rendered.text(ctx.say(CANCELLED, id=request.id)))
    await pings.tell_requester(
        ctx,
        request,
        CANCELLED_BY_COORDINATION,
        key=f"requester:{ctx.event.event_id}",
        id=request.id,
    )


async def on_reaction(ctx: Context) -> str | None:
    """❌ on a request's card, by its author (or a coordinator), before anyone accepted
    it: the request was a mistake; it is removed and counts nowhere."""
    event = ctx.event
    if event.reaction_key not in DECLINE_REACTIONS or event.relates_to is None:
        return None
    request = await ctx.store.requests.by_card_event(event.relates_to)
    if request is None:
        return None
    if request.requester != ctx.sender and not ctx.is_coordinator:
        return "ignored:reaction"
    ctx.event = replace(event, room_id=request.room_id, thread_root=request.thread_root)
    if await ctx.store.missions.accepted(request.id):
        text = ctx.say(DISCARD_TOO_LATE, id=request.id, prefix=ctx.prefix)
        await ctx.chat.reply(ctx.event, Rendered.text(text))
        return "refused:reaction"
    try:
        await _cancel(ctx, request)
    except UserError as exc:
        await ctx.chat.reply(ctx.event, Rendered.text(exc.text_in(ctx.lang)))
        return "refused:reaction"
    await ctx.store.requests.discard(request.id, at=ctx.clock.now())
    await ctx.chat.reply(ctx.event, Rendered.text(ctx.say(DISCARDED, id=request.id)))
    return f"reaction:discard:{request.id}"


async def _cancel(ctx: Context, request: Request) -> None:
    """Cancel a request: its facilitators are told, pings settled, jobs cancelled."""
    new = next_request(request, "cancel")
    accepted = await ctx.store.missions.accepted(request.id)
    now = ctx.clock.now()
    await ctx.store.missions.set_request_state(request.id, new, actor=ctx.sender, at=now)
    request = replace(request, state=new, updated_at=now)
    key = ctx.event.event_id
    by_requester = ctx.sender == request.requester
    who = await display_name(ctx.store, ctx.sender) if by_requester else wording.COORDINATION
    text = FACILITATOR_CANCELLED.format(id=request.id, who=who)
    for user_id in accepted:
        await ctx.chat.dm(user_id, Rendered.text(text), key=f"cancelled:{key}:{user_id}")
    await pings.send_invitations(
        ctx, request, accepted, facilitators=accepted, key=f"ics:{key}", cancelled=True
    )
    await pings.settle_pings(ctx, request, outcome="annulée")
    await rounds.cancel_escalation(ctx, request.id, why="annulée")
    await stand_ins.release_all(ctx, request, why=stand_ins.WHY_CANCELLED, key=key)
    await reconcile_request_reminders(ctx, request.id)
    await room.close(ctx, request, cancelled=True)


@commands.command(
    "cloture",
    aliases=("close",),
    who=Permission.COORDINATOR,
    summary="clore une demande réalisée (ou, si personne ne l'a prise, non tenue)",
    example="cloture 42",
    params=(Param("numero", Kind.REQUEST, "numéro"),),
)
async def close(ctx: Context, numero: int) -> None:
    """`!cloture 42` (coordinators): the mission took place; or, nobody took it, it was
    not held (a state of its own, no mission anywhere)."""
    request = await ctx.request(numero)
    accepted = await ctx.store.missions.accepted(request.id)
    new = next_request(request, "close", held=bool(accepted))
    today = ctx.clock.now().astimezone(ctx.config.bot.tz).date()
    day = request.details.event_date
    if accepted and day is not None and day > today:
        raise UserError(
            CLOSE_TOO_EARLY.format(
                id=request.id, date=f"le {wording.format_date(day)}", prefix=ctx.prefix
            )
        )
    await ctx.store.missions.set_request_state(
        request.id, new, actor=ctx.sender, at=ctx.clock.now()
    )
    await rounds.cancel_escalation(ctx, request.id, why="close")
    await reconcile_request_reminders(ctx, request.id)
    await room.close(ctx, request, cancelled=False)
    text = (
        CLOSED.format(id=request.id, names=await names(ctx, accepted))
        if accepted
        else CLOSED_UNSTAFFED.format(id=request.id)
    )
    await answer_and_thread(ctx, request, text)


@commands.command(
    "assigne",
    aliases=("assign",),
    who=Permission.COORDINATOR,
    summary="donner directement une place sur une demande à une personne du réseau",
    example="assigne 42 Marie Dupont",
    params=(
        Param("numero", Kind.REQUEST, "numéro"),
        Param("personne", Kind.PERSON, "nom ou @identifiant"),
    ),
)
async def assign(ctx: Context, numero: int, personne: str) -> None:
    """`!assigne 42 Marie Dupont` (coordinators): give a place to a facilitator directly."""
    request = await ctx.request(numero)
    who = await _person(ctx, "assigne", numero, personne)
    if not await ctx.is_facilitator(who):
        raise UserError(NOT_A_FACILITATOR.format(who=await display_name(ctx.store, who)))
    await take(ctx, request, who, Action.ASSIGN)


async def take_anyway(ctx: Context, numero: int, who: str) -> None:
    """After « oui »: take the place in spite of an absence or a monthly cap (a coordinator
    assigning someone, or a facilitator over their own cap)."""
    request = await ctx.request(numero)
    action = Action.ACCEPT if who == ctx.sender else Action.ASSIGN
    await take(ctx, request, who, action, force=True)


async def _person(
    ctx: Context, command: str, number: int, typed: str, among: list[str] | None = None
) -> str:
    """The id of the person a coordinator named: an id or a pill as given, else the one
    person of the directory (or of `among`, first) whose display name fits.

    Raises:
        UserError: nobody fits, or several do (they are listed, with their ids).
    """
    if USER_ID.match(typed):
        return typed
    found: list[tuple[str, str]] = []
    if among:
        names = {who: await display_name(ctx.store, who) for who in among}
        best = max((name_fit(typed, n) for n in names.values()), default=0)
        found = [(who, n) for who, n in names.items() if best and name_fit(typed, n) == best]
    if not found:
        found = await ctx.store.facilitators.named(typed)
    if not found:
        raise UserError(NOBODY_CALLED.format(typed=typed[:80]))
    if len(found) > 1:
        people = ", ".join(f"{name} ({who})" for who, name in found[:8])
        example = f"{ctx.prefix}{command} {number} {found[0][0]}"
        raise UserError(WHICH_PERSON.format(typed=typed[:80], people=people, example=example))
    return found[0][0]


@commands.command(
    "retire",
    aliases=("remove",),
    who=Permission.COORDINATOR,
    summary="retirer une personne d'une demande (la place se rouvre)",
    example="retire 42 Marie Dupont",
    params=(
        Param("numero", Kind.REQUEST, "numéro"),
        Param("personne", Kind.PERSON, "nom ou @identifiant"),
    ),
)
async def remove(ctx: Context, numero: int, personne: str) -> None:
    """`!retire 42 Marie Dupont` (coordinators): take a facilitator off; the place reopens."""
    request = await ctx.request(numero)
    check_open(request, Action.REMOVE)
    accepted = await ctx.store.missions.accepted(request.id)
    utilisateur = await _person(ctx, "retire", numero, personne, among=accepted)
    await release(ctx, request, utilisateur, Action.REMOVE)
    text = FACILITATOR_REMOVED.format(id=request.id)
    key = ctx.event.event_id
    await ctx.chat.dm(utilisateur, Rendered.text(text), key=f"removed:{key}:{utilisateur}")
    name = await display_name(ctx.store, utilisateur)
    await ctx.chat.reply(ctx.event, Rendered.text(REMOVED.format(who=name, id=request.id)))

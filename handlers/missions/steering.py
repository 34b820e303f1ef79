"""The requester and the coordinators steer a request: `!annule`, `!cloture`, `!assigne`, `!retire`."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.domain.content import Rendered
from bot.domain.lifecycle import (
    Action,
)
from bot.domain.requests import Request
from handlers import cycles as session_changes
from handlers.core.commands import CommandSet, Kind, Param, Permission
from handlers.core.context import Context, UserError
from handlers.core.language import Say
from handlers.missions.facilitator import DECLINE_REACTIONS, NOT_A_FACILITATOR
from handlers.missions.moves import (
    answer_and_thread,
    check_open,
    names,
    next_request,
    release,
    take,
)
from handlers.reminders import reconcile_request_reminders
from handlers.staffing import pings, rounds, stand_ins

log = logging.getLogger(__name__)
commands = CommandSet()


CANCELLED = Say("La demande #{id} est annulée.", "Request #{id} is cancelled.")


FACILITATOR_CANCELLED = "La demande #{id} que vous deviez faciliter a été annulée par {who}. Merci de votre disponibilité."


CLOSED = "La demande #{id} est close (réalisée). Merci à {names} !"

CLOSED_UNSTAFFED = "La demande #{id} est close ; personne ne l'avait prise."


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

ONLY_REQUESTER_CANCELS = Say(
    "Seuls l'auteur de la demande #{id} et les coordinateurs peuvent l'annuler.",
    "Only the author of request #{id} and the coordinators can cancel it.",
)


@commands.command(
    "annule",
    aliases=("cancel",),
    summary="annuler votre demande (les facilitateurs sont prévenus)",
    example="annule 42",
    params=(
        Param("numero", Kind.REQUEST, "numéro"),
        Param("seance", Kind.TEXT, "séance 3 : une seule séance d'un cycle", optional=True),
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
    await answer_and_thread(ctx, request, ctx.say(CANCELLED, id=request.id))


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
    text = FACILITATOR_CANCELLED.format(id=request.id, who=ctx.sender)
    for user_id in accepted:
        await ctx.chat.dm(user_id, Rendered.text(text), key=f"cancelled:{key}:{user_id}")
    await pings.send_invitations(
        ctx, request, accepted, facilitators=accepted, key=f"ics:{key}", cancelled=True
    )
    await pings.settle_pings(ctx, request, outcome="annulée")
    await rounds.cancel_escalation(ctx, request.id, why="annulée")
    await stand_ins.release_all(ctx, request, why=stand_ins.WHY_CANCELLED, key=key)
    await reconcile_request_reminders(ctx, request.id)


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
    request = await ctx.request(numero)
    new = next_request(request, "close")
    await ctx.store.missions.set_request_state(
        request.id, new, actor=ctx.sender, at=ctx.clock.now()
    )
    accepted = await ctx.store.missions.accepted(request.id)
    await rounds.cancel_escalation(ctx, request.id, why="close")
    await reconcile_request_reminders(ctx, request.id)
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
    summary="affecter directement un facilitateur à une demande",
    example="assigne 42 @marie.dupont:finances.gouv.fr",
    params=(
        Param("numero", Kind.REQUEST, "numéro"),
        Param("utilisateur", Kind.USER, "@utilisateur"),
    ),
)
async def assign(ctx: Context, numero: int, utilisateur: str) -> None:
    """`!assigne 42 @x` (coordinators): give a place to a facilitator directly."""
    request = await ctx.request(numero)
    if not await ctx.is_facilitator(utilisateur):
        raise UserError(NOT_A_FACILITATOR.format(who=utilisateur))
    await take(ctx, request, utilisateur, Action.ASSIGN)


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
    request = await ctx.request(numero)
    check_open(request, Action.REMOVE)
    await release(ctx, request, utilisateur, Action.REMOVE)
    text = FACILITATOR_REMOVED.format(id=request.id)
    key = ctx.event.event_id
    await ctx.chat.dm(utilisateur, Rendered.text(text), key=f"removed:{key}:{utilisateur}")
    await ctx.chat.reply(ctx.event, Rendered.text(REMOVED.format(who=utilisateur, id=request.id)))

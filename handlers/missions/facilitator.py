"""A facilitator answers a request: `!accepte` (or ✅), `!refuse`, `!desiste`."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.domain.content import Rendered
from bot.domain.lifecycle import (
    Action,
)
from bot.domain.requests import Request
from handlers.core import wording
from handlers.core.commands import CommandSet, Kind, Param, Permission
from handlers.core.context import Context, UserError
from handlers.core.language import Say
from handlers.missions.moves import check_open, next_assignment, release, take
from handlers.staffing import rounds, stand_ins

log = logging.getLogger(__name__)
commands = CommandSet()


DECLINED = Say(
    "C'est noté, vous ne prenez pas la demande #{id}. Merci d'avoir répondu.",
    "Noted, you are not taking request #{id}. Thank you for answering.",
)


WITHDRAWN = Say(
    "C'est noté, vous n'êtes plus sur la demande #{id}. La place est de nouveau ouverte.",
    "Noted, you are no longer on request #{id}. The place is open again.",
)


NOT_A_FACILITATOR = (
    "{who} n'est ni dans l'annuaire des facilitatrices et facilitateurs ni dans le salon des "
    "facilitateurs."
)


ACCEPT_REACTIONS = frozenset({"✅", "✅\ufe0f", "✔️", "✔", "☑️"})
DECLINE_REACTIONS = frozenset({"❌", "❎", "✖️", "✖"})


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
    request = await ctx.request(numero)
    await take(ctx, request, ctx.sender, Action.ACCEPT)


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
    await _decline(ctx, await ctx.request(numero))


async def _decline(ctx: Context, request: Request) -> None:
    check_open(request, Action.DECLINE)
    current = await ctx.store.missions.get(request.id, ctx.sender)
    state = next_assignment(
        current.state if current else None,
        Action.DECLINE,
        request.id,
        prefix=ctx.config.bot.command_prefix,
    )
    await ctx.store.missions.set_state(
        request.id, ctx.sender, state, actor=ctx.sender, at=ctx.clock.now()
    )
    await ctx.chat.reply(ctx.event, Rendered.text(ctx.say(DECLINED, id=request.id)))
    pinged = {p.facilitator for p in await ctx.store.missions.pings(request.id)}
    if ctx.sender in pinged:
        await rounds.reopen(ctx, request, cause=ctx.event.event_id, limit=1)


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
    request = await ctx.request(numero)
    if await stand_ins.leave(ctx, request):  # a place in reserve given up
        return
    check_open(request, Action.WITHDRAW)
    await release(ctx, request, ctx.sender, Action.WITHDRAW)
    await ctx.chat.reply(ctx.event, Rendered.text(ctx.say(WITHDRAWN, id=request.id)))


async def on_reaction(ctx: Context) -> str | None:
    """✅ on a ping or on a request's card accepts it, like `!accepte`; ❌ on a ping
    declines it, like `!refuse`. None when the reaction is not about a request."""
    event = ctx.event
    accepts = event.reaction_key in ACCEPT_REACTIONS
    declines = event.reaction_key in DECLINE_REACTIONS
    if not (accepts or declines) or event.relates_to is None:
        return None
    ping = await ctx.store.missions.ping_of_event(event.relates_to)
    if declines and ping is None:
        return None  # ❌ on a card is its author's (steering)
    request = (
        await ctx.store.requests.get(ping.request_id)
        if ping
        else await ctx.store.requests.by_card_event(event.relates_to)
    )
    if request is None:
        return None
    if event.room_id == request.room_id:
        ctx.event = replace(event, thread_root=request.thread_root)
    if not await ctx.may_facilitate():
        name = "accepte" if accepts else "refuse"
        text = wording.FACILITATORS_ONLY.format(prefix=ctx.prefix, name=name)
        await ctx.chat.reply(ctx.event, Rendered.text(text))
        return "refused:reaction"
    try:
        if accepts:
            await take(ctx, request, ctx.sender, Action.ACCEPT)
        else:
            await _decline(ctx, request)
    except UserError as exc:  # nothing was written: answer where the reaction was
        await ctx.chat.reply(ctx.event, Rendered.text(exc.text))
        return "refused:reaction"
    return f"reaction:{'accept' if accepts else 'decline'}:{request.id}"

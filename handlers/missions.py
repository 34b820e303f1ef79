"""Following requests: `!demandes` and `!statut`."""

from __future__ import annotations

from bot.content import Rendered
from handlers import drafting, messages
from handlers.context import Context, UserError


async def list_requests(ctx: Context) -> None:
    """`!demandes`: coordinators see every open request, others their own."""
    if ctx.is_coordinator:
        requests = await ctx.store.requests.list()
        empty, title = messages.NO_OPEN_REQUESTS, messages.OPEN_REQUESTS_TITLE
    else:
        requests = await ctx.store.requests.list(requester=ctx.sender)
        empty, title = messages.NO_OWN_REQUESTS, messages.OWN_REQUESTS_TITLE
    if not requests:
        await ctx.chat.reply(ctx.event, Rendered.text(empty))
        return
    lines = [Rendered.text(title.format(count=len(requests)))]
    lines += [messages.request_line(r) for r in requests]
    await ctx.chat.reply(ctx.event, Rendered.join(lines))


async def status(ctx: Context, numero: int) -> None:
    """`!statut 42`: the card and state of one request."""
    request = await ctx.store.requests.get(numero)
    prefix = ctx.config.bot.command_prefix
    if request is None:
        raise UserError(messages.UNKNOWN_REQUEST.format(id=numero, prefix=prefix))
    if request.requester != ctx.sender and not ctx.is_coordinator:
        if not await ctx.is_facilitator(ctx.sender):
            raise UserError(messages.NOT_YOUR_REQUEST.format(id=numero))
    state = messages.STATE_LABELS.get(request.state, request.state)
    card = messages.request_card(request, drafting.missing_fields(request.details))
    await ctx.chat.reply(ctx.event, Rendered.join([card, Rendered.text(f"État : {state}.")]))

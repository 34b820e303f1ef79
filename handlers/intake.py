"""Free-text requests: understand, store, acknowledge, ask for what is missing."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.domain import drafting
from bot.domain.content import Rendered, pill
from bot.domain.requests import Request, RequestDetails
from bot.parsing import parse
from bot.parsing.normalize import fold_plain
from bot.parsing.replies import read_reply
from bot.parsing.result import ParseResult
from handlers.core import wording
from handlers.core.commands import CommandSet, Kind, Param
from handlers.core.context import Context, UserError
from handlers.reminders import reconcile_request_reminders
from handlers.staffing import pings, rounds

log = logging.getLogger(__name__)
commands = CommandSet()


DM_HELLO = (
    "Bonjour ! Je trouve des facilitatrices et facilitateurs pour vos ateliers, séminaires et "
    "plénières. Décrivez votre besoin en une phrase, par exemple : « On cherche 2 facilitateurs "
    "pour un séminaire le 12 mars de 9h à 12h30 à Bercy ». Tapez `{prefix}aide` pour les commandes."
)

DATE_IN_PAST = (
    "La date comprise, {date}, est déjà passée : je n'enregistre pas la demande. "
    "Renvoyez-la avec la bonne date (par exemple « le {example} »)."
)

FACILITATOR_HELLO = (
    "Bonjour ! Pour répondre à une sollicitation : `{prefix}accepte N` ou `{prefix}refuse N` "
    "(ou réagissez ✅ ou ❌ au message). Vos missions : `{prefix}missions` ; votre profil : "
    "`{prefix}profil` ; toutes les commandes : `{prefix}aide`."
)

# Words that, alone, ask the bot for help.
_HELP_WORDS = frozenset({"aide", "help", "au secours", "sos", "?", "bonjour facilibot"})

RESTATED = "J'ai complété la demande #{id}, qui porte sur le même événement : {changes}."

RESTATED_SAME = (
    "C'est la même demande que la #{id} : rien n'a changé. Pour la modifier, répondez dans son fil."
)

# How long after a request the same person's new message may restate it.
RESTATE_WITHIN = timedelta(days=14)

DM_ONE_COMMAND = {
    "accept": "Pour prendre la demande #{id}, tapez `{prefix}accepte {id}` (ou réagissez ✅ à la sollicitation).",
    "decline": "Pour décliner la demande #{id}, tapez `{prefix}refuse {id}` (ou réagissez ❌ à la sollicitation) : je sollicite quelqu'un d'autre.",
    "withdraw": "Pour rendre votre place sur la demande #{id}, tapez `{prefix}desiste {id}` : je préviens l'équipe et cherche quelqu'un d'autre.",
}

DM_WHICH = "Vous avez plusieurs sollicitations en attente ({numbers}) : précisez le numéro, par exemple `{prefix}accepte {first}` ou `{prefix}refuse {first}`."

JOIN_ANSWER = "Merci de votre intérêt ! Le réseau forme ses facilitatrices et facilitateurs par promotions : j'ai prévenu l'équipe de coordination, qui vous répondra."

JOIN_FOR_COORDINATORS = (
    "Une personne souhaite rejoindre le réseau des facilitatrices et facilitateurs : "
)


async def on_new_text(ctx: Context) -> str:
    """A message that belongs to no request's conversation: a new request, a DM, an
    address to the bot, or conversation to stay quiet on."""
    event = ctx.event
    now = ctx.clock.now().astimezone(ctx.config.bot.tz)
    result = parse(event.body, now)
    if event.is_dm and result.is_request and await _wants_to_join(ctx, now):
        # « Je voudrais rejoindre le réseau des facilitateurs » names facilitators, not a need.
        return await _direct(ctx, now)
    if not result.is_request:
        if event.is_dm:
            return await _direct(ctx, now)
        if _addressed(ctx):
            await ctx.chat.reply(event, Rendered.text(await _pitch(ctx)))
            return "greeted"
        return "ignored:not-a-request"
    if (earlier := await _same_event(ctx, drafting.details_from_parse(result), now)) is not None:
        await _restate(ctx, earlier, result, now)
        return f"restated:{earlier.id}"
    request = await _create(ctx, event.body, result, now)
    return f"request:{request.id}"


async def _same_event(ctx: Context, details: RequestDetails, now: datetime) -> Request | None:
    """An open request of the same person, asked lately, that reads as the same event:
    the same date, or no date yet, and nothing that contradicts it (start, format, place)."""
    since = now - RESTATE_WITHIN
    for earlier in await ctx.store.requests.list(
        states=pings.ACTIVE, requester=ctx.sender, limit=20
    ):
        if earlier.room_id != ctx.event.room_id or earlier.created_at < since:
            continue
        old = earlier.details
        if details.event_date and old.event_date:
            same = details.event_date == old.event_date
        else:
            same = old.event_date is None
        same = (
            same
            and _agree(old.start_time, details.start_time)
            and _agree(old.format, details.format)
            and _agree(old.location, details.location)
        )
        if same:
            return earlier
    return None


def _agree(old: object, new: object) -> bool:
    return old is None or new is None or old == new


async def _restate(ctx: Context, request: Request, result: ParseResult, now: datetime) -> None:
    """A request written again: complete or correct the first one instead of a second."""
    answer = drafting.details_from_parse(result)
    refuse_past(result, answer, now)
    merged = drafting.merge_answer(request.details, answer)
    if not drafting.changed_fields(request.details, merged):
        text = RESTATED_SAME.format(id=request.id)
        await ctx.chat.reply(ctx.event, Rendered.text(text), thread=True)
        return
    await update_and_say(ctx, request, merged, RESTATED)


async def update_and_say(
    ctx: Context, request: Request, merged: RequestDetails, sentence: str
) -> None:
    """Store a request's new details, edit its card, answer with each change (`sentence`
    takes `id` and `changes`) and what is still missing, then staff or tell those asked."""
    updated = await ctx.store.requests.update_details(
        request.id, merged, text=None, at=ctx.clock.now()
    )
    await refresh_card(ctx, updated)
    await reconcile_request_reminders(ctx, request.id)
    changes = " ; ".join(wording.describe_changes(request.details, merged))
    reply = Rendered.text(sentence.format(id=request.id, changes=changes))
    if missing := drafting.missing_fields(merged):
        reply = Rendered.join([reply, wording.ask_missing(missing)], " ")
    await ctx.chat.reply(ctx.event, reply, thread=True)
    log.info("request %d updated from %s", request.id, ctx.event.event_id)
    await staff_after_change(ctx, updated)


@commands.command(
    "demande",
    aliases=("ask",),
    summary="déposer une demande telle quelle, si je ne l'ai pas reconnue comme telle",
    example="demande un temps d'échange pour l'équipe RH le 12 mars à 14h à Lyon",
    params=(Param("texte", Kind.TEXT, "votre demande"),),
)
async def file_request(ctx: Context, texte: str) -> None:
    """`!demande <texte>`: file the text as a request, whatever its form."""
    now = ctx.clock.now().astimezone(ctx.config.bot.tz)
    await _create(ctx, texte, parse(texte, now, assume_request=True), now)


async def _create(ctx: Context, text: str, result: ParseResult, now: datetime) -> Request:
    """Store a request read from `text`, answer with its card in the thread, plan its pings."""
    event = ctx.event
    details = drafting.details_from_parse(result)
    refuse_past(result, details, now)
    request = await ctx.store.requests.create(
        source_event_id=event.event_id,
        room_id=event.room_id,
        thread_root=event.event_id,
        requester=event.sender,
        text=text,
        details=details,
        at=ctx.clock.now(),
    )
    card = wording.request_card(request, drafting.missing_fields(details))
    key = await ctx.chat.reply(event, card, thread=True)
    await ctx.store.requests.set_card_key(request.id, key)
    log.debug("request %d created from %s by %s", request.id, event.event_id, event.sender)
    await rounds.plan_first_round(ctx, request)
    return request


async def _direct(ctx: Context, now: datetime) -> str:
    """A DM that is not a request: a facilitator's free answer to a ping gets the one
    command that does it; a wish to join is passed on; anything else, what the bot does."""
    facilitator = await ctx.may_facilitate()
    pinged = tuple(await ctx.store.missions.unanswered_pings(ctx.sender)) if facilitator else ()
    reading = read_reply(
        ctx.event.body,
        now,
        where="dm",
        who="facilitator" if facilitator else "other",
        request=None,
        pinged=pinged,
        prefix=ctx.prefix,
    )
    text = None
    if reading.intent in ("accept", "decline", "withdraw") and reading.request:
        text = DM_ONE_COMMAND[reading.intent].format(id=reading.request, prefix=ctx.prefix)
    elif reading.intent == "ask_which" and pinged:
        numbers = ", ".join(f"#{n}" for n in pinged)
        text = DM_WHICH.format(numbers=numbers, first=pinged[0], prefix=ctx.prefix)
    elif reading.intent == "join" and not facilitator:
        key = f"join:{ctx.sender}"
        for coordinator in ctx.config.bot.coordinators:
            wants = Rendered.text(JOIN_FOR_COORDINATORS) + pill(ctx.sender)
            await ctx.chat.dm(coordinator, wants, key=f"{key}:{coordinator}")
        text = JOIN_ANSWER
    if text is None:
        text = await _pitch(ctx)
    await ctx.chat.reply(ctx.event, Rendered.text(text))
    return f"dm:{reading.intent}"


async def _wants_to_join(ctx: Context, now: datetime) -> bool:
    """Whether a DM from someone outside the network asks to join it."""
    if await ctx.may_facilitate():
        return False
    reading = read_reply(
        ctx.event.body, now, where="dm", who="other", request=None, pinged=(), prefix=ctx.prefix
    )
    return reading.intent == "join"


def _addressed(ctx: Context) -> bool:
    """Whether a message speaks to the bot: a mention of it, or « aide » / "help" alone."""
    if ctx.config.matrix.user_id in ctx.event.mentions:
        return True
    words = fold_plain(ctx.event.body).strip(" !?.:,")
    return words in _HELP_WORDS


async def _pitch(ctx: Context) -> str:
    """What the bot does, for who is asking: a facilitator's commands, or how to ask."""
    if await ctx.may_facilitate():
        return FACILITATOR_HELLO.format(prefix=ctx.prefix)
    return DM_HELLO.format(prefix=ctx.prefix)


async def on_edit(ctx: Context) -> str:
    """Re-read a request whose message was edited (`m.replace`)."""
    event = ctx.event
    assert event.relates_to is not None
    request = await ctx.store.requests.by_source_event(event.relates_to)
    if request is None or event.sender != request.requester:
        return "ignored:edit"
    now = ctx.clock.now().astimezone(ctx.config.bot.tz)
    result = parse(event.body, now, assume_request=True)
    details = drafting.details_from_parse(result)
    refuse_past(result, details, now)
    if not drafting.changed_fields(request.details, details):
        return "unchanged:edit"
    updated = await ctx.store.requests.update_details(
        request.id, details, text=event.body, at=ctx.clock.now()
    )
    await refresh_card(ctx, updated)
    await staff_after_change(ctx, updated)
    await reconcile_request_reminders(ctx, request.id)
    return f"edited:{request.id}"


async def staff_after_change(ctx: Context, request: Request) -> None:
    """Start staffing a request that just became complete, or update those already asked."""
    if await ctx.store.missions.pings(request.id) or await ctx.store.missions.accepted(request.id):
        await pings.request_changed(ctx, request, cause=ctx.event.event_id)
    else:
        await rounds.plan_first_round(ctx, request)


async def refresh_card(ctx: Context, request: Request) -> None:
    """Edit the request's card to show it as it now stands."""
    card = wording.request_card(request, drafting.missing_fields(request.details))
    if request.card_key:
        await ctx.chat.edit(
            request.card_key, card, key=f"edit:{request.card_key}:{ctx.event.event_id}"
        )


def refuse_past(result: ParseResult, details: RequestDetails, now: datetime) -> None:
    """Refuse a date already past, with an example of one that is not.

    Raises:
        UserError: the event's date (stored or set aside by the parser) is past.
    """
    if past := drafting.past_date(result, details, now.date()):
        example = now.date() + timedelta(days=14)
        raise UserError(
            DATE_IN_PAST.format(
                date=wording.format_date(past),
                example=f"{example.day} {wording.MONTHS[example.month - 1]}",
            )
        )

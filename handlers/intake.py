"""Free-text requests: understand, store, acknowledge, ask for what is missing."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime, timedelta

from bot.domain import drafting
from bot.domain.content import Rendered, pill
from bot.domain.requests import Request, RequestDetails
from bot.parsing import parse
from bot.parsing.language import about_the_bot
from bot.parsing.normalize import fold_plain
from bot.parsing.replies import read_reply
from bot.parsing.result import ParseResult
from handlers.core import wording
from handlers.core.commands import CommandSet, Kind, Param
from handlers.core.context import Context, UserError
from handlers.core.language import Say
from handlers.language import set_language
from handlers.reminders import display_name, reconcile_request_reminders
from handlers.staffing import pings, rounds, stand_ins

log = logging.getLogger(__name__)
commands = CommandSet()


DM_HELLO = Say(
    "Bonjour ! Je trouve des facilitatrices et facilitateurs pour vos ateliers, séminaires et "
    "plénières. Décrivez votre besoin en une phrase, par exemple : « On cherche 2 facilitateurs "
    "pour un séminaire le 12 mars de 9h à 12h30 à Bercy ». Tapez `{prefix}aide` pour les commandes.",
    "Hello! I find facilitators for your workshops, seminars and plenaries. Describe what you "
    "need in one sentence, for example: “We need 2 facilitators for a seminar on 12 March from "
    "9am to 12:30 at Bercy”. Type `{prefix}help` for the commands.",
)

DATE_IN_PAST = Say(
    "La date comprise, {date}, est déjà passée : je n'enregistre pas la demande. "
    "Renvoyez-la avec la bonne date (par exemple « le {example} »).",
    "The date I read, {date}, has already passed: I am not filing the request. "
    "Send it again with the right date (for example “on {example}”).",
)

FACILITATOR_HELLO = Say(
    "Bonjour ! Pour répondre à une sollicitation : `{prefix}accepte N` ou `{prefix}refuse N` "
    "(ou réagissez ✅ ou ❌ au message). Vos missions : `{prefix}missions` ; votre profil : "
    "`{prefix}profil` ; toutes les commandes : `{prefix}aide`.",
    "Hello! To answer a request: `{prefix}accept N` or `{prefix}decline N` (or react ✅ or ❌ "
    "to the message). Your missions: `{prefix}missions`; your profile: `{prefix}profil`; "
    "all the commands: `{prefix}help`.",
)

# Words that, alone, ask the bot for help.
_HELP_WORDS = frozenset({"aide", "help", "au secours", "sos", "?", "bonjour facilibot"})

RESTATED = Say(
    "J'ai complété la demande #{id}, qui porte sur le même événement : {changes}.",
    "I have completed request #{id}, which is about the same event: {changes}.",
)

RESTATED_SAME = Say(
    "C'est la même demande que la #{id} : rien n'a changé. Pour la modifier, répondez dans son fil.",
    "This is the same request as #{id}: nothing has changed. To change it, reply in its thread.",
)

# How long after a request the same person's new message may restate it.
RESTATE_WITHIN = timedelta(days=14)

DM_ONE_COMMAND = {
    "withdraw": Say(
        "Pour rendre votre place sur la demande #{id}, tapez `{prefix}desiste {id}` : je préviens l'équipe et cherche quelqu'un d'autre.",
        "To give your place on request #{id} back, type `{prefix}withdraw {id}`: I will tell the team and look for someone else.",
    ),
}

# A facilitator's free answer to a ping: the bot asks once, a « oui » does it.
DM_CONFIRM = {
    "accept": Say(
        "Vous prenez la demande #{id} ? Répondez « oui » pour confirmer (ou tapez `{prefix}accepte {id}`).",
        "You are taking request #{id}? Answer “yes” to confirm (or type `{prefix}accept {id}`).",
    ),
    "decline": Say(
        "Vous déclinez la demande #{id} ? Répondez « oui » pour confirmer (ou tapez `{prefix}refuse {id}`) : je solliciterai quelqu'un d'autre.",
        "You are declining request #{id}? Answer “yes” to confirm (or type `{prefix}decline {id}`): I will ask someone else.",
    ),
}

DM_WHICH = Say(
    "Vous avez plusieurs sollicitations en attente ({numbers}) : précisez le numéro, par exemple `{prefix}accepte {first}` ou `{prefix}refuse {first}`.",
    "You have several pending requests ({numbers}): say which, for example `{prefix}accept {first}` or `{prefix}decline {first}`.",
)

JOIN_ANSWER = Say(
    "Merci de votre intérêt ! Le réseau forme ses facilitatrices et facilitateurs par promotions : j'ai prévenu l'équipe de coordination, qui vous répondra.",
    "Thank you for your interest! The network trains its facilitators in cohorts: I have told the coordination team, who will get back to you.",
)

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
        await ctx.chat.reply(event, Rendered.text(await _join(ctx)))
        return "dm:join"
    if not result.is_request:
        if event.is_dm:
            return await _direct(ctx, now)
        if _addressed(ctx):
            await ctx.chat.reply(event, Rendered.text(await _pitch(ctx)))
            return "greeted"
        reading = read_reply(
            event.body, now, where="room", who="other", request=None, prefix=ctx.prefix
        )
        if reading.intent == "language" and reading.lang:
            await set_language(ctx, reading.lang)
            return f"language:{reading.lang}"
        if reading.intent == "help" and about_the_bot(event.body):
            await ctx.chat.reply(event, Rendered.text(await _pitch(ctx)), thread=True)
            return "greeted:question"
        if reading.intent == "join" and not await ctx.may_facilitate():
            await ctx.chat.reply(event, Rendered.text(await _join(ctx)), thread=True)
            return "join"
        return "ignored:not-a-request"
    details = drafting.details_from_parse(result)
    # The number it would get, read with the person's recent requests: one trip.
    lately, number = await asyncio.gather(
        ctx.store.requests.lately_of(
            ctx.sender,
            event.room_id,
            since=now - RESTATE_WITHIN,
            day=details.event_date,
            states=pings.ACTIVE,
        ),
        ctx.store.requests.next_number(),
    )
    if (earlier := _same_event(lately, details)) is not None:
        await _restate(ctx, earlier, result, now)
        return f"restated:{earlier.id}"
    request = await _create(ctx, event.body, result, now, number=number)
    return f"request:{request.id}"


def _same_event(lately: list[Request], details: RequestDetails) -> Request | None:
    """Of a person's open requests asked lately (for the same day, or with no day yet),
    the one that reads as the same event: nothing contradicts it (start, format, place)."""
    for earlier in lately:
        old = earlier.details
        if (
            _agree(old.start_time, details.start_time)
            and _agree(old.format, details.format)
            and _agree(old.location, details.location)
        ):
            return earlier
    return None


def _agree(old: object, new: object) -> bool:
    return old is None or new is None or old == new


async def _restate(ctx: Context, request: Request, result: ParseResult, now: datetime) -> None:
    """A request written again: complete or correct the first one instead of a second;
    the answer goes in the first one's thread, where its conversation goes on."""
    ctx.event = replace(ctx.event, thread_root=request.thread_root)
    answer = drafting.details_from_parse(result)
    refuse_past(result, answer, now)
    merged = drafting.merge_answer(request.details, answer)
    if not drafting.changed_fields(request.details, merged):
        text = ctx.say(RESTATED_SAME, id=request.id)
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
    changes = (" ; " if ctx.lang == "fr" else "; ").join(
        wording.describe_changes(request.details, merged, ctx.lang)
    )
    reply = Rendered.text(ctx.say(sentence, id=request.id, changes=changes))
    if missing := drafting.missing_fields(merged):
        reply = Rendered.join([reply, wording.ask_missing(missing, ctx.lang)], " ")
    await ctx.chat.reply(ctx.event, reply, thread=True)
    log.info("request %d updated from %s", request.id, ctx.event.event_id)
    await staff_after_change(ctx, updated, before=request.details)


@commands.command(
    "demande",
    aliases=("ask",),
    summary=Say(
        "déposer une demande telle quelle, si je ne l'ai pas reconnue comme telle",
        "file a request as it is, if I did not take it for one",
    ),
    example="demande un temps d'échange pour l'équipe RH le 12 mars à 14h à Lyon",
    params=(Param("texte", Kind.TEXT, "votre demande"),),
)
async def file_request(ctx: Context, texte: str) -> None:
    """`!demande <texte>`: file the text as a request, whatever its form."""
    now = ctx.clock.now().astimezone(ctx.config.bot.tz)
    await _create(ctx, texte, parse(texte, now, assume_request=True), now)


async def _create(
    ctx: Context, text: str, result: ParseResult, now: datetime, *, number: int | None = None
) -> Request:
    """Store a request read from `text`, answer with its card in the thread, plan its pings
    (`number`: the one `next_number()` gave in this transaction, if read)."""
    event = ctx.event
    details = drafting.details_from_parse(result)
    refuse_past(result, details, now)
    if ctx.lang != "fr":  # their language, for the card and every notice that follows
        await ctx.store.languages.set(ctx.sender, ctx.lang, chosen=False, at=ctx.clock.now())
    request = await ctx.store.requests.create(
        source_event_id=event.event_id,
        room_id=event.room_id,
        thread_root=event.event_id,
        requester=event.sender,
        text=text,
        details=details,
        at=ctx.clock.now(),
        number=number,
    )
    card = wording.request_card(request, drafting.missing_fields(details), ctx.lang)
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
    if reading.intent == "language" and reading.lang:
        await set_language(ctx, reading.lang)
        return f"dm:language:{reading.lang}"
    if reading.intent in DM_CONFIRM and reading.request:
        await ctx.store.confirmations.ask(
            ctx.sender, ctx.place, reading.intent, reading.request, at=ctx.clock.now()
        )
        text = ctx.say(DM_CONFIRM[reading.intent], id=reading.request, prefix=ctx.prefix)
    elif reading.intent in DM_ONE_COMMAND and reading.request:
        text = ctx.say(DM_ONE_COMMAND[reading.intent], id=reading.request, prefix=ctx.prefix)
    elif reading.intent == "ask_which" and pinged:
        numbers = ", ".join(f"#{n}" for n in pinged)
        text = ctx.say(DM_WHICH, numbers=numbers, first=pinged[0], prefix=ctx.prefix)
    elif reading.intent == "join" and not facilitator:
        text = await _join(ctx)
    if text is None:
        text = await _pitch(ctx)
    await ctx.chat.reply(ctx.event, Rendered.text(text))
    return f"dm:{reading.intent}"


async def _join(ctx: Context) -> str:
    """Someone who wants to join the network: the coordinators are told (once), and the
    answer says what happens next."""
    key = f"join:{ctx.sender}"
    name = await display_name(ctx.store, ctx.sender)
    for coordinator in ctx.config.bot.coordinators:
        wants = Rendered.text(JOIN_FOR_COORDINATORS) + pill(ctx.sender, name)
        await ctx.chat.dm(coordinator, wants, key=f"{key}:{coordinator}")
    return ctx.say(JOIN_ANSWER)


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
        return ctx.say(FACILITATOR_HELLO, prefix=ctx.prefix)
    return ctx.say(DM_HELLO, prefix=ctx.prefix)


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
    # What the thread set stays, unless the edit changes that field itself.
    first = parse(request.text, request.created_at.astimezone(now.tzinfo), assume_request=True)
    details = drafting.keep_thread_changes(
        request.details, drafting.details_from_parse(first), details
    )
    if not drafting.changed_fields(request.details, details):
        return "unchanged:edit"
    updated = await ctx.store.requests.update_details(
        request.id, details, text=event.body, at=ctx.clock.now()
    )
    await refresh_card(ctx, updated)
    await staff_after_change(ctx, updated, before=request.details)
    await reconcile_request_reminders(ctx, request.id)
    return f"edited:{request.id}"


async def staff_after_change(
    ctx: Context, request: Request, *, before: RequestDetails | None = None
) -> None:
    """Start staffing a request that just became complete, or update those already asked."""
    if await ctx.store.missions.pings(request.id) or await ctx.store.missions.accepted(request.id):
        await pings.request_changed(ctx, request, cause=ctx.event.event_id, before=before)
        if before is not None and request.details.facilitators_needed > before.facilitators_needed:
            await stand_ins.place_added(ctx, request)
    else:
        await rounds.plan_first_round(ctx, request)


async def refresh_card(ctx: Context, request: Request) -> None:
    """Edit the request's card to show it as it now stands (in its requester's language)."""
    lang = await ctx.store.languages.of(request.requester)
    card = wording.request_card(request, drafting.missing_fields(request.details), lang)
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
            DATE_IN_PAST,
            date=Say(wording.format_date(past), wording.format_date(past, "en")),
            example=Say(
                f"{example.day} {wording.MONTHS[example.month - 1]}",
                f"{example.day} {wording.MONTHS_EN[example.month - 1]}",
            ),
        )

"""Free-text requests: understand, store, acknowledge, ask for what is missing."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import date, datetime, timedelta

from bot.domain import drafting
from bot.domain.content import Rendered, pill
from bot.domain.requests import Request, RequestDetails
from bot.parsing import parse
from bot.parsing.normalize import fold_plain
from bot.parsing.replies import RequestView, read_reply
from bot.parsing.result import ParseResult
from handlers.core import wording
from handlers.core.commands import CommandSet, Kind, Param
from handlers.core.context import Context, UserError
from handlers.reminders import display_name, reconcile_request_reminders
from handlers.staffing import pings, rounds

log = logging.getLogger(__name__)
commands = CommandSet()


DM_HELLO = (
    "Bonjour ! Je trouve des facilitateurs et facilitatrices pour vos ateliers, séminaires et "
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

COMPLETED = "Merci, la demande #{id} est à jour : {changes}."

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

JOIN_FOR_COORDINATORS = "Une personne souhaite rejoindre le réseau des facilitateurs : "

CANCEL_HOW = "Pour annuler la demande #{id}, tapez `{prefix}annule {id}` : les personnes concernées seront prévenues."

STATUS_STAFFED = "Demande #{id} : {names} ({count}/{needed})."

STATUS_NOBODY_YET = "Demande #{id} : personne n'a encore accepté ; je vous préviens ici dès que quelqu'un le fait. Le détail : `{prefix}statut {id}`."

THANKS_ANSWER = "Avec plaisir !"

NOTE_KEPT = "C'est noté : je le transmets aux personnes qui facilitent la demande #{id}."

NOTE_FOR_FACILITATORS = "Demande #{id}, une précision de l'équipe : « {text} »"

# Thanks and praise, and how long a message may be to be only that.
_THANKS = re.compile(r"\b(merci|thanks|thank you|thx|bravo|super|top|genial|parfait)\b")
_SHORT = 120


async def on_text(ctx: Context) -> str:
    """Handle a message that is not a command; return what was done (for the log)."""
    event = ctx.event
    request = await conversation_of(ctx)
    if request is not None:
        if event.sender != request.requester and not ctx.is_coordinator:
            return "ignored:not-requester"  # people talking among themselves in its thread
        if event.room_id == request.room_id and event.thread_root != request.thread_root:
            ctx.event = replace(event, thread_root=request.thread_root)  # answer in the thread
        await complete_from_answer(ctx, request)
        return "answered"
    if event.thread_root:
        return "ignored:thread"
    now = ctx.clock.now().astimezone(ctx.config.bot.tz)
    result = parse(event.body, now)
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
    if past := drafting.past_date(result, answer, now.date()):
        raise UserError(_past_date_text(past, now))
    merged = drafting.merge_answer(request.details, answer)
    if not drafting.changed_fields(request.details, merged):
        text = RESTATED_SAME.format(id=request.id)
        await ctx.chat.reply(ctx.event, Rendered.text(text), thread=True)
        return
    updated = await ctx.store.requests.update_details(
        request.id, merged, text=None, at=ctx.clock.now()
    )
    await _refresh_card(ctx, updated)
    await reconcile_request_reminders(ctx, request.id)
    changes = " ; ".join(wording.describe_changes(request.details, merged))
    reply = Rendered.text(RESTATED.format(id=request.id, changes=changes))
    if missing := drafting.missing_fields(merged):
        reply = Rendered.join([reply, wording.ask_missing(missing)], " ")
    await ctx.chat.reply(ctx.event, reply, thread=True)
    await _staff_after_change(ctx, updated)


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
    if past := drafting.past_date(result, details, now.date()):
        raise UserError(_past_date_text(past, now))
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


async def conversation_of(ctx: Context) -> Request | None:
    """The request a message belongs to: one in its thread, or a Matrix reply to the
    request itself or to a message the bot sent about it (its card, a notice in its thread)."""
    event = ctx.event
    if event.thread_root:
        return await ctx.store.requests.by_thread(event.room_id, event.thread_root)
    if event.reply_to is None:
        return None
    requests = ctx.store.requests
    found = await requests.by_card_event(event.reply_to) or await requests.by_source_event(
        event.reply_to
    )
    if found is not None:
        return found
    sent = await ctx.store.outbox.by_event(event.reply_to)
    relation = (sent.content.get("m.relates_to") or {}) if sent else {}
    if sent and sent.room_id and relation.get("rel_type") == "m.thread":
        return await requests.by_thread(sent.room_id, relation.get("event_id", ""))
    return None


async def complete_from_answer(ctx: Context, request: Request) -> None:
    """Read an answer in a request's conversation: complete or correct the request with
    it, or keep it as a note for its facilitators; never « rien compris »."""
    now = ctx.clock.now().astimezone(ctx.config.bot.tz)
    reading = read_reply(
        ctx.event.body,
        now,
        where="thread",
        who="requester" if ctx.sender == request.requester else "coordinator",
        request=_view(request),
        prefix=ctx.prefix,
    )
    if reading.intent in ("cancel", "status"):
        await _point_to(ctx, request, reading.intent)
        return
    result = parse(ctx.event.body, now, assume_request=True)
    answer = drafting.details_from_parse(result)
    if past := drafting.past_date(result, answer, now.date()):
        raise UserError(_past_date_text(past, now))
    if reading.intent == "correct" and reading.changes:
        # Read against the request as it stands (« le 22 » is in its month).
        merged = drafting.apply_changes(request.details, reading.changes)
    else:
        merged = drafting.merge_answer(request.details, answer)
    if not drafting.changed_fields(request.details, merged):
        await _no_change(ctx, request, reading.intent)
        return
    updated = await ctx.store.requests.update_details(
        request.id, merged, text=None, at=ctx.clock.now()
    )
    await _refresh_card(ctx, updated)
    await reconcile_request_reminders(ctx, request.id)
    changes = " ; ".join(wording.describe_changes(request.details, merged))
    reply = Rendered.text(COMPLETED.format(id=request.id, changes=changes))
    if missing := drafting.missing_fields(merged):
        reply = Rendered.join([reply, wording.ask_missing(missing)], " ")
    await ctx.chat.reply(ctx.event, reply, thread=True)
    log.info("request %d completed from %s", request.id, ctx.event.event_id)
    await _staff_after_change(ctx, updated)


def _view(request: Request) -> RequestView:
    """The request as the reply reader sees it."""
    d = request.details
    return RequestView(
        id=request.id,
        state=request.state,
        event_date=d.event_date,
        start_time=d.start_time,
        end_time=d.end_time,
        format=d.format,
        modality=d.modality,
        location=d.location,
        participants=d.participants,
        facilitators_needed=d.facilitators_needed,
        missing=drafting.missing_fields(d),
    )


async def _point_to(ctx: Context, request: Request, intent: str) -> None:
    """A wish to cancel, or a question about where the request stands: the one command
    that does it, and where it stands now (nothing is changed on a free sentence)."""
    if intent == "cancel":
        text = CANCEL_HOW.format(id=request.id, prefix=ctx.prefix)
    else:
        accepted = await ctx.store.missions.accepted(request.id)
        names = wording.names_list([await display_name(ctx.store, u) for u in accepted])
        needed = request.details.facilitators_needed
        text = (
            STATUS_STAFFED.format(id=request.id, names=names, count=len(accepted), needed=needed)
            if accepted
            else STATUS_NOBODY_YET.format(id=request.id, prefix=ctx.prefix)
        )
    await ctx.chat.reply(ctx.event, Rendered.text(text), thread=True)


async def _no_change(ctx: Context, request: Request, intent: str) -> None:
    """An answer that changes no field: thanks get a warm word, chit-chat nothing, anything
    else is kept as a note for the people who facilitate (and they are told)."""
    event = ctx.event
    short_thanks = _THANKS.search(fold_plain(event.body)) and len(event.body) <= _SHORT
    if intent == "none":
        return
    if intent == "thanks" or short_thanks:
        reply = Rendered.text(THANKS_ANSWER)
    else:
        await ctx.store.notes.add(
            request.id, event.sender, event.body, source_event_id=event.event_id, at=ctx.clock.now()
        )
        accepted = await ctx.store.missions.accepted(request.id)
        for who in accepted:
            text = NOTE_FOR_FACILITATORS.format(id=request.id, text=event.body)
            await ctx.chat.dm(who, Rendered.text(text), key=f"note:{event.event_id}:{who}")
        reply = Rendered.text(NOTE_KEPT.format(id=request.id))
    if missing := drafting.missing_fields(request.details):
        reply = Rendered.join([reply, wording.ask_missing(missing)], " ")
    await ctx.chat.reply(event, reply, thread=True)


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
    if past := drafting.past_date(result, details, now.date()):
        raise UserError(_past_date_text(past, now))
    if not drafting.changed_fields(request.details, details):
        return "unchanged:edit"
    updated = await ctx.store.requests.update_details(
        request.id, details, text=event.body, at=ctx.clock.now()
    )
    await _refresh_card(ctx, updated)
    await _staff_after_change(ctx, updated)
    await reconcile_request_reminders(ctx, request.id)
    return f"edited:{request.id}"


async def _staff_after_change(ctx: Context, request: Request) -> None:
    """Start staffing a request that just became complete, or update those already asked."""
    if await ctx.store.missions.pings(request.id) or await ctx.store.missions.accepted(request.id):
        await pings.request_changed(ctx, request, cause=ctx.event.event_id)
    else:
        await rounds.plan_first_round(ctx, request)


async def _refresh_card(ctx: Context, request: Request) -> None:
    card = wording.request_card(request, drafting.missing_fields(request.details))
    if request.card_key:
        await ctx.chat.edit(
            request.card_key, card, key=f"edit:{request.card_key}:{ctx.event.event_id}"
        )


def _past_date_text(day: date, now: datetime) -> str:
    example = now.date() + timedelta(days=14)
    return DATE_IN_PAST.format(
        date=wording.format_date(day),
        example=f"{example.day} {wording.MONTHS[example.month - 1]}",
    )

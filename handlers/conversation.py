"""A request's conversation: replies in its thread or Matrix replies to it, read against
the request as it stands — a correction, a question, a wish, thanks, or a note."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import timedelta

from bot.domain import drafting
from bot.domain.content import Rendered
from bot.domain.requests import Request
from bot.parsing import parse
from bot.parsing.language import says_no, says_yes
from bot.parsing.normalize import fold_plain
from bot.parsing.replies import RequestView, read_reply
from handlers import cycles as session_changes
from handlers.core import wording
from handlers.core.context import Context
from handlers.core.language import Say, render
from handlers.intake import on_new_text, refuse_past, update_and_say
from handlers.language import set_language
from handlers.missions import facilitator, steering
from handlers.reminders import display_name

log = logging.getLogger(__name__)


COMPLETED = Say(
    "Merci, la demande #{id} est à jour : {changes}.",
    "Thank you, request #{id} is up to date: {changes}.",
)

CANCEL_CONFIRM = Say(
    "Vous voulez annuler la demande #{id} ? Répondez « oui » dans ce fil pour confirmer : les personnes concernées seront prévenues. (Ou tapez `{prefix}annule {id}`.)",
    "Do you want to cancel request #{id}? Answer “yes” in this thread to confirm: the people involved will be told. (Or type `{prefix}cancel {id}`.)",
)

NOTHING_DONE = Say(
    "Entendu, je ne change rien à la demande #{id}.",
    "All right, I am leaving request #{id} as it is.",
)

STATUS_STAFFED = Say(
    "Demande #{id} : {names} ({count}/{needed}).", "Request #{id}: {names} ({count}/{needed})."
)

STATUS_NOBODY_YET = Say(
    "Demande #{id} : personne n'a encore accepté ; je vous préviens ici dès que quelqu'un le fait. Le détail : `{prefix}statut {id}`.",
    "Request #{id}: nobody has accepted yet; I will tell you here as soon as someone does. The details: `{prefix}status {id}`.",
)

THANKS_ANSWER = Say("Avec plaisir !", "You're welcome!")

NOTE_KEPT = Say(
    "C'est noté : je le transmets aux personnes qui facilitent la demande #{id}.",
    "Noted: I will pass it on to the people facilitating request #{id}.",
)

NOTE_FOR_FACILITATORS = Say(
    "Demande #{id}, une précision de l'équipe : « {text} »",
    "Request #{id}, a note from the team: “{text}”",
)

PRAISE_FOR_FACILITATORS = Say(
    "Demande #{id}, un mot de l'équipe après la séance : « {text} »",
    "Request #{id}, a word from the team after the session: “{text}”",
)

THANKS_AND_RATE = Say(
    "Merci, je transmets aux personnes qui ont facilité ! Si vous le souhaitez, donnez une note de 1 à 5 : `{prefix}avis {id} 5 super séance`.",
    "Thank you, I will pass it on to the facilitators! If you wish, give a rating from 1 to 5: `{prefix}avis {id} 5 great session`.",
)

THANKS_PASSED_ON = Say(
    "Merci, je transmets aux personnes qui ont facilité !",
    "Thank you, I will pass it on to the facilitators!",
)

# How long a question to confirm stays open.
CONFIRM_WITHIN = timedelta(days=1)

# Thanks and praise, and how long a message may be to be only that.
_THANKS = re.compile(r"\b(merci|thanks|thank you|thx|bravo|super|top|genial|parfait)\b")
_SHORT = 120


async def on_text(ctx: Context) -> str:
    """Handle a message that is not a command; return what was done (for the log)."""
    if (outcome := await _answer_to_question(ctx)) is not None:
        return outcome
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
    return await on_new_text(ctx)


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
    if await session_changes.from_thread(ctx, request):  # one session of a cycle
        return
    now = ctx.clock.now().astimezone(ctx.config.bot.tz)
    reading = read_reply(
        ctx.event.body,
        now,
        where="thread",
        who="requester" if ctx.sender == request.requester else "coordinator",
        request=_view(request),
        prefix=ctx.prefix,
    )
    if reading.intent == "language" and reading.lang:
        await set_language(ctx, reading.lang)
        return
    if reading.intent in ("cancel", "status"):
        await _point_to(ctx, request, reading.intent)
        return
    result = parse(ctx.event.body, now, assume_request=True)
    answer = drafting.details_from_parse(result)
    refuse_past(result, answer, now)
    if reading.intent == "correct" and reading.changes:
        # Read against the request as it stands (« le 22 » is in its month).
        merged = drafting.apply_changes(request.details, reading.changes)
    else:
        merged = drafting.merge_answer(request.details, answer)
    if not drafting.changed_fields(request.details, merged):
        await _no_change(ctx, request, reading.intent)
        return
    await update_and_say(ctx, request, merged, COMPLETED)


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
        await ctx.store.confirmations.ask(
            ctx.sender, ctx.place, "cancel", request.id, at=ctx.clock.now()
        )
        text = ctx.say(CANCEL_CONFIRM, id=request.id, prefix=ctx.prefix)
    else:
        accepted = await ctx.store.missions.accepted(request.id)
        names = [await display_name(ctx.store, u) for u in accepted]
        needed = request.details.facilitators_needed
        text = (
            ctx.say(
                STATUS_STAFFED,
                id=request.id,
                names=wording.names_list(names, ctx.lang),
                count=len(accepted),
                needed=needed,
            )
            if accepted
            else ctx.say(STATUS_NOBODY_YET, id=request.id, prefix=ctx.prefix)
        )
    await ctx.chat.reply(ctx.event, Rendered.text(text), thread=True)


async def _no_change(ctx: Context, request: Request, intent: str) -> None:
    """An answer that changes no field: thanks get a warm word, chit-chat nothing, anything
    else is kept as a note for the people who facilitate (and they are told)."""
    event = ctx.event
    short_thanks = _THANKS.search(fold_plain(event.body)) and len(event.body) <= _SHORT
    if intent == "none":
        return
    thanks = intent == "thanks" or short_thanks
    if thanks and not await _after_the_event(ctx, request):
        reply = Rendered.text(ctx.say(THANKS_ANSWER))
    elif thanks:
        # Praise after the event: passed on to those who facilitated, and a rating asked.
        await _pass_on(ctx, request, PRAISE_FOR_FACILITATORS)
        rated = any(
            f.author == event.sender and f.rating is not None
            for f in await ctx.store.feedback.for_request(request.id)
        )
        sentence = THANKS_PASSED_ON if rated else THANKS_AND_RATE
        reply = Rendered.text(ctx.say(sentence, id=request.id, prefix=ctx.prefix))
    else:
        await ctx.store.notes.add(
            request.id, event.sender, event.body, source_event_id=event.event_id, at=ctx.clock.now()
        )
        await _pass_on(ctx, request, NOTE_FOR_FACILITATORS)
        reply = Rendered.text(ctx.say(NOTE_KEPT, id=request.id))
    if missing := drafting.missing_fields(request.details):
        reply = Rendered.join([reply, wording.ask_missing(missing, ctx.lang)], " ")
    await ctx.chat.reply(event, reply, thread=True)


async def _after_the_event(ctx: Context, request: Request) -> bool:
    """Whether the request's event is over (its day is past, or it was closed as held)
    and someone facilitated it."""
    today = ctx.clock.now().astimezone(ctx.config.bot.tz).date()
    day = request.details.event_date
    over = request.state == "realisee" or (day is not None and day < today)
    return over and bool(await ctx.store.missions.accepted(request.id))


async def _pass_on(ctx: Context, request: Request, sentence: Say) -> None:
    """The message, quoted, to each person who facilitates the request, in their language."""
    event = ctx.event
    for who in await ctx.store.missions.accepted(request.id):
        their = await ctx.store.languages.of(who)
        text = render(sentence, their, id=request.id, text=event.body)
        await ctx.chat.dm(who, Rendered.text(text), key=f"note:{event.event_id}:{who}")


# What a « oui » carries out, by the action the bot asked to confirm.
# (an action may carry its object after a colon: « assign_anyway:@lea… »).
_CONFIRMED = {
    "accept": lambda ctx, number, _: facilitator.accept(ctx, number),
    "decline": lambda ctx, number, _: facilitator.decline(ctx, number),
    "cancel": lambda ctx, number, _: steering.cancel(ctx, number),
    "accept_anyway": lambda ctx, number, _: steering.take_anyway(ctx, number, ctx.sender),
    "assign_anyway": lambda ctx, number, who: steering.take_anyway(ctx, number, who),
}


async def _answer_to_question(ctx: Context) -> str | None:
    """A « oui » or a « non » to what the bot just asked this person here (to cancel a
    request, to take a place): do it, or leave things as they are. Anything else is read
    as usual, and the question lapses."""
    place = ctx.place
    pending = await ctx.store.confirmations.pending(ctx.sender, place)
    if pending is None:
        return None
    await ctx.store.confirmations.settle(ctx.sender, place)
    if ctx.clock.now() - pending.asked_at > CONFIRM_WITHIN:
        return None
    if says_yes(ctx.event.body):
        action, _, argument = pending.action.partition(":")
        await _CONFIRMED[action](ctx, pending.request_id, argument)
        return f"confirmed:{pending.action}:{pending.request_id}"
    if says_no(ctx.event.body):
        text = ctx.say(NOTHING_DONE, id=pending.request_id)
        await ctx.chat.reply(ctx.event, Rendered.text(text), thread=bool(ctx.event.thread_root))
        return f"not-confirmed:{pending.action}:{pending.request_id}"
    return None

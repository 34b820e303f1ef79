"""Network events (plenaries): `!evenement`, `!evenements`, `!participe`, ✅ on a reminder."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.domain.content import Rendered
from bot.domain.planning import local_moment, plan_before
from bot.domain.schedule import Job
from bot.parsing.dates import mentions
from bot.parsing.normalize import fold
from handlers.core import wording
from handlers.core.commands import CommandSet, Kind, Param, Permission
from handlers.core.context import Context, UserError
from handlers.core.jobs import JobContext, JobKinds, SkipJob
from handlers.reminders import display_name
from storage.network_events import NetworkEvent

log = logging.getLogger(__name__)
commands = CommandSet()
jobs = JobKinds()


EVENT_CREATED = "Événement n° {id} enregistré : « {title} », {when}{where}."

EVENT_REMINDERS_PLANNED = "Rappels prévus dans le salon des facilitateurs : {list}."

EVENT_NO_REMINDERS = "Aucun rappel prévu : l'événement est trop proche."

EVENT_NO_ROOM = "Attention : aucun salon des facilitateurs n'est configuré ([rooms] facilitators), les rappels ne pourront pas partir."

EVENT_USAGE = (
    "Écrivez `{prefix}evenement <titre> le <date> à <heure> à <lieu>`, par exemple "
    "`{prefix}evenement Plénière des facilitateurs le 7 décembre à 14h à Bercy`, ou "
    "`{prefix}evenement annule <numéro>`."
)

EVENT_NO_DATE = "Je ne trouve pas la date de l'événement. " + EVENT_USAGE

EVENT_NO_TIME = "Je ne trouve pas l'heure de l'événement (par exemple « à 14h »). " + EVENT_USAGE

EVENT_NO_TITLE = "Il manque le titre de l'événement, avant la date. " + EVENT_USAGE

EVENT_PAST = "La date comprise, {when}, est déjà passée : je n'enregistre pas l'événement."

EVENT_UNKNOWN = "Je ne trouve pas l'événement n° {id}. Tapez `{prefix}evenements` pour voir ceux qui sont prévus."

EVENT_ALREADY_CANCELLED = "L'événement n° {id} est déjà annulé."

EVENT_CANCELLED_ANSWER = (
    "L'événement n° {id} « {title} » est annulé ; ses rappels ne partiront pas."
)

EVENTS_NONE = "Aucun événement prévu. Pour en ajouter un : `{prefix}evenement Plénière des facilitateurs le 7 décembre à 14h à Bercy`."

EVENTS_TITLE = "Événements prévus ({count}) :"

EVENT_LINE = "• n° {id} — « {title} », {when}{where} — {count} inscription(s){names}"

EVENT_REMINDER = (
    "@room Rappel : « {title} » a lieu {lead}, {when}{where}. Vous venez ? Répondez "
    "`{prefix}participe {id}` ou réagissez ✅ à ce message."
)

EVENT_CANCELLED_NOTICE = "Annulé : « {title} » (événement n° {id}), prévu {when}, n'aura pas lieu."

ATTEND_OK = "C'est noté, vous participez à « {title} » (événement n° {id}). À bientôt !"

ATTEND_ALREADY = "Votre inscription à « {title} » était déjà notée (événement n° {id})."

ATTEND_CLOSED = "L'événement n° {id} n'est plus ouvert aux inscriptions (annulé ou passé)."

NOT_AN_EVENT_NUMBER = "« {value} » n'est pas un numéro d'événement."

ATTEND_USAGE = "Exemple : `{prefix}participe 3` (les événements prévus sont annoncés dans le salon des facilitateurs)."


def offset_label(offset: timedelta) -> str:
    """« J-7 », « H-1 », « 30 min avant »."""
    seconds = int(offset.total_seconds())
    if seconds % 86400 == 0:
        return f"J-{seconds // 86400}"
    if seconds % 3600 == 0:
        return f"H-{seconds // 3600}"
    if seconds % 60 == 0:
        return f"{seconds // 60} min avant"
    return f"{seconds} s avant"


PLENARY_REMINDER = "plenary_reminder"
EVENT_CANCELLED = "event_cancelled"
ATTEND_REACTIONS = frozenset({"✅", "✅\ufe0f", "✔️", "✔", "👍"})
_CANCEL_WORDS = ("annule", "annuler", "cancel")
# 14h, 14h30, 14 h 30, 14:30, 14 heures, 2pm, 2:30 pm — read on folded text.
_TIME = re.compile(
    r"(?<![\d/.:])(\d{1,2})\s?(?:h|:|heures?\b)\s?([0-5]\d)?(?![\d/])"
    r"|(?<![\d/.:])(\d{1,2})(?::([0-5]\d))?\s?(am|pm)\b"
)
_TITLE_TAIL = re.compile(r"[\s,;:\-–—]*(?:\b(?:le|la|du|the|on|à|a|at)\s*)?$", re.IGNORECASE)
_PLACE_HEAD = re.compile(r"^[\s,;:\-–—]*(?:(?:à|a|au|aux|at|en|in|,)\s+)?", re.IGNORECASE)


@dataclass(frozen=True)
class EventDraft:
    """What `!evenement …` says: title, wall-clock date and time, place."""

    title: str
    day: date
    at: time
    location: str | None


def read_event(text: str, today: date, prefix: str = "!") -> EventDraft:
    """Read `<titre> le <date> à <heure> à <lieu>` with the request parser's date reader.

    Raises:
        UserError: no title, no date, no time, or a date already past.
    """
    folded = fold(text)
    found = mentions(folded.text, today)
    dated = [m for m in found if m.role in ("event", "new", "secondary")]
    if not dated:
        past = [m for m in found if m.role == "past"]
        if past:
            raise UserError(EVENT_PAST.format(when=wording.format_date(past[0].day)))
        raise UserError(EVENT_NO_DATE.format(prefix=prefix))
    when = dated[0]
    clock = None
    for match in _TIME.finditer(folded.text):
        if match.start() >= when.end or match.end() <= when.start:
            clock = match
            break
    if clock is None:
        raise UserError(EVENT_NO_TIME.format(prefix=prefix))
    hour, minute = _clock(clock)
    if hour > 23:
        raise UserError(EVENT_NO_TIME.format(prefix=prefix))
    first = min(when.start, clock.start())
    last = max(when.end, clock.end())
    title = _TITLE_TAIL.sub("", folded.source(0, first)).strip() if first > 0 else ""
    if not title:
        raise UserError(EVENT_NO_TITLE.format(prefix=prefix))
    rest = folded.source(last, len(folded.text)) if last < len(folded.text) else ""
    place = _PLACE_HEAD.sub("", rest).strip(" .,;")
    return EventDraft(
        title=title[:200], day=when.day, at=time(hour, minute), location=place[:200] or None
    )


def _clock(match: re.Match[str]) -> tuple[int, int]:
    if match.group(5):
        hour = int(match.group(3)) % 12 + (12 if match.group(5) == "pm" else 0)
        return hour, int(match.group(4) or 0)
    return int(match.group(1)), int(match.group(2) or 0)


def event_target(event_id: int) -> str:
    """The `target` of an event's jobs."""
    return f"event:{event_id}"


def _where(event: NetworkEvent) -> str:
    return f", {event.location}" if event.location else ""


def _when(ctx: Context | JobContext, moment: datetime) -> str:
    return wording.format_moment(moment.astimezone(ctx.config.bot.tz))


@commands.command(
    "evenement",
    aliases=("event",),
    who=Permission.COORDINATOR,
    summary="planifier un événement du réseau et ses rappels, ou l'annuler (`annule N`)",
    example="evenement Plénière des facilitateurs le 7 décembre à 14h à Bercy",
    params=(Param("texte", Kind.TEXT, "titre, date, heure et lieu"),),
)
async def event_command(ctx: Context, texte: str) -> None:
    """`!evenement <titre> le <date> à <heure> à <lieu>`, or `!evenement annule N`."""
    prefix = ctx.config.bot.command_prefix
    head, _, rest = texte.strip().partition(" ")
    if head.lower() in _CANCEL_WORDS:
        await cancel_event(ctx, _event_number(rest.strip(), prefix))
        return
    tz = ctx.config.bot.tz
    now = ctx.clock.now()
    draft = read_event(texte, now.astimezone(tz).date(), prefix)
    starts_at = local_moment(draft.day, draft.at, tz)
    if starts_at <= now:
        raise UserError(EVENT_PAST.format(when=_when(ctx, starts_at)))
    event = await ctx.store.network_events.create(
        title=draft.title,
        starts_at=starts_at,
        location=draft.location,
        created_by=ctx.sender,
        source_event_id=ctx.event.event_id,
        at=now,
    )
    planned = plan_before(starts_at, ctx.config.reminders.plenary_before, tz, now)
    for reminder in planned:
        await ctx.store.jobs.create(
            kind=PLENARY_REMINDER,
            target=event_target(event.id),
            offset=reminder.offset,
            anchor_at=starts_at,
            due_at=reminder.due_at,
            expires_at=starts_at,
            at=now,
        )
    lines = [
        Rendered.text(
            EVENT_CREATED.format(
                id=event.id, title=event.title, when=_when(ctx, starts_at), where=_where(event)
            )
        )
    ]
    if planned:
        listed = ", ".join(f"{_when(ctx, r.due_at)} ({offset_label(r.offset)})" for r in planned)
        lines.append(Rendered.text(EVENT_REMINDERS_PLANNED.format(list=listed)))
    else:
        lines.append(Rendered.text(EVENT_NO_REMINDERS))
    if not ctx.config.rooms.facilitators:
        lines.append(Rendered.text(EVENT_NO_ROOM))
    await ctx.chat.reply(ctx.event, Rendered.join(lines))
    log.info("event %d created by %s for %s", event.id, ctx.sender, starts_at.isoformat())


def _event_number(word: str, prefix: str) -> int:
    digits = word.removeprefix("n°").removeprefix("#").strip()
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 9:
        raise UserError(
            NOT_AN_EVENT_NUMBER.format(value=word[:40]) + " " + EVENT_USAGE.format(prefix=prefix)
        )
    return int(digits)


async def cancel_event(ctx: Context, number: int) -> None:
    """`!evenement annule 3`: cancel an event and its pending reminders."""
    prefix = ctx.config.bot.command_prefix
    event = await ctx.store.network_events.get(number)
    if event is None:
        raise UserError(EVENT_UNKNOWN.format(id=number, prefix=prefix))
    if event.state != "prevu":
        raise UserError(EVENT_ALREADY_CANCELLED.format(id=number))
    now = ctx.clock.now()
    await ctx.store.network_events.cancel(number, at=now)
    reminders = await ctx.store.jobs.for_target(event_target(number), (PLENARY_REMINDER,))
    await ctx.store.jobs.cancel_target(
        event_target(number), at=now, note="event cancelled", kinds=(PLENARY_REMINDER,)
    )
    if any(job.state == "sent" for job in reminders):
        # The network was told about it: tell it too that it is off, right away.
        await ctx.store.jobs.create(
            kind=EVENT_CANCELLED, target=event_target(number), due_at=now, at=now
        )
    await ctx.chat.reply(
        ctx.event, Rendered.text(EVENT_CANCELLED_ANSWER.format(id=number, title=event.title))
    )
    log.info("event %d cancelled by %s", number, ctx.sender)


@commands.command(
    "evenements",
    aliases=("events",),
    who=Permission.COORDINATOR,
    summary="les événements prévus, avec qui y participe",
    example="evenements",
)
async def list_events(ctx: Context) -> None:
    """`!evenements`: upcoming events with how many and who will attend."""
    events = await ctx.store.network_events.upcoming(ctx.clock.now())
    prefix = ctx.config.bot.command_prefix
    if not events:
        await ctx.chat.reply(ctx.event, Rendered.text(EVENTS_NONE.format(prefix=prefix)))
        return
    lines = [Rendered.text(EVENTS_TITLE.format(count=len(events)))]
    for event in events:
        attendees = await ctx.store.network_events.attendees(event.id)
        names = [await display_name(ctx.store, a.user_id) for a in attendees]
        line = EVENT_LINE.format(
            id=event.id,
            title=event.title,
            when=_when(ctx, event.starts_at),
            where=_where(event),
            count=len(attendees),
            names=f" : {', '.join(names)}" if names else "",
        )
        lines.append(Rendered.text(line))
    await ctx.chat.reply(ctx.event, Rendered.join(lines))


async def _attend(ctx: Context, number: int, via: str) -> bool:
    """Record attendance; return whether it is new."""
    event = await ctx.store.network_events.get(number)
    if event is None:
        raise UserError(EVENT_UNKNOWN.format(id=number, prefix=ctx.config.bot.command_prefix))
    if event.state != "prevu" or event.starts_at <= ctx.clock.now():
        raise UserError(ATTEND_CLOSED.format(id=number))
    return await ctx.store.network_events.attend(number, ctx.sender, via=via, at=ctx.clock.now())


@commands.command(
    "participe",
    aliases=("attend",),
    who=Permission.FACILITATOR,
    summary="participer à un événement du réseau (ou réagir ✅ à son rappel)",
    example="participe 3",
    params=(Param("numero", Kind.WORD, "numéro d'événement"),),
)
async def attend(ctx: Context, numero: str) -> None:
    """`!participe 3`: the sender will attend event 3."""
    try:
        number = _event_number(numero, ctx.config.bot.command_prefix)
    except UserError:
        raise UserError(
            NOT_AN_EVENT_NUMBER.format(value=numero[:40])
            + " "
            + ATTEND_USAGE.format(prefix=ctx.prefix)
        ) from None
    event = await ctx.store.network_events.get(number)
    new = await _attend(ctx, number, "commande")
    assert event is not None
    text = ATTEND_OK if new else ATTEND_ALREADY
    await ctx.chat.reply(ctx.event, Rendered.text(text.format(id=number, title=event.title)))
    log.info("%s attends event %d (new=%s)", ctx.sender, number, new)


async def on_reaction(ctx: Context) -> str | None:
    """✅ on a plenary reminder counts as `!participe`; None when the reaction is not for us."""
    event = ctx.event
    if event.reaction_key not in ATTEND_REACTIONS or event.relates_to is None:
        return None
    job = await ctx.store.jobs.of_message(event.relates_to)
    if job is None or job.kind != PLENARY_REMINDER:
        return None
    if not await ctx.may_facilitate():
        return "ignored:reaction"
    number = int(job.target.split(":", 1)[1])
    try:
        new = await _attend(ctx, number, "reaction")
    except UserError:
        return "ignored:reaction-closed"  # a late ✅ on an old reminder needs no answer
    log.info("%s attends event %d by reaction (new=%s)", ctx.sender, number, new)
    return f"attend:{number}"


async def fire_plenary_reminder(ctx: JobContext, job: Job) -> None:
    """Remind the facilitators room of an event, mentioning the whole room."""
    event = await ctx.store.network_events.get(int(job.target.split(":", 1)[1]))
    if event is None or event.state != "prevu":
        raise SkipJob("event cancelled")
    if event.starts_at != job.anchor_at:
        raise SkipJob("the event moved")
    if not ctx.facilitators_room:
        raise SkipJob("no facilitators room configured")
    text = EVENT_REMINDER.format(
        title=event.title,
        lead=wording.format_lead(event.starts_at - ctx.clock.now()),
        when=_when(ctx, event.starts_at),
        where=_where(event),
        prefix=ctx.config.bot.command_prefix,
        id=event.id,
    )
    await ctx.chat.announce(ctx.facilitators_room, Rendered.text(text), key=ctx.next_key())


async def fire_event_cancelled(ctx: JobContext, job: Job) -> None:
    """Tell the facilitators room that an event it was reminded of is cancelled."""
    event = await ctx.store.network_events.get(int(job.target.split(":", 1)[1]))
    if event is None or event.state != "annule":
        raise SkipJob("event not cancelled")
    if not ctx.facilitators_room:
        raise SkipJob("no facilitators room configured")
    attendees = tuple(a.user_id for a in await ctx.store.network_events.attendees(event.id))
    text = EVENT_CANCELLED_NOTICE.format(
        title=event.title, when=_when(ctx, event.starts_at), id=event.id
    )
    await ctx.chat.send(
        ctx.facilitators_room,
        Rendered.text(text),
        key=ctx.next_key(),
        notice=not attendees,
        mentions=attendees,  # those who said they would come are notified
    )


# Useful until the event starts; after an outage only the latest reminder goes out.


jobs.add(PLENARY_REMINDER, fire_plenary_reminder, grace=None, supersede=True)
jobs.add(EVENT_CANCELLED, fire_event_cancelled)

"""A mission's steps, in its room and without numbers (or anywhere, with the number):
`!etapes`, `!cadrage`, `!fiche`, `!deroule`, `!valide`, `!restitution`, `!debrief`;
the nudges when a step is late, and the scoping meeting's reminder."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.domain.content import Rendered
from bot.domain.geography import fold
from bot.domain.ics import MIMETYPE, meeting_invitation
from bot.domain.lifecycle import RequestState
from bot.domain.planning import local_moment, mission_start
from bot.domain.requests import Request
from bot.domain.schedule import Wanted
from bot.domain.steps import (
    CADRAGE_DONE,
    CADRAGE_PLANNED,
    DEROULE,
    RESTITUTION,
    SHEET,
    SHEET_FIELDS,
    VALIDATED,
)
from bot.parsing.dates import event_date
from bot.parsing.normalize import fold_plain
from bot.parsing.times import timing
from handlers.core import wording
from handlers.core.commands import CommandSet, Kind, Param
from handlers.core.context import Context, UserError
from handlers.core.jobs import apply_jobs
from handlers.core.language import Say
from handlers.missions import progress, room
from handlers.missions.nudges import CADRAGE_REMINDER
from storage.outbox import Attachment, mission_address

log = logging.getLogger(__name__)
commands = CommandSet()

CADRAGE_LENGTH = timedelta(hours=1)

CADRAGE_PLANNED_OK = Say(
    "Cadrage de la mission #{id} prévu le {when}. L'invitation d'agenda suit, et je le rappellerai ici avant.",
    "Scoping meeting of mission #{id} planned for {when}. The calendar invitation follows, and I will remind you here beforehand.",
)
CADRAGE_DONE_OK = Say(
    "Cadrage de la mission #{id} : fait, c'est noté.", "Scoping of mission #{id}: done, noted."
)
CADRAGE_HOW = Say(
    "Pour prévoir le cadrage : `{prefix}cadrage le <date> à <heure>` (par exemple `{prefix}cadrage le 3 mars à 14h`) ; une fois fait : `{prefix}cadrage fait [notes]`.",
    "To plan the scoping meeting: `{prefix}cadrage le <date> à <heure>` (for example `{prefix}cadrage le 3 mars à 14h`); once done: `{prefix}cadrage fait [notes]`.",
)
CADRAGE_NO_TIME = Say(
    "Il me faut une date et une heure, par exemple `{prefix}cadrage le 3 mars à 14h`.",
    "I need a date and a time, for example `{prefix}cadrage le 3 mars à 14h`.",
)
CADRAGE_PAST = Say(
    "Cette date est passée : donnez une date à venir.", "That date is past: give one to come."
)
CADRAGE_AFTER = Say(
    "Le cadrage doit avoir lieu avant la mission ({when}).",
    "The scoping meeting must come before the mission ({when}).",
)
CADRAGE_ICS_SUMMARY = "Cadrage — mission #{id}"
SHEET_SET = Say(
    "Fiche de cadrage de la mission #{id} — {field} : c'est noté.",
    "Scoping sheet of mission #{id} — {field}: noted.",
)
SHEET_UNKNOWN = Say(
    "Je ne connais pas le champ « {value} ». Les champs : {fields} (par exemple `{prefix}fiche objectif aligner l'équipe sur la feuille de route`).",
    "I don't know the field “{value}”. The fields: {fields} (for example `{prefix}fiche objectif align the team on the roadmap`).",
)
SHEET_NO_VALUE = Say(
    "Il manque le texte : `{prefix}fiche {field} …`.",
    "The text is missing: `{prefix}fiche {field} …`.",
)
NEED_LINK = Say(
    "Donnez un lien (`{prefix}{name} https://…`), ou répondez au fichier partagé dans la salle de la mission avec `{prefix}{name}`.",
    "Give a link (`{prefix}{name} https://…`), or reply to the file shared in the mission's room with `{prefix}{name}`.",
)
SHARED_FILE = Say("fichier « {name} »", "file “{name}”")
DEROULE_OK = Say(
    "Déroulé de la mission #{id} partagé par {who} ({what}). La personne qui a fait la demande l'approuve avec `{prefix}valide`.",
    "Session plan of mission #{id} shared by {who} ({what}). The requester approves it with `{prefix}valide`.",
)
VALIDATED_OK = Say(
    "Déroulé de la mission #{id} validé par {who}. Merci !",
    "Session plan of mission #{id} approved by {who}. Thank you!",
)
VALIDATE_NOTHING = Say(
    "Aucun déroulé n'est encore partagé pour la mission #{id} : `{prefix}deroule <lien>` d'abord.",
    "No session plan is shared for mission #{id} yet: `{prefix}deroule <link>` first.",
)
ONLY_REQUESTER_VALIDATES = Say(
    "Seule la personne qui a fait la demande #{id} valide le déroulé.",
    "Only the author of request #{id} approves the session plan.",
)
RESTITUTION_OK = Say(
    "Restitution de la mission #{id} partagée par {who} ({what}). Merci !",
    "Restitution of mission #{id} shared by {who} ({what}). Thank you!",
)
DEBRIEF_OK = Say(
    "Merci pour votre debrief de la mission #{id} : il est gardé pour le réseau.",
    "Thank you for your debrief of mission #{id}: it is kept for the network.",
)
DEBRIEF_HOW = Say(
    "Votre debrief en quelques lignes : ce qui a été fait, ce qui a marché, le temps passé. Par exemple `{prefix}debrief atelier de 3h, très bonne énergie, 5h de préparation`.",
    "Your debrief in a few lines: what was done, what worked, time spent. For example `{prefix}debrief 3h workshop, great energy, 5h of preparation`.",
)
ONLY_FACILITATORS_DEBRIEF = Say(
    "Seules les personnes qui facilitent la mission #{id} donnent un debrief.",
    "Only the people facilitating mission #{id} give a debrief.",
)
MISSION_OVER = Say("La demande #{id} est annulée.", "Request #{id} is cancelled.")


def _params(label: str) -> tuple[Param, ...]:
    """One optional text: the request's number first when typed outside its room."""
    return (Param("texte", Kind.TEXT, label, optional=True),)


async def _mission(ctx: Context, texte: str | None, name: str) -> tuple[Request, str]:
    request, rest = await room.mission_of(ctx, texte, name)
    await room.check_member(ctx, request)
    if request.state == RequestState.CANCELLED:
        raise UserError(MISSION_OVER, id=request.id)
    return request, rest


async def _record(ctx: Context, request: Request, name: str, value: str) -> None:
    await ctx.store.mission_rooms.set_fact(
        request.id, name, value, author=ctx.sender, at=ctx.clock.now()
    )


async def _done(ctx: Context, request: Request, text: str) -> None:
    """Answer, say it in the mission's room too when asked elsewhere, and follow up:
    nudges, topic, and leaving a closed mission's room once its retour is in."""
    await ctx.chat.reply(ctx.event, Rendered.text(text))
    if ctx.room_kind != "mission" and await progress.open_room(ctx.store, request.id):
        await room.post(
            ctx, request, Rendered.text(text), key=f"room:{request.id}:step:{ctx.event.event_id}"
        )
    await progress.reconcile_nudges(ctx, request.id)
    await room.refresh_topic(ctx, request, cause=ctx.event.event_id)
    await room.leave_if_done(ctx, request.id)


@commands.command(
    "etapes",
    aliases=("steps",),
    summary="les étapes d'une mission et où elle en est",
    example="etapes",
    params=_params("numéro"),
)
async def show_steps(ctx: Context, texte: str | None = None) -> None:
    """`!etapes` (in the mission's room) or `!etapes 42`: each step, done or not, with who and when."""
    request, _ = await _mission(ctx, texte, "etapes")
    steps = await progress.load_steps(ctx.store, request)
    lines = await progress.step_lines(
        ctx.store,
        request,
        steps,
        now=ctx.clock.now(),
        tz=ctx.config.bot.tz,
        prefix=ctx.prefix,
        lang=ctx.lang,
    )
    await ctx.chat.reply(ctx.event, lines)


@commands.command(
    "cadrage",
    aliases=("scoping",),
    summary="prévoir la réunion de cadrage (`cadrage le <date> à <heure>`) ou la dire faite (`cadrage fait [notes]`)",
    example="cadrage le 3 mars à 14h",
    params=_params("le <date> à <heure> | fait [notes]"),
)
async def cadrage(ctx: Context, texte: str | None = None) -> None:
    """`!cadrage le 3 mars à 14h` plans the scoping meeting; `!cadrage fait [notes]` records it."""
    request, rest = await _mission(ctx, texte, "cadrage")
    word, _, notes = rest.partition(" ")
    if fold(word) in ("fait", "faite", "done"):
        await _record(ctx, request, CADRAGE_DONE, notes.strip())
        await apply_jobs(
            ctx.store, f"request:{request.id}", [], (CADRAGE_REMINDER,), ctx.clock.now()
        )
        await _done(ctx, request, ctx.say(CADRAGE_DONE_OK, id=request.id))
        return
    if not rest:
        raise UserError(CADRAGE_HOW, prefix=ctx.prefix)
    moment = _read_moment(ctx, rest, request)
    await _record(ctx, request, CADRAGE_PLANNED, moment.isoformat())
    await _plan_cadrage_reminder(ctx, request, moment)
    when = wording.format_moment(moment.astimezone(ctx.config.bot.tz), lang=ctx.lang)
    await _done(ctx, request, ctx.say(CADRAGE_PLANNED_OK, id=request.id, when=when))
    await _send_cadrage_ics(ctx, request, moment)


def _read_moment(ctx: Context, text: str, request: Request) -> datetime:
    tz = ctx.config.bot.tz
    now = ctx.clock.now()
    folded = fold_plain(text)
    day = event_date(folded, now.astimezone(tz).date())
    start = timing(folded).start
    if day is None or start is None:
        raise UserError(CADRAGE_NO_TIME, prefix=ctx.prefix)
    moment = local_moment(day, start, tz)
    if moment <= now:
        raise UserError(CADRAGE_PAST)
    starts = mission_start(request.details, tz)
    if starts is not None and moment >= starts:
        when = wording.format_moment(starts.astimezone(tz), lang=ctx.lang)
        raise UserError(CADRAGE_AFTER, when=when)
    return moment


async def _plan_cadrage_reminder(ctx: Context, request: Request, moment: datetime) -> None:
    before = ctx.config.missions.cadrage_reminder_before
    wanted = [
        Wanted(
            kind=CADRAGE_REMINDER,
            recipient="",
            offset=before,
            due_at=moment - before,
            anchor_at=moment,
            expires_at=moment,
        )
    ]
    await apply_jobs(
        ctx.store, f"request:{request.id}", wanted, (CADRAGE_REMINDER,), ctx.clock.now()
    )


async def _send_cadrage_ics(ctx: Context, request: Request, moment: datetime) -> None:
    """The meeting's .ics, once in the mission's room (its members all get it there)."""
    if not await progress.open_room(ctx.store, request.id):
        return
    now = ctx.clock.now()
    data = meeting_invitation(
        uid=f"facilibot-cadrage-{request.id}@{ctx.config.matrix.server_name}",
        start=moment.astimezone(ctx.config.bot.tz),
        length=CADRAGE_LENGTH,
        summary=CADRAGE_ICS_SUMMARY.format(id=request.id),
        description=", ".join(wording.describe_details(request.details)),
        stamp=now,
        sequence=max(0, int((now - request.created_at).total_seconds())),
    )
    attachment = Attachment(data, f"cadrage-{request.id}.ics", MIMETYPE)
    await ctx.chat.file(
        attachment,
        key=f"room:{request.id}:ics:{ctx.event.event_id}",
        room_id=mission_address(request.id),
    )


@commands.command(
    "fiche",
    aliases=("sheet",),
    summary="la fiche de cadrage ; `fiche objectif …` remplit un champ",
    example="fiche objectif aligner l'équipe sur la feuille de route",
    params=_params("champ texte"),
)
async def sheet(ctx: Context, texte: str | None = None) -> None:
    """`!fiche` shows the scoping sheet; `!fiche <champ> <texte>` fills a field."""
    request, rest = await _mission(ctx, texte, "fiche")
    if not rest:
        steps = await progress.load_steps(ctx.store, request)
        await ctx.chat.reply(
            ctx.event, progress.sheet_lines(steps, request.id, ctx.lang, ctx.prefix)
        )
        return
    word, _, value = rest.partition(" ")
    field = fold(word)
    if field not in SHEET_FIELDS:
        raise UserError(
            SHEET_UNKNOWN, value=word[:40], fields=", ".join(SHEET_FIELDS), prefix=ctx.prefix
        )
    if not value.strip():
        raise UserError(SHEET_NO_VALUE, prefix=ctx.prefix, field=field)
    await _record(ctx, request, SHEET + field, value.strip())
    label = progress.SHEET_LABELS[field]
    await _done(ctx, request, ctx.say(SHEET_SET, id=request.id, field=label))


async def _link_or_file(ctx: Context, request: Request, rest: str, name: str) -> str:
    """What was shared: the link given, or the file the command replies to."""
    if rest:
        return rest
    if ctx.event.reply_to:
        shared = await ctx.store.mission_rooms.file(ctx.event.reply_to)
        if shared is not None and shared.request_id == request.id:
            return ctx.say(SHARED_FILE, name=shared.name)
    raise UserError(NEED_LINK, prefix=ctx.prefix, name=name)


@commands.command(
    "deroule",
    aliases=("plan",),
    summary="partager le déroulé (un lien, ou en réponse au fichier)",
    example="deroule https://nuage.finances.gouv.fr/deroule-atelier",
    params=_params("lien"),
)
async def deroule(ctx: Context, texte: str | None = None) -> None:
    """`!deroule <lien>`, or `!deroule` in reply to a file shared in the room."""
    request, rest = await _mission(ctx, texte, "deroule")
    what = await _link_or_file(ctx, request, rest, "deroule")
    await _record(ctx, request, DEROULE, what)
    # A new déroulé is approved anew.
    await ctx.store.mission_rooms.clear_fact(request.id, VALIDATED)
    who = await progress.name_of(ctx.store, ctx.sender)
    await _done(
        ctx, request, ctx.say(DEROULE_OK, id=request.id, who=who, what=what, prefix=ctx.prefix)
    )


@commands.command(
    "valide",
    aliases=("approve",),
    summary="approuver le déroulé (la personne qui a fait la demande)",
    example="valide",
    params=_params("numéro"),
)
async def validate(ctx: Context, texte: str | None = None) -> None:
    """`!valide`: the requester approves the déroulé."""
    request, _ = await _mission(ctx, texte, "valide")
    if ctx.sender != request.requester and not ctx.is_coordinator:
        raise UserError(ONLY_REQUESTER_VALIDATES, id=request.id)
    if DEROULE not in await ctx.store.mission_rooms.facts(request.id):
        raise UserError(VALIDATE_NOTHING, id=request.id, prefix=ctx.prefix)
    await _record(ctx, request, VALIDATED, "")
    who = await progress.name_of(ctx.store, ctx.sender)
    await _done(ctx, request, ctx.say(VALIDATED_OK, id=request.id, who=who))


@commands.command(
    "restitution",
    aliases=("outputs",),
    summary="partager la restitution (un lien, ou en réponse au fichier)",
    example="restitution https://nuage.finances.gouv.fr/restitution",
    params=_params("lien"),
)
async def restitution(ctx: Context, texte: str | None = None) -> None:
    """`!restitution <lien>`, or in reply to a file: the mission's outputs."""
    request, rest = await _mission(ctx, texte, "restitution")
    what = await _link_or_file(ctx, request, rest, "restitution")
    await _record(ctx, request, RESTITUTION, what)
    who = await progress.name_of(ctx.store, ctx.sender)
    await _done(ctx, request, ctx.say(RESTITUTION_OK, id=request.id, who=who, what=what))


@commands.command(
    "debrief",
    aliases=("debriefing",),
    summary="votre debrief après la mission : ce qui a été fait, ce qui a marché, le temps passé",
    example="debrief atelier de 3h, très bonne énergie, 5h de préparation",
    params=_params("texte"),
)
async def debrief(ctx: Context, texte: str | None = None) -> None:
    """`!debrief <texte>`: a facilitator's short debrief, kept for the network's record."""
    request, rest = await _mission(ctx, texte, "debrief")
    if ctx.sender not in await ctx.store.missions.accepted(request.id):
        raise UserError(ONLY_FACILITATORS_DEBRIEF, id=request.id)
    if not rest:
        raise UserError(DEBRIEF_HOW, prefix=ctx.prefix)
    await ctx.store.mission_rooms.debrief(request.id, ctx.sender, rest, at=ctx.clock.now())
    await _done(ctx, request, ctx.say(DEBRIEF_OK, id=request.id))

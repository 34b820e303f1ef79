"""The mission's room: a private, encrypted room per mission, from its first acceptance.

The room is wanted in the handler's transaction (a row, and messages and
invitations addressed to `mission:<id>` in the outbox); the sender creates it
at the homeserver's pace, once (see `bot.matrix.sender`), then invites, posts
and keeps its topic current in order. Withdrawn or removed facilitators are
removed with a one-line reason; a cancelled request's room is left at once,
a closed one once its retour is in (or after `missions.leave_after`).
"""

from __future__ import annotations

import logging

from bot.domain.content import Rendered, pill
from bot.domain.lifecycle import Action, RequestState
from bot.domain.requests import Request
from bot.domain.schedule import Job
from handlers.core import wording
from handlers.core.commands import CommandSet, Kind, Param, Permission
from handlers.core.context import Context, UserError
from handlers.core.jobs import JobContext, JobKinds, SkipJob
from handlers.core.language import Say
from handlers.missions import progress
from storage.mission_rooms import CLOSED, LEFT, OPEN
from storage.outbox import OP_INVITE, OP_KICK, OP_LEAVE, OP_TOPIC, mission_address

log = logging.getLogger(__name__)
commands = CommandSet()
jobs = JobKinds()

ROOM_NAME = "Mission #{id} — {format} du {date}"
ROOM_TOPIC = "{what} — étape : {step}"

WELCOME = Say(
    "Bienvenue dans la salle de la mission #{id} ! Elle réunit la personne qui a fait la demande et celles qui la facilitent : {members}. Ici, les commandes n'ont pas besoin de numéro : `{prefix}etapes` pour les étapes, `{prefix}cadrage le <date> à <heure>`, `{prefix}fiche`, `{prefix}deroule <lien>`, `{prefix}valide`, `{prefix}restitution <lien>`, `{prefix}debrief <texte>`.",
    "Welcome to the room of mission #{id}! It brings together the requester and the people facilitating it: {members}. Here, commands need no number: `{prefix}etapes` for the steps, `{prefix}cadrage le <date> à <heure>`, `{prefix}fiche`, `{prefix}deroule <link>`, `{prefix}valide`, `{prefix}restitution <link>`, `{prefix}debrief <text>`.",
)
JOINED = Say("{who} rejoint la mission #{id}.", "{who} joins mission #{id}.")
WITHDREW_REASON = Say(
    "a rendu sa place sur la mission #{id}", "gave their place on mission #{id} back"
)
REMOVED_REASON = Say(
    "retiré de la mission #{id} par la coordination",
    "removed from mission #{id} by the coordination",
)
LEFT_THE_MISSION = Say(
    "{who} n'est plus sur la mission ({reason}).", "{who} is no longer on the mission ({reason})."
)
ROOM_CANCELLED = Say(
    "La demande #{id} est annulée : cette salle n'a plus d'objet et je la quitte. Merci à toutes et à tous.",
    "Request #{id} is cancelled: this room has no purpose any more and I am leaving it. Thank you all.",
)
ROOM_CLOSED = Say(
    "La mission #{id} est close. Il reste le retour : la restitution (`{prefix}restitution <lien>`), l'avis de la personne qui a fait la demande (`{prefix}avis {id} <note>`) et le debrief de chaque personne qui a facilité (`{prefix}debrief <texte>`). Je quitterai la salle ensuite.",
    "Mission #{id} is closed. The retour is left: the restitution (`{prefix}restitution <link>`), the requester's rating (`{prefix}avis {id} <rating>`) and a debrief from each facilitator (`{prefix}debrief <text>`). I will leave the room then.",
)
ROOM_LEAVING = Say(
    "Le retour de la mission #{id} est complet, merci ! Je quitte la salle ; elle reste à vous.",
    "The retour of mission #{id} is complete, thank you! I am leaving the room; it stays yours.",
)
ROOM_LEAVING_LATE = Say(
    "Je quitte la salle de la mission #{id}. Le retour peut encore se donner avec le numéro, par exemple `{prefix}debrief {id} <texte>`.",
    "I am leaving the room of mission #{id}. The retour can still be given with the number, for example `{prefix}debrief {id} <text>`.",
)
INVITED_COORDINATOR = Say(
    "Je vous invite dans la salle de la mission #{id}.",
    "I am inviting you to the room of mission #{id}.",
)
NO_ROOM = Say(
    "La demande #{id} n'a pas de salle de mission (elle en a une dès que quelqu'un l'accepte).",
    "Request #{id} has no mission room (it gets one as soon as someone accepts it).",
)
ROOM_GONE = Say(
    "J'ai quitté la salle de la mission #{id}.", "I have left the room of mission #{id}."
)
WHICH_MISSION = Say(
    "De quelle mission s'agit-il ? Hors de la salle d'une mission, donnez son numéro : `{prefix}{name} 42 …`.",
    "Which mission is it? Outside a mission's room, give its number: `{prefix}{name} 42 …`.",
)
NOT_ON_MISSION = Say(
    "Vous n'êtes pas sur la mission #{id} : seules la personne qui a fait la demande, celles qui la facilitent et l'équipe de coordination y ont accès.",
    "You are not on mission #{id}: only the requester, its facilitators and the coordination have access to it.",
)

ROOM_LEAVE = "mission_room_leave"
FILE_TYPES = ("m.file", "m.image", "m.video", "m.audio")


def room_name(request: Request) -> str:
    """« Mission #42 — séminaire du vendredi 12 mars 2027 »."""
    day = request.details.event_date
    return ROOM_NAME.format(
        id=request.id,
        format=wording.format_label(request.details.format) or "facilitation",
        date=wording.format_date(day) if day else "?",
    )


async def room_topic(ctx: progress.Planning, request: Request) -> str:
    """What the mission is and the step it is at."""
    what = ", ".join(wording.describe_details(request.details))
    step = await progress.step_label(
        ctx.store, request, now=ctx.clock.now(), tz=ctx.config.bot.tz, lang="fr"
    )
    return ROOM_TOPIC.format(
        what=what, step=step or progress.STEP_NAMES[progress.Step.CADRAGE].lower()
    )


async def mission_of(ctx: Context, text: str | None, name: str) -> tuple[Request, str]:
    """The request a mission command is about, and the rest of the line.

    In a mission's room it is that mission (a number first on the line is
    read as its number only when it is this one: « le 12 mars » is a date);
    elsewhere the number comes first.

    Raises:
        UserError: no number outside a mission's room.
    """
    rest = (text or "").strip()
    word, _, after = rest.partition(" ")
    digits = word.removeprefix("#")
    number = int(digits) if digits.isascii() and digits.isdigit() and len(digits) <= 9 else None
    if ctx.room_kind == "mission":
        room = await ctx.store.mission_rooms.by_room(ctx.event.room_id)
        if room is not None:
            if number == room.request_id:
                return await ctx.request(number), after.strip()
            return await ctx.request(room.request_id), rest
    if number is None:
        raise UserError(WHICH_MISSION, prefix=ctx.prefix, name=name)
    return await ctx.request(number), after.strip()


async def check_member(ctx: Context, request: Request) -> None:
    """Refuse someone who is not on the mission (coordinators always are).

    Raises:
        UserError: not the requester, nor a facilitator of it, nor a coordinator.
    """
    if ctx.is_coordinator or ctx.sender == request.requester:
        return
    if ctx.sender in await ctx.store.missions.accepted(request.id):
        return
    raise UserError(NOT_ON_MISSION, id=request.id)


async def post(
    ctx: progress.Planning,
    request: Request,
    message: Rendered,
    *,
    key: str,
    mentions: tuple[str, ...] = (),
) -> None:
    """A message in the mission's room (notifying those mentioned)."""
    await ctx.chat.send(
        mission_address(request.id), message, key=key, notice=not mentions, mentions=mentions
    )


async def welcome(ctx: Context, request: Request, who: str) -> None:
    """Someone took a place: the mission's room (created at the first) gets them."""
    if not ctx.config.missions.room:
        return
    address = mission_address(request.id)
    cause = ctx.event.event_id
    now = ctx.clock.now()
    room = await ctx.store.mission_rooms.get(request.id)
    if room is None:
        topic = await room_topic(ctx, request)
        await ctx.store.mission_rooms.want(request.id, name=room_name(request), topic=topic, at=now)
        for user in (request.requester, who):
            await ctx.chat.operate(
                address, OP_INVITE, key=f"room:{request.id}:invite:{user}:{cause}", user_id=user
            )
        members = Rendered.join(
            [pill(u, await progress.name_of(ctx.store, u)) for u in (request.requester, who)], ", "
        )
        text = WELCOME.format(id=request.id, prefix=ctx.prefix, members="\x00")
        before, _, after = text.partition("\x00")
        steps = await progress.step_lines(
            ctx.store,
            request,
            await progress.load_steps(ctx.store, request),
            now=now,
            tz=ctx.config.bot.tz,
            prefix=ctx.prefix,
            lang="fr",
        )
        message = Rendered.join(
            [
                Rendered.text(before) + members + Rendered.text(after),
                wording.card_summary(request),
                steps,
            ]
        )
        await post(
            ctx,
            request,
            message,
            key=f"room:{request.id}:welcome",
            mentions=(request.requester, who),
        )
        await progress.reconcile_nudges(ctx, request.id)
        log.info("request %d: mission room wanted", request.id)
    elif room.state == OPEN:
        await ctx.chat.operate(
            address, OP_INVITE, key=f"room:{request.id}:invite:{who}:{cause}", user_id=who
        )
        line = JOINED.format(id=request.id, who="\x00").partition("\x00")
        name = pill(who, await progress.name_of(ctx.store, who))
        message = Rendered.text(line[0]) + name + Rendered.text(line[2])
        await post(
            ctx, request, message, key=f"room:{request.id}:joined:{who}:{cause}", mentions=(who,)
        )


async def remove(ctx: Context, request: Request, who: str, action: Action) -> None:
    """A facilitator withdrew or was removed: out of the room, with a one-line reason."""
    if not await progress.open_room(ctx.store, request.id):
        return
    reason = (WITHDREW_REASON if action is Action.WITHDRAW else REMOVED_REASON).format(
        id=request.id
    )
    cause = ctx.event.event_id
    name = await progress.name_of(ctx.store, who)
    await post(
        ctx,
        request,
        Rendered.text(LEFT_THE_MISSION.format(who=name, reason=reason)),
        key=f"room:{request.id}:left:{who}:{cause}",
    )
    await ctx.chat.operate(
        mission_address(request.id),
        OP_KICK,
        key=f"room:{request.id}:kick:{who}:{cause}",
        user_id=who,
        reason=reason,
    )


async def close(ctx: Context, request: Request, *, cancelled: bool) -> None:
    """The request is cancelled (the room says so, the bot leaves) or closed (the
    retour is asked; the bot leaves once it is in, or after `leave_after`)."""
    room = await ctx.store.mission_rooms.get(request.id)
    if room is None or room.state != OPEN:
        return
    now = ctx.clock.now()
    key = f"room:{request.id}:close"
    await ctx.store.mission_rooms.set_state(request.id, CLOSED, now)
    if cancelled:
        await post(ctx, request, Rendered.text(ROOM_CANCELLED.format(id=request.id)), key=key)
        await ctx.chat.operate(
            mission_address(request.id), OP_LEAVE, key=f"room:{request.id}:leave"
        )
        return
    await post(
        ctx, request, Rendered.text(ROOM_CLOSED.format(id=request.id, prefix=ctx.prefix)), key=key
    )
    await ctx.store.jobs.create(
        kind=ROOM_LEAVE,
        target=f"request:{request.id}",
        due_at=now + ctx.config.missions.leave_after,
        at=now,
    )
    await leave_if_done(ctx, request.id)


async def leave_if_done(ctx: progress.Posting, request_id: int) -> None:
    """A closed mission whose retour is complete: thank everyone and leave the room."""
    room = await ctx.store.mission_rooms.get(request_id)
    request = await ctx.store.requests.get(request_id)
    if (
        room is None
        or room.state != CLOSED
        or request is None
        or request.state != RequestState.DONE
    ):
        return
    if not (await progress.load_steps(ctx.store, request)).retour_complete():
        return
    await post(
        ctx,
        request,
        Rendered.text(ROOM_LEAVING.format(id=request_id)),
        key=f"room:{request_id}:thanks",
    )
    await ctx.chat.operate(mission_address(request_id), OP_LEAVE, key=f"room:{request_id}:leave")
    await ctx.store.mission_rooms.set_state(request_id, LEFT, ctx.clock.now())


async def refresh_topic(ctx: progress.Posting, request: Request, *, cause: str) -> None:
    """Keep the room's topic on the mission's current step."""
    room = await ctx.store.mission_rooms.get(request.id)
    if room is None or room.state != OPEN:
        return
    topic = await room_topic(ctx, request)
    if await ctx.store.mission_rooms.set_topic(request.id, topic, ctx.clock.now()):
        await ctx.chat.operate(
            mission_address(request.id),
            OP_TOPIC,
            key=f"room:{request.id}:topic:{cause}",
            topic=topic,
        )


async def fire_room_leave(ctx: JobContext, job: Job) -> None:
    """`leave_after` past the closing: leave the room even if the retour is not complete."""
    request_id = int(job.target.partition(":")[2])
    room = await ctx.store.mission_rooms.get(request_id)
    if room is None or room.state != CLOSED:
        raise SkipJob("room already left")
    text = ROOM_LEAVING_LATE.format(id=request_id, prefix=ctx.config.bot.command_prefix)
    await ctx.chat.send(mission_address(request_id), Rendered.text(text), key=ctx.next_key())
    await ctx.chat.operate(mission_address(request_id), OP_LEAVE, key=f"room:{request_id}:leave")
    await ctx.store.mission_rooms.set_state(request_id, LEFT, ctx.clock.now())


jobs.add(ROOM_LEAVE, fire_room_leave, grace=None)


@commands.command(
    "rejoindre",
    aliases=("join",),
    who=Permission.COORDINATOR,
    summary="entrer dans la salle d'une mission",
    example="rejoindre 42",
    params=(Param("numero", Kind.REQUEST, "numéro"),),
)
async def join(ctx: Context, numero: int) -> None:
    """`!rejoindre 42` (coordinators): the bot invites you to the mission's room."""
    request = await ctx.request(numero)
    room = await ctx.store.mission_rooms.get(request.id)
    if room is None:
        raise UserError(NO_ROOM, id=request.id)
    if room.state == LEFT:
        raise UserError(ROOM_GONE, id=request.id)
    await ctx.chat.operate(
        mission_address(request.id),
        OP_INVITE,
        key=f"room:{request.id}:invite:{ctx.sender}:{ctx.event.event_id}",
        user_id=ctx.sender,
    )
    await ctx.chat.reply(ctx.event, Rendered.text(ctx.say(INVITED_COORDINATOR, id=request.id)))


async def on_room_text(ctx: Context) -> str:
    """A message in a mission's room that is not a command: a shared file is remembered
    (`!deroule` in reply to it names it); conversation is left to the people."""
    event = ctx.event
    if event.msgtype not in FILE_TYPES:
        return "ignored:chatter"
    room = await ctx.store.mission_rooms.by_room(event.room_id)
    if room is None:
        return "ignored:chatter"
    await ctx.store.mission_rooms.add_file(
        event.event_id, room.request_id, event.sender, event.body[:200], at=ctx.clock.now()
    )
    return f"file:{room.request_id}"

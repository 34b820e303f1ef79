"""Places in reserve and the mission's lead: `!reserve`, `!referent`, and the moves
that follow them (the first in reserve takes an opened place; the reserve is released
when the event is past or cancelled)."""

from __future__ import annotations

import logging
from datetime import time, timedelta

from bot.domain import cycles
from bot.domain.content import Rendered
from bot.domain.lifecycle import RequestState
from bot.domain.planning import local_moment, mission_end
from bot.domain.requests import Request, Session
from bot.domain.schedule import Job
from handlers.core import wording
from handlers.core.commands import CommandSet, Kind, Param, Permission
from handlers.core.context import Context, UserError
from handlers.core.jobs import JobContext, JobKinds, SkipJob
from handlers.core.language import Say
from handlers.reminders import display_name, reconcile_request_reminders
from handlers.staffing import pings, rounds

log = logging.getLogger(__name__)
commands = CommandSet()
jobs = JobKinds()

RESERVE_RELEASE = "reserve_release"
_MIDNIGHT = time(0, 0)
OFFER_KEY = "reserve-offer"

OFFER = Say(
    "La demande #{id} est déjà complète. Voulez-vous une place en réserve ? Tapez "
    "`{prefix}reserve {id}` ou réagissez ✅ à ce message : si une place se libère, elle est "
    "pour vous, sans autre sollicitation.",
    "Request #{id} is already full. Would you like a place in reserve? Type "
    "`{prefix}reserve {id}` or react ✅ to this message: if a place opens, it is yours, "
    "nobody else is asked.",
)
OFFER_WITH_OTHER = Say(
    "Désolé, la demande #{id} est déjà complète. La demande #{other} cherche encore "
    "quelqu'un : `{prefix}accepte {other}` si elle vous convient. Sinon, une place en réserve "
    "sur la #{id} : `{prefix}reserve {id}` ou réagissez ✅ à ce message.",
    "Sorry, request #{id} is already full. Request #{other} is still looking for someone: "
    "`{prefix}accept {other}` if it suits you. Otherwise, a place in reserve on #{id}: "
    "`{prefix}reserve {id}` or react ✅ to this message.",
)
IN_RESERVE = Say(
    "C'est noté : vous êtes en réserve sur la demande #{id} (position {position}). Je vous "
    "préviens si une place se libère ; `{prefix}desiste {id}` pour quitter la réserve.",
    "Noted: you are in reserve on request #{id} (position {position}). I will tell you if a "
    "place opens; `{prefix}withdraw {id}` to leave the reserve.",
)
ALREADY_IN_RESERVE = Say(
    "Vous êtes déjà en réserve sur la demande #{id}.",
    "You are already in reserve on request #{id}.",
)
NOT_FULL = Say(
    "La demande #{id} a encore des places : tapez `{prefix}accepte {id}` pour en prendre une.",
    "Request #{id} still has places: type `{prefix}accept {id}` to take one.",
)
ALREADY_ON = Say(
    "Vous facilitez déjà la demande #{id}.", "You are already facilitating request #{id}."
)
NOT_ACTIVE = Say(
    "La demande #{id} n'est plus ouverte : pas de réserve possible.",
    "Request #{id} is no longer open: no reserve is possible.",
)
LEFT_RESERVE = Say(
    "C'est noté, vous n'êtes plus en réserve sur la demande #{id}.",
    "Noted, you are no longer in reserve on request #{id}.",
)
PROMOTED = Say(
    "Une place s'est libérée sur la demande #{id} : elle est pour vous, vous la facilitez "
    "désormais. `{prefix}desiste {id}` en cas d'empêchement.",
    "A place opened on request #{id}: it is yours, you are now facilitating it. "
    "`{prefix}withdraw {id}` if something comes up.",
)
REQUESTER_PROMOTED = Say(
    "{gone} a rendu sa place sur la demande #{id} ; {who}, qui était en réserve, la prend "
    "({count}/{needed}).",
    "{gone} has given their place on request #{id} back; {who}, who was in reserve, takes it "
    "({count}/{needed}).",
)
REQUESTER_FILLED_FROM_RESERVE = Say(
    "{who}, qui était en réserve, prend une place sur la demande #{id} ({count}/{needed}).",
    "{who}, who was in reserve, takes a place on request #{id} ({count}/{needed}).",
)
RELEASED = Say(
    "La demande #{id} est {why} : votre place en réserve est libérée. Merci de vous être "
    "proposé pour elle !",
    "Request #{id} is {why}: your place in reserve is released. Thank you for offering!",
)
WHY_PAST = Say("passée", "over")
WHY_CANCELLED = Say("annulée", "cancelled")
ABSENT_SOME = Say(
    "Attention : vous avez déclaré une absence pour {sessions}. Vous facilitez les autres "
    "séances ; prévenez la personne qui demande pour celle(s)-ci.",
    "Note: you declared an absence for {sessions}. You facilitate the other sessions; tell "
    "the requester about this one (or these).",
)
ABSENT_ALL = Say(
    "Vous avez déclaré une absence pour toutes les séances de la demande #{id} : je ne peux "
    "pas vous inscrire. Si vous êtes finalement disponible, tapez `{prefix}present`.",
    "You declared an absence for every session of request #{id}: I cannot sign you up. If you "
    "are available after all, type `{prefix}present`.",
)
SESSION_WORD = Say("la séance {number} ({day})", "session {number} ({day})")
LEAD_NAMED = Say(
    "{who} est la personne référente de la demande #{id} : c'est elle qui coordonne "
    "l'équipe de facilitation.",
    "{who} is the lead facilitator of request #{id}: they coordinate the facilitation team.",
)
LEAD_NOT_ON = Say(
    "{who} ne facilite pas la demande #{id} : seule une personne qui a accepté peut en être "
    "la référente.",
    "{who} is not facilitating request #{id}: only someone who accepted can lead it.",
)
ONLY_REQUESTER_OR_COORDINATOR = Say(
    "Seules la personne qui a fait la demande #{id} et l'équipe de coordination peuvent "
    "nommer la personne référente.",
    "Only the person who made request #{id} and the coordination team can name its lead.",
)


@commands.command(
    "reserve",
    aliases=("standby",),
    who=Permission.FACILITATOR,
    summary=Say(
        "vous mettre en réserve sur une demande complète (première place libérée)",
        "wait in reserve on a full request (the next place that opens)",
    ),
    example="reserve 42",
    params=(Param("numero", Kind.REQUEST, "numéro"),),
)
async def reserve(ctx: Context, numero: int) -> None:
    """`!reserve 42`: wait in reserve for the next place that opens on a full request."""
    await join(ctx, await ctx.request(numero), ctx.sender)


@commands.command(
    "referent",
    aliases=("lead",),
    summary=Say(
        "nommer la personne référente d'une mission parmi celles qui la facilitent",
        "name the lead of a mission among those facilitating it",
    ),
    example="referent 42 @karim.benali:agent.finances.tchap.gouv.fr",
    params=(
        Param("numero", Kind.REQUEST, "numéro"),
        Param("utilisateur", Kind.USER, "personne"),
    ),
)
async def lead(ctx: Context, numero: int, utilisateur: str) -> None:
    """`!referent 42 @x`: the requester or a coordinator names the mission's lead."""
    request = await ctx.request(numero)
    if request.requester != ctx.sender and not ctx.is_coordinator:
        raise UserError(ONLY_REQUESTER_OR_COORDINATOR, id=request.id)
    name = await display_name(ctx.store, utilisateur)
    accepted = await ctx.store.missions.accepted(request.id)
    if utilisateur not in accepted:
        raise UserError(LEAD_NOT_ON, who=name, id=request.id)
    await ctx.store.requests.set_lead(request.id, utilisateur)
    await _announce_lead(ctx, request, utilisateur, accepted, key=ctx.event.event_id)
    await ctx.chat.reply(ctx.event, Rendered.text(ctx.say(LEAD_NAMED, who=name, id=request.id)))


async def _announce_lead(
    ctx: Context, request: Request, who: str, accepted: list[str], *, key: str
) -> None:
    """Tell the team who leads the mission."""
    name = await display_name(ctx.store, who)
    for user_id in accepted:
        lang = await ctx.store.languages.of(user_id)
        text = LEAD_NAMED.in_(lang).format(who=name, id=request.id)
        await ctx.chat.dm(user_id, Rendered.text(text), key=f"lead:{key}:{user_id}")


async def name_lead(ctx: Context, request: Request, accepted: list[str]) -> None:
    """The first to accept a mission for several people leads it, unless one was named."""
    if request.lead or request.details.facilitators_needed < 2 or not accepted:
        return
    current = await ctx.store.requests.get(request.id)
    if current is None or current.lead:
        return
    await ctx.store.requests.set_lead(request.id, accepted[0])


async def join(ctx: Context, request: Request, who: str) -> None:
    """Put `who` in reserve on a full request and say so (refusing what makes no sense)."""
    if request.state not in (RequestState.OPEN, RequestState.PARTIAL, RequestState.STAFFED):
        raise UserError(NOT_ACTIVE, id=request.id)
    if who in await ctx.store.missions.accepted(request.id):
        raise UserError(ALREADY_ON, id=request.id)
    if request.state != RequestState.STAFFED:
        raise UserError(NOT_FULL, id=request.id, prefix=ctx.prefix)
    now = ctx.clock.now()
    if not await ctx.store.reserves.join(request.id, who, at=now):
        raise UserError(ALREADY_IN_RESERVE, id=request.id)
    waiting = await ctx.store.reserves.waiting(request.id)
    log.info("request %d: %s in reserve (%d waiting)", request.id, who, len(waiting))
    text = ctx.say(IN_RESERVE, id=request.id, position=waiting.index(who) + 1, prefix=ctx.prefix)
    await ctx.chat.reply(ctx.event, Rendered.text(text))
    await refresh_card(ctx, request, key=f"reserve:{ctx.event.event_id}")
    await _plan_release(ctx, request)


async def offer(ctx: Context, request: Request, who: str, *, other: Request | None) -> None:
    """A full request: offer a place in reserve (and `other`, an open request that fits),
    as a message ✅ answers."""
    if await ctx.store.reserves.is_waiting(request.id, who):
        raise UserError(ALREADY_IN_RESERVE, id=request.id)
    if other is not None:
        text = ctx.say(OFFER_WITH_OTHER, id=request.id, other=other.id, prefix=ctx.prefix)
    else:
        text = ctx.say(OFFER, id=request.id, prefix=ctx.prefix)
    event = ctx.event
    # Where an answer goes (chat.reply), under a key the ✅ on it is read back from.
    in_thread = event.kind != "reaction" and (not event.is_dm or event.thread_root is not None)
    await ctx.chat.send(
        event.room_id,
        Rendered.text(text),
        key=f"{OFFER_KEY}:{request.id}:{who}:{event.event_id}",
        thread_root=event.conversation_root if in_thread else event.thread_root,
        reply_to=event.event_id if event.kind != "reaction" else None,
    )


async def on_reaction(ctx: Context) -> str | None:
    """✅ on an offer of a place in reserve, by the person it was made to."""
    event = ctx.event
    if event.relates_to is None or not (event.reaction_key or "").startswith(("✅", "✔", "☑")):
        return None
    sent = await ctx.store.outbox.by_event(event.relates_to)
    if sent is None or not sent.key.startswith(f"{OFFER_KEY}:"):
        return None
    # reserve-offer:<request>:<user id, with its colon>:<event id>
    _, request_id, rest = sent.key.split(":", 2)
    who = rest.rsplit(":", 1)[0]
    if who != ctx.sender:
        return "ignored:reaction"
    request = await ctx.store.requests.get(int(request_id))
    if request is None:
        return None
    try:
        await join(ctx, request, who)
    except UserError as exc:
        await ctx.chat.reply(ctx.event, Rendered.text(exc.text_in(ctx.lang)))
        return "refused:reaction"
    return f"reaction:reserve:{request.id}"


async def leave(ctx: Context, request: Request) -> bool:
    """`!desiste` by someone in reserve: they leave it. False if they were not in it."""
    if not await ctx.store.reserves.leave(request.id, ctx.sender, "desistee", at=ctx.clock.now()):
        return False
    await ctx.chat.reply(ctx.event, Rendered.text(ctx.say(LEFT_RESERVE, id=request.id)))
    await refresh_card(ctx, request, key=f"reserve:{ctx.event.event_id}")
    return True


async def promote(ctx: Context, request: Request, *, gone: str | None = None) -> bool:
    """Give each open place to the first in reserve, at once; tell them and the requester.
    Returns whether anyone was promoted (then nobody else needs pinging)."""
    waiting = await ctx.store.reserves.waiting(request.id)
    if not waiting:
        return False
    key = ctx.event.event_id
    request, accepted = await pings.restate(ctx, request, actor=ctx.sender)
    now = ctx.clock.now()
    promoted: list[str] = []
    for who in waiting:
        if len(accepted) >= request.details.facilitators_needed:
            break
        if not await ctx.store.missions.take_slot(request.id, who, actor=ctx.sender, at=now):
            break
        await ctx.store.reserves.leave(request.id, who, "promue", at=now)
        request, accepted = await pings.restate(ctx, request, actor=ctx.sender)
        promoted.append(who)
    if not promoted:
        return False
    for who in promoted:
        lang = await ctx.store.languages.of(who)
        text = PROMOTED.in_(lang).format(id=request.id, prefix=ctx.prefix)
        card = wording.card_summary(request, lang)
        await ctx.chat.dm(
            who, Rendered.join([Rendered.text(text), card]), key=f"promoted:{key}:{who}"
        )
        log.info("request %d: %s promoted from the reserve", request.id, who)
    await pings.send_invitations(ctx, request, promoted, facilitators=accepted, key=f"ics:{key}")
    needed = request.details.facilitators_needed
    names = wording.names_list([await display_name(ctx.store, w) for w in promoted])
    if gone is not None:
        await pings.send_invitations(
            ctx, request, [gone], facilitators=accepted, key=f"ics:{key}", cancelled=True
        )
        await pings.tell_requester(
            ctx,
            request,
            REQUESTER_PROMOTED,
            key=f"requester:{key}",
            gone=await display_name(ctx.store, gone),
            who=names,
            id=request.id,
            count=len(accepted),
            needed=needed,
        )
    else:
        await pings.tell_requester(
            ctx,
            request,
            REQUESTER_FILLED_FROM_RESERVE,
            key=f"requester:{key}",
            who=names,
            id=request.id,
            count=len(accepted),
            needed=needed,
        )
    if request.lead == gone:
        await ctx.store.requests.set_lead(request.id, accepted[0] if accepted else None)
    await refresh_card(ctx, request, key=f"promoted:{key}")
    await reconcile_request_reminders(ctx, request.id)
    return True


async def release_all(ctx: pings.Staffing, request: Request, *, why: Say, key: str) -> None:
    """The event is past or cancelled: everyone in reserve is released and told."""
    now = ctx.clock.now()
    for who in await ctx.store.reserves.waiting(request.id):
        await ctx.store.reserves.leave(request.id, who, "liberee", at=now)
        lang = await ctx.store.languages.of(who)
        text = RELEASED.in_(lang).format(id=request.id, why=why.in_(lang))
        await ctx.chat.dm(who, Rendered.text(text), key=f"released:{key}:{who}")


async def refresh_card(ctx: pings.Staffing, request: Request, *, key: str) -> None:
    """Edit the request's card so that it shows its reserve as it now stands."""
    if not request.card_key:
        return
    current = await ctx.store.requests.get(request.id)
    if current is None:
        return
    lang = await ctx.store.languages.of(current.requester)
    card = wording.request_card(current, (), lang)
    await ctx.chat.edit(current.card_key, card, key=f"card:{key}")


async def _plan_release(ctx: Context, request: Request) -> None:
    """Release the reserve once the event is over (its last session)."""
    tz = ctx.config.bot.tz
    planned = cycles.active(request.details)
    details = cycles.session_details(request.details, planned[-1]) if planned else request.details
    end = mission_end(details, tz)
    if end is None and details.event_date is not None:
        end = local_moment(details.event_date + timedelta(days=1), _MIDNIGHT, tz)
    if end is None:
        return
    now = ctx.clock.now()
    target = f"reserve:{request.id}"
    await ctx.store.jobs.cancel_target(target, at=now, note="replanifiée", kinds=(RESERVE_RELEASE,))
    await ctx.store.jobs.create(kind=RESERVE_RELEASE, target=target, due_at=max(end, now), at=now)


async def fire_reserve_release(ctx: JobContext, job: Job) -> None:
    """The event is over: release whoever still waits in reserve."""
    request = await ctx.store.requests.get(int(job.target.partition(":")[2]))
    if request is None or not request.reserve:
        raise SkipJob("nobody in reserve")
    await release_all(ctx, request, why=WHY_PAST, key=ctx.next_key())


def absent_note(ctx: Context, absent: tuple[Session, ...]) -> str:
    """« Attention : vous avez déclaré une absence pour la séance 3 (…) »."""
    listed = wording.and_list(
        [
            ctx.say(SESSION_WORD, number=s.number, day=wording.format_date(s.day, ctx.lang))
            for s in absent
        ],
        ctx.lang,
    )
    return ctx.say(ABSENT_SOME, sessions=listed)


async def absent_sessions(ctx: Context, request: Request, who: str) -> tuple[Session, ...]:
    """The sessions of a cycle `who` declared an absence for; refused if that is all of them."""
    absent = cycles.absent_on(request.details, await ctx.store.absences.of(who))
    if absent and len(absent) == len(cycles.active(request.details)):
        raise UserError(ABSENT_ALL, id=request.id, prefix=ctx.prefix)
    return absent


jobs.add(RESERVE_RELEASE, fire_reserve_release, grace=None)


async def place_added(ctx: Context, request: Request) -> None:
    """More places than before: the reserve takes them first, then pings for the rest."""
    await promote(ctx, request)
    current = await ctx.store.requests.get(request.id)
    if current is not None:
        was_staffed = current.state == RequestState.STAFFED
        current, _ = await pings.restate(ctx, current, actor=ctx.sender)
        cause = f"places:{ctx.event.event_id}"
        await rounds.reopen(ctx, current, cause=cause, was_staffed=was_staffed)

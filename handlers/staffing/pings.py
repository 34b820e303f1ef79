"""Pings and what follows them: the message, its settling, the requester's notices, the .ics."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, Protocol

from bot.config import Config
from bot.domain import cycles, drafting
from bot.domain.clock import Clock
from bot.domain.content import Rendered, pill
from bot.domain.ics import MIMETYPE, mission_invitation
from bot.domain.lifecycle import AssignmentState, RequestState, staffing_state
from bot.domain.profiles import name_from_id
from bot.domain.requests import FORMAT_LABELS, Request, RequestDetails
from handlers.candidates import rank_request
from handlers.core import wording
from handlers.core.context import Chat
from handlers.core.language import Say, render
from handlers.missions import room
from handlers.reminders import display_name
from storage.missions import Ping
from storage.outbox import Attachment
from storage.store import Store

log = logging.getLogger(__name__)


MISSION_CHANGED = Say(
    "La demande #{id} que vous facilitez a changé ; la voici à jour (invitation d'agenda mise à jour ci-après) :",
    "Request #{id}, which you are facilitating, has changed; here it is as it stands (updated calendar invitation below):",
)

PING_CHANGED = Say(
    "La demande #{id} a changé ; la voici à jour :", "Request #{id} has changed; here it is:"
)


NOBODY_LEFT = "tout le monde a déjà été sollicité"


PING_INTRO = Say(
    "Bonjour ! Une demande cherche {need} :", "Hello! A request is looking for {need}:"
)


PING_HOW = Say(
    "Pour la prendre : `{prefix}accepte {id}` ou réagissez ✅ à ce message. Pas disponible ? `{prefix}refuse {id}`.",
    "To take it: `{prefix}accept {id}` or react ✅ to this message. Not available? `{prefix}decline {id}`.",
)


PING_FILLED = Say(
    "Demande #{id} — pourvue, merci ! Plus rien à faire pour celle-ci.",
    "Request #{id} — staffed, thank you! Nothing more to do for this one.",
)


PING_CANCELLED = Say(
    "Demande #{id} — annulée. Plus rien à faire pour celle-ci.",
    "Request #{id} — cancelled. Nothing more to do for this one.",
)


def mention_line(
    user_id: str, message: Rendered, name: str | None = None, lang: str = "fr"
) -> Rendered:
    """A message that starts with a mention of its recipient, by name."""
    colon = ": " if lang == "en" else " : "
    return pill(user_id, name) + Rendered(body=colon, html=colon) + message


def ping_message(request: Request, *, prefix: str, lang: str = "fr") -> Rendered:
    """What a pinged facilitator receives: the need, the card, how to answer."""
    need = wording.facilitators_label(request.details.facilitators_needed, lang)
    return Rendered.join(
        [
            Rendered.text(PING_INTRO.in_(lang).format(need=need)),
            wording.card_summary(request, lang),
            Rendered.text(PING_HOW.in_(lang).format(prefix=prefix, id=request.id)),
        ]
    )


def ping_settled(request: Request, outcome: str, lang: str = "fr") -> Rendered:
    """The edited ping once the request no longer needs anyone."""
    text = PING_FILLED if outcome == "pourvue" else PING_CANCELLED
    return Rendered.text(text.in_(lang).format(id=request.id))


def ics_summary(request: Request) -> str:
    """The calendar entry's title."""
    what = FORMAT_LABELS.get(request.details.format or "", "Facilitation")
    return f"{what[:1].upper()}{what[1:]} — demande #{request.id}"


def ics_description(request: Request, facilitators: list[str]) -> str:
    """The calendar entry's text: the card, the requester, the team (`facilitators`: their
    names; an id is read as a name)."""
    lines = [", ".join(wording.describe_details(request.details))]
    if request.details.topic:
        lines.append(f"Objet : {request.details.topic}")
    lines.append(f"Demandée par : {name_from_id(request.requester)}")
    named = [name_from_id(who) if who.startswith("@") else who for who in facilitators]
    lines.append(f"Facilitation : {wording.names_list(named)}")
    return "\n".join(lines)


ACTIVE = (RequestState.OPEN, RequestState.PARTIAL)


class Staffing(Protocol):
    """What these functions use: a command's `Context` or a scheduled job's."""

    config: Config
    store: Store
    chat: Chat
    clock: Clock
    facilitators_room: str | None


@dataclass(frozen=True)
class PingRound:
    """Who a round of pings reached, and why nobody if nobody."""

    pinged: tuple[str, ...]
    reason: str | None = None


@dataclass(frozen=True)
class Standing:
    """What a round of pings for a request starts from (`standing`)."""

    earlier: tuple[Ping, ...]  # its pings, in the order they were sent
    states: dict[str, str]  # everyone with an assignment on it, and its state
    last_row: int  # the directory's highest row number (0 when empty)
    active: int  # how many of its profiles are active


async def standing(store: Store, request_id: int) -> Standing:
    """Where a request's staffing stands, read in one trip to the database."""
    earlier, states, size = await asyncio.gather(*_standing_reads(store, request_id))
    return Standing(tuple(earlier), states, *size)


async def request_and_standing(store: Store, request_id: int) -> tuple[Request | None, Standing]:
    """A stored request (None if there is none) and its `standing`, in one trip."""
    request, earlier, states, size = await asyncio.gather(
        store.requests.get(request_id), *_standing_reads(store, request_id)
    )
    return request, Standing(tuple(earlier), states, *size)


def _standing_reads(store: Store, request_id: int) -> tuple[Awaitable[Any], ...]:
    return (
        store.missions.pings(request_id),
        store.missions.states(request_id),
        store.facilitators.size(),
    )


def is_ready(request: Request) -> bool:
    """A request is staffed once it is complete (date, time, place) and still open."""
    return request.state in ACTIVE and not drafting.missing_fields(request.details)


async def free_slots(
    ctx: Staffing, request: Request, *, states: dict[str, str] | None = None
) -> int:
    """How many facilitators the request still needs (`states`: its assignments' states,
    when the caller has just read them)."""
    if states is None:
        accepted = len(await ctx.store.missions.accepted(request.id))
    else:
        accepted = sum(state == AssignmentState.ACCEPTED for state in states.values())
    return max(0, request.details.facilitators_needed - accepted)


async def ping(
    ctx: Staffing,
    request: Request,
    *,
    slots: int,
    round_: int,
    standing: Standing,
    limit: int | None = None,
) -> PingRound:
    """Ping the best `pings_per_slot × slots` candidates not asked before (at most `limit`),
    from where the request's staffing `standing`s."""
    result = await rank_request(ctx.store, request, last_row=standing.last_row)
    asked = {request.requester} | {p.facilitator for p in standing.earlier} | set(standing.states)
    fresh = [r.matrix_id for r in result.ranked if r.matrix_id not in asked]
    count = cycles.round_size(
        open_places=slots,
        per_place=ctx.config.matching.pings_per_slot,
        directory=standing.active,
        share=ctx.config.matching.round_share,
        minimum=ctx.config.matching.round_minimum,
    )
    chosen = tuple(fresh[: count if limit is None else min(count, limit)])
    if not chosen:
        if result.ranked:
            reason = NOBODY_LEFT
        else:
            reason = result.notes[0] if result.notes else NOBODY_LEFT
        log.info("request %d round %d: nobody to ping (%s)", request.id, round_, reason)
        return PingRound((), reason)
    now = ctx.clock.now()
    for user_id in chosen:
        key = f"ping:{request.id}:{user_id}"
        await send_ping(ctx, request, user_id, key=key)
        await ctx.store.missions.record_ping(
            request.id, user_id, round_=round_, outbox_key=key, at=now
        )
    log.info("request %d round %d: pinged %d", request.id, round_, len(chosen))
    return PingRound(chosen)


async def send_ping(ctx: Staffing, request: Request, user_id: str, *, key: str) -> None:
    """The ping itself: the card and how to accept, as a message that notifies."""
    prefix = ctx.config.bot.command_prefix
    lang = await ctx.store.languages.of(user_id)
    message = ping_message(request, prefix=prefix, lang=lang)
    room = ctx.facilitators_room
    if ctx.config.matching.ping_in == "room" and room:
        await ctx.chat.send(
            room,
            mention_line(user_id, message, await display_name(ctx.store, user_id)),
            key=key,
            notice=False,
            mentions=(user_id,),
        )
    else:
        await ctx.chat.dm(user_id, message, key=key)


async def request_changed(
    ctx: Staffing, request: Request, *, cause: str, before: RequestDetails | None = None
) -> None:
    """The request's details changed: refresh the open pings (saying what changed), tell
    those who accepted, each change spelled out (before → after)."""
    if request.state not in (*ACTIVE, RequestState.STAFFED):
        return
    accepted = await ctx.store.missions.accepted(request.id)

    def changed(sentence: Say, lang: str) -> Rendered:
        lines = [sentence.in_(lang).format(id=request.id)]
        if before is not None:
            lines += [f"• {c}" for c in wording.describe_changes(before, request.details, lang)]
        return Rendered.text("\n".join(lines))

    if request.state != RequestState.STAFFED:
        prefix = ctx.config.bot.command_prefix
        for sent in await ctx.store.missions.pings(request.id):
            if sent.facilitator not in accepted:
                lang = await ctx.store.languages.of(sent.facilitator)
                message = ping_message(request, prefix=prefix, lang=lang)
                if before is not None:
                    message = Rendered.join([changed(PING_CHANGED, lang), message])
                await ctx.chat.edit(sent.outbox_key, message, key=f"{sent.outbox_key}:{cause}")
    for user_id in accepted:
        lang = await ctx.store.languages.of(user_id)
        card = Rendered.join([changed(MISSION_CHANGED, lang), wording.card_summary(request, lang)])
        await ctx.chat.dm(user_id, card, key=f"changed:{cause}:{user_id}")
    await send_invitations(ctx, request, accepted, facilitators=accepted, key=f"ics:{cause}")
    await room.refresh_topic(ctx, request, cause=cause)


async def settle_pings(
    ctx: Staffing, request: Request, *, outcome: str, cause: str | None = None
) -> None:
    """Edit the pings of those who did not take the request (« pourvue », « annulée »);
    `cause` (the event that settled it) makes each edit its own, as a request may be
    staffed again after a place opened."""
    accepted = set(await ctx.store.missions.accepted(request.id))
    suffix = f":{cause}" if cause else ""
    for sent in await ctx.store.missions.pings(request.id):
        if sent.facilitator in accepted and outcome == "pourvue":
            continue
        text = ping_settled(request, outcome, await ctx.store.languages.of(sent.facilitator))
        await ctx.chat.edit(sent.outbox_key, text, key=f"{sent.outbox_key}:{outcome}{suffix}")


PLACE_OPEN_AGAIN = Say(
    "Une place s'est libérée sur la demande #{id}, qui vous avait été proposée : elle est de nouveau à prendre (`{prefix}accepte {id}`).",
    "A place has opened again on request #{id}, which you were asked about: it can be taken again (`{prefix}accept {id}`).",
)


async def ask_again(ctx: Staffing, request: Request, *, cause: str) -> list[str]:
    """A place opened on a request that had been staffed: the people asked who never
    answered (their ping was edited to « pourvue ») get their ping back, reopened, with a
    line that notifies them — unless they are away that day. Returns who was asked."""
    day = request.details.event_date
    answered = await ctx.store.missions.answered(request.id)
    asked = []
    prefix = ctx.config.bot.command_prefix
    for sent in await ctx.store.missions.pings(request.id):
        who = sent.facilitator
        if who in answered:
            continue
        if day is not None and await ctx.store.absences.absent_on([who], day):
            continue
        lang = await ctx.store.languages.of(who)
        message = ping_message(request, prefix=prefix, lang=lang)
        await ctx.chat.edit(sent.outbox_key, message, key=f"{sent.outbox_key}:open:{cause}")
        line = PLACE_OPEN_AGAIN.in_(lang).format(id=request.id, prefix=prefix)
        await ctx.chat.dm(who, Rendered.text(line), key=f"again:{request.id}:{cause}:{who}")
        asked.append(who)
    return asked


async def tell_coordinators(ctx: Staffing, text: str, *, key: str) -> None:
    """One line to each coordinator, in their DM with the bot."""
    for coordinator in ctx.config.bot.coordinators:
        await ctx.chat.dm(coordinator, Rendered.text(text), key=f"{key}:{coordinator}")


async def restate(ctx: Staffing, request: Request, *, actor: str) -> tuple[Request, list[str]]:
    """Recompute a request's state from its accepted facilitators; return both."""
    accepted = await ctx.store.missions.accepted(request.id)
    if request.state not in (*ACTIVE, RequestState.STAFFED):
        return request, accepted
    state = staffing_state(len(accepted), request.details.facilitators_needed)
    if state != request.state:
        now = ctx.clock.now()
        await ctx.store.missions.set_request_state(request.id, state, actor=actor, at=now)
        request = dataclasses.replace(request, state=state, updated_at=now)
    return request, accepted


async def tell_requester(
    ctx: Staffing, request: Request, sentence: str, *, key: str, **values: object
) -> None:
    """A message in the request's thread that notifies its author, in their language."""
    lang = await ctx.store.languages.of(request.requester)
    text = render(sentence, lang, **values)
    await ctx.chat.send(
        request.room_id,
        mention_line(request.requester, Rendered.text(text), lang=lang),
        key=key,
        notice=False,
        mentions=(request.requester,),
        thread_root=request.thread_root,
    )


async def send_invitations(
    ctx: Staffing,
    request: Request,
    recipients: list[str],
    *,
    facilitators: list[str],
    key: str,
    cancelled: bool = False,
) -> None:
    """The .ics of the mission, built once, as a file in each recipient's DM (`{key}:{user}`)."""
    now = ctx.clock.now()
    name = f"demande-{request.id}.ics"
    data = mission_invitation(
        request_id=request.id,
        details=request.details,
        summary=ics_summary(request),
        description=ics_description(
            request, [await display_name(ctx.store, who) for who in facilitators]
        ),
        tz=ctx.config.bot.tz,
        domain=ctx.config.matrix.user_id.partition(":")[2] or "facilibot",
        stamp=now,
        # Grows with every new version, so calendars replace the entry they have (the
        # versions already sent count too: two changes within a second still differ).
        sequence=max(
            int((now - request.created_at).total_seconds()),
            await ctx.store.outbox.files_named(name),
        ),
        cancelled=cancelled,
    )
    if data is None:
        return
    attachment = Attachment(data, name, MIMETYPE)
    for user_id in recipients:
        await ctx.chat.file(attachment, key=f"{key}:{user_id}", dm_user=user_id)

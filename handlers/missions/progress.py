"""Where a mission stands on its steps: read from storage, said in a few lines, and the
nudges it still needs (kept on the persistent schedule)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.config import Config
from bot.domain.clock import Clock
from bot.domain.content import Rendered, escape
from bot.domain.geography import fold
from bot.domain.lifecycle import ACTIVE_REQUEST_STATES, RequestState
from bot.domain.planning import mission_end, mission_start
from bot.domain.requests import Request
from bot.domain.steps import (
    CADRAGE_DONE,
    CADRAGE_PLANNED,
    DEROULE,
    NUDGES,
    RESTITUTION,
    SHEET_FIELDS,
    VALIDATED,
    MissionSteps,
    NudgeDelays,
    Step,
    wanted_nudges,
)
from handlers.core import wording
from handlers.core.context import Chat, Context
from handlers.core.jobs import apply_jobs
from handlers.core.language import Say
from storage.mission_rooms import CLOSED, OPEN
from storage.qualifications import QUALIFIED, TO_QUALIFY
from storage.store import Store

STEP_NAMES = {
    Step.CADRAGE: Say("Cadrage", "Scoping"),
    Step.QUALIFICATION: Say("Qualification", "Qualification"),
    Step.DEROULE: Say("Déroulé", "Session plan"),
    Step.FACILITATION: Say("Facilitation", "Facilitation"),
    Step.RETOUR: Say("Retour", "Feedback"),
}
SHEET_LABELS = {
    "objectif": Say("Objectif", "Objective"),
    "participants": Say("Participants", "Participants"),
    "livrables": Say("Livrables attendus", "Expected outputs"),
    "contraintes": Say("Contraintes", "Constraints"),
    "commanditaire": Say("Commanditaire", "Sponsor"),
}

STEPS_TITLE = Say("Les étapes de la mission #{id} :", "The steps of mission #{id}:")
CADRAGE_DONE_LINE = Say("fait le {when} par {who}", "done on {when} by {who}")
CADRAGE_PLANNED_LINE = Say("prévu le {when}", "planned for {when}")
CADRAGE_TODO = Say(
    "pas encore prévu : `{prefix}cadrage le <date> à <heure>`",
    "not planned yet: `{prefix}cadrage le <date> à <heure>`",
)
SHEET_DONE = Say("fiche de cadrage : {fields}", "scoping sheet: {fields}")
SHEET_TODO = Say(
    "fiche de cadrage à remplir : `{prefix}fiche objectif …`, `{prefix}fiche livrables …`",
    "scoping sheet to fill in: `{prefix}fiche objectif …`, `{prefix}fiche livrables …`",
)
QUALIFIED_BY = Say("qualifiée par {who}", "qualified by {who}")
DEROULE_SHARED = Say("partagé par {who} le {when}", "shared by {who} on {when}")
DEROULE_VALIDATED = Say("validé par {who} le {when}", "approved by {who} on {when}")
DEROULE_TO_VALIDATE = Say(
    "à valider par la personne qui a fait la demande : `{prefix}valide`",
    "to be approved by the requester: `{prefix}valide`",
)
DEROULE_TODO = Say(
    "pas encore partagé : `{prefix}deroule <lien>`, ou `{prefix}deroule` en réponse au fichier",
    "not shared yet: `{prefix}deroule <link>`, or `{prefix}deroule` in reply to the file",
)
FACILITATION_LINE = Say("le {when}", "on {when}")
RESTITUTION_DONE = Say("restitution partagée", "restitution shared")
RESTITUTION_TODO = Say(
    "restitution : `{prefix}restitution <lien>`", "restitution: `{prefix}restitution <link>`"
)
RATED = Say("avis de la personne qui a fait la demande reçu", "the requester's rating received")
NOT_RATED = Say(
    "avis de la personne qui a fait la demande : `{prefix}avis {id} <note>`",
    "the requester's rating: `{prefix}avis {id} <rating>`",
)
DEBRIEFS = Say("debriefs {count}/{total}", "debriefs {count}/{total}")
DEBRIEF_TODO = Say("`{prefix}debrief <texte>`", "`{prefix}debrief <text>`")

CURRENT_STEP = Say("Étape : {step}.", "Step: {step}.")
ALL_DONE = Say("toutes faites", "all done")
TO_QUALIFY_LABEL = Say("à qualifier", "to be qualified")
ORIENTED_LABEL = Say("orientée", "redirected")


async def load_steps(store: Store, request: Request) -> MissionSteps:
    """What was done on a mission, as stored."""
    feedback = await store.feedback.for_request(request.id)
    qualification = await store.qualifications.get(request.id)
    return MissionSteps(
        facts=await store.mission_rooms.facts(request.id),
        debriefs=await store.mission_rooms.debriefs(request.id),
        facilitators=tuple(await store.missions.accepted(request.id)),
        rated=any(f.role == "requester" and f.rating is not None for f in feedback),
        qualified_by=(
            qualification.referent
            if qualification is not None and qualification.state == QUALIFIED
            else None
        ),
    )


def has_ended(request: Request, now: datetime, tz: ZoneInfo) -> bool:
    """Whether the mission has taken place (closed, or its end is past)."""
    if request.state == RequestState.DONE:
        return True
    end = mission_end(request.details, tz)
    return end is not None and end <= now


async def name_of(store: Store, user_id: str) -> str:
    """A person's name from the roster, or read from their Tchap id."""
    profile = await store.facilitators.get(user_id)
    return profile.display_name if profile and profile.display_name else name_from_id(user_id)


def name_from_id(user_id: str) -> str:
    """« Prenom Nom » from `@prenom.nom-dgfip.finances.gouv.fr:server` (a Tchap id is the
    e-mail address): a readable name for someone who is not in the roster."""
    local = user_id.removeprefix("@").partition(":")[0].partition("-")[0]
    words = [w for w in local.replace("_", ".").split(".") if w]
    return " ".join(w[:1].upper() + w[1:] for w in words) or user_id


def _when(moment: datetime, tz: ZoneInfo, lang: str) -> str:
    return wording.format_moment(moment.astimezone(tz), lang=lang)


async def step_lines(
    store: Store,
    request: Request,
    steps: MissionSteps,
    *,
    now: datetime,
    tz: ZoneInfo,
    prefix: str,
    lang: str,
) -> Rendered:
    """`!etapes`: each step, done or not, with who and when."""
    ended = has_ended(request, now, tz)
    v = {"prefix": prefix, "id": request.id}

    async def who(user: str) -> str:
        return await name_of(store, user)

    def say(sentence: Say, **values: object) -> str:
        return sentence.in_(lang).format(**v, **values)

    details: dict[Step, list[str]] = {step: [] for step in Step}
    if done := steps.fact(CADRAGE_DONE):
        line = say(CADRAGE_DONE_LINE, when=_when(done.at, tz, lang), who=await who(done.author))
        details[Step.CADRAGE].append(line + (f" — {done.value}" if done.value else ""))
    elif (planned := steps.cadrage_planned) is not None:
        details[Step.CADRAGE].append(say(CADRAGE_PLANNED_LINE, when=_when(planned, tz, lang)))
    else:
        details[Step.CADRAGE].append(say(CADRAGE_TODO))
    if steps.qualified_by:
        details[Step.QUALIFICATION].append(say(QUALIFIED_BY, who=await who(steps.qualified_by)))
    sheet = steps.sheet
    if sheet:
        fields = ", ".join(SHEET_LABELS[name].in_(lang).lower() for name in sheet)
        details[Step.QUALIFICATION].append(say(SHEET_DONE, fields=fields))
    if not steps.done(Step.QUALIFICATION, ended=ended):
        details[Step.QUALIFICATION].append(say(SHEET_TODO))
    if shared := steps.fact(DEROULE):
        details[Step.DEROULE].append(
            say(DEROULE_SHARED, who=await who(shared.author), when=_when(shared.at, tz, lang))
            + f" ({shared.value})"
        )
        if valid := steps.fact(VALIDATED):
            details[Step.DEROULE].append(
                say(DEROULE_VALIDATED, who=await who(valid.author), when=_when(valid.at, tz, lang))
            )
        else:
            details[Step.DEROULE].append(say(DEROULE_TO_VALIDATE))
    else:
        details[Step.DEROULE].append(say(DEROULE_TODO))
    starts = mission_start(request.details, tz)
    if starts is not None:
        details[Step.FACILITATION].append(say(FACILITATION_LINE, when=_when(starts, tz, lang)))
    retour = details[Step.RETOUR]
    retour.append(say(RESTITUTION_DONE) if RESTITUTION in steps.facts else say(RESTITUTION_TODO))
    retour.append(say(RATED) if steps.rated else say(NOT_RATED))
    total = len(steps.facilitators)
    debriefs = say(DEBRIEFS, count=total - len(steps.debriefs_missing()), total=total)
    retour.append(debriefs + ("" if not steps.debriefs_missing() else f" ({say(DEBRIEF_TODO)})"))
    lines = [Rendered.text(say(STEPS_TITLE))]
    for step in Step:
        mark = "✅" if steps.done(step, ended=ended) else "⬜"
        text = f"{mark} {STEP_NAMES[step].in_(lang)} — " + " ; ".join(details[step])
        lines.append(Rendered(body=text, html=escape(text)))
    return Rendered.join(lines)


async def step_label(
    store: Store, request: Request, *, now: datetime, tz: ZoneInfo, lang: str
) -> str | None:
    """Where a request stands in one phrase (« à qualifier », « cadrage »), None before staffing."""
    qualification = await store.qualifications.get(request.id)
    if qualification is not None and qualification.state == TO_QUALIFY:
        return TO_QUALIFY_LABEL.in_(lang)
    if qualification is not None and qualification.state == "orientee":
        return ORIENTED_LABEL.in_(lang)
    if await store.mission_rooms.get(request.id) is None:
        return None
    steps = await load_steps(store, request)
    current = steps.current(ended=has_ended(request, now, tz))
    return STEP_NAMES[current].in_(lang).lower() if current else ALL_DONE.in_(lang)


async def open_room(store: Store, request_id: int) -> bool:
    """Whether the mission has a room the bot is still in (open, or closed with its
    retour to come)."""
    room = await store.mission_rooms.get(request_id)
    return room is not None and room.state in (OPEN, CLOSED)


class Planning(Protocol):
    """What planning needs: a handler's `Context` or a `JobContext` both fit."""

    config: Config
    store: Store
    clock: Clock


class Posting(Planning, Protocol):
    """What saying something in a mission's room needs, as well."""

    chat: Chat


async def reconcile_nudges(ctx: Planning, request_id: int) -> None:
    """Make the mission's nudges match its steps as stored (a done step cancels its nudge)."""
    store, config, now = ctx.store, ctx.config, ctx.clock.now()
    wanted = []
    request = await store.requests.get(request_id)
    room = await store.mission_rooms.get(request_id)
    active = (*ACTIVE_REQUEST_STATES, RequestState.DONE)
    in_room = room is not None and room.state in (OPEN, CLOSED)
    if request is not None and in_room and request.state in active:
        missions = config.missions
        wanted = wanted_nudges(
            await load_steps(store, request),
            event_day=request.details.event_date,
            starts=mission_start(request.details, config.bot.tz),
            staffed_at=room.created_at,
            delays=NudgeDelays(
                missions.nudge_cadrage_before,
                missions.nudge_deroule_before,
                missions.nudge_restitution_after,
            ),
            tz=config.bot.tz,
        )
    await apply_jobs(store, f"request:{request_id}", wanted, NUDGES, now)


def sheet_lines(steps: MissionSteps, request_id: int, lang: str, prefix: str) -> Rendered:
    """`!fiche`: the scoping sheet, field by field."""
    lines = [Rendered.text(SHEET_TITLE.in_(lang).format(id=request_id))]
    for name in SHEET_FIELDS:
        fact = steps.sheet.get(name)
        value = fact.value if fact else SHEET_EMPTY.in_(lang).format(prefix=prefix, name=name)
        text = (
            f"• {SHEET_LABELS[name].in_(lang)} : {value}"
            if lang != "en"
            else f"• {SHEET_LABELS[name].in_(lang)}: {value}"
        )
        lines.append(Rendered(body=text, html=escape(text)))
    return Rendered.join(lines)


SHEET_TITLE = Say("Fiche de cadrage de la mission #{id} :", "Scoping sheet of mission #{id}:")
SHEET_EMPTY = Say("à remplir (`{prefix}fiche {name} …`)", "to fill in (`{prefix}fiche {name} …`)")


STEP_FILTER_TITLE = Say("Demandes {what} ({count}) :", "Requests {what} ({count}):")
STEP_FILTER_NONE = Say("Aucune demande {what}.", "No request {what}.")
STEP_FILTERS = {
    "a qualifier": Say("à qualifier", "to be qualified"),
    "sans cadrage": Say("sans cadrage", "without a scoping meeting"),
    "sans deroule": Say("sans déroulé", "without a session plan"),
}


async def list_by_step(ctx: Context, text: str) -> bool:
    """`!demandes à qualifier | sans cadrage | sans déroulé`; False for another filter."""
    wanted = " ".join(fold(text).split())
    label = STEP_FILTERS.get(wanted)
    if label is None:
        return False
    active = tuple(str(s) for s in ACTIVE_REQUEST_STATES)
    if wanted == "a qualifier":
        numbers = await ctx.store.qualifications.waiting()
    elif wanted == "sans cadrage":
        planned = set(await ctx.store.mission_rooms.without(CADRAGE_PLANNED, active))
        numbers = [
            n for n in await ctx.store.mission_rooms.without(CADRAGE_DONE, active) if n in planned
        ]
    else:
        numbers = await ctx.store.mission_rooms.without(DEROULE, active)
    requests = [r for n in numbers if (r := await ctx.store.requests.get(n)) is not None]
    if not ctx.is_coordinator:
        requests = [r for r in requests if r.requester == ctx.sender]
    what = label.in_(ctx.lang)
    if not requests:
        await ctx.chat.reply(ctx.event, Rendered.text(ctx.say(STEP_FILTER_NONE, what=what)))
        return True
    lines = [Rendered.text(ctx.say(STEP_FILTER_TITLE, what=what, count=len(requests)))]
    for request in requests:
        text = f"• #{request.id} — " + ", ".join(
            wording.describe_details(request.details, ctx.lang)
        )
        lines.append(Rendered(body=text, html=escape(text)))
    await ctx.chat.reply(ctx.event, Rendered.join(lines))
    return True

"""With `[workflow] qualification = "referents"`, a complete request waits for a referent of
its region (or, for a region without referents, a coordinator) before anyone is pinged."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.domain.content import Rendered, pill
from bot.domain.geography import region_of
from bot.domain.planning import local_moment
from bot.domain.requests import Request
from bot.domain.schedule import Job
from bot.domain.workdays import add_working_days
from handlers.core import wording
from handlers.core.context import Context
from handlers.core.jobs import JobContext, JobKinds, SkipJob
from handlers.core.language import Say
from handlers.reminders import display_name
from handlers.staffing.pings import Staffing, tell_coordinators, tell_requester
from storage.qualifications import QUALIFIED, TO_QUALIFY
from storage.store import Store

log = logging.getLogger(__name__)
jobs = JobKinds()

QUALIFICATION_LATE = "qualification_late"

TO_QUALIFY_DM = Say(
    "Demande #{id} à qualifier ({region}), faite par {who} :",
    "Request #{id} to be qualified ({region}), from {who}:",
)
TO_QUALIFY_HOW = Say(
    "Prenez contact avec la personne qui l'a faite pour préciser le besoin, puis tapez `{prefix}qualifie {id}` pour que je cherche des facilitatrices et facilitateurs (avec, si besoin, le format et le nombre de places : `{prefix}qualifie {id} atelier 2`), ou `{prefix}oriente {id} <texte>` pour l'orienter autrement (le texte est pour la personne qui l'a faite).",
    "Get in touch with its author to clarify the need, then type `{prefix}qualifie {id}` so that I look for facilitators (with, if needed, the format and the number of places: `{prefix}qualifie {id} atelier 2`), or `{prefix}oriente {id} <text>` to redirect it (the text is for its author).",
)
REQUESTER_REFERENT = Say(
    "Une personne référente de votre région va prendre contact avec vous pour préciser votre besoin ; je chercherai des facilitatrices et facilitateurs ensuite.",
    "A referent of your region will get in touch with you to clarify your need; I will look for facilitators after that.",
)
REQUESTER_COORDINATION = Say(
    "La coordination du réseau va prendre contact avec vous pour préciser votre besoin ; je chercherai des facilitatrices et facilitateurs ensuite.",
    "The network's coordination will get in touch with you to clarify your need; I will look for facilitators after that.",
)
LATE = "La demande #{id} attend d'être qualifiée depuis {days} jours ouvrés ({region}, {who}) : `{prefix}qualifie {id}` ou `{prefix}oriente {id} <texte>`."
NO_REGION = Say("région inconnue", "unknown region")
NO_REFERENTS = "sans personne référente"


async def region_of_request(store: Store, request: Request) -> str | None:
    """A request's region: from its place, or from its author's profile when it is remote."""
    details = request.details
    if details.modality != "distanciel" and (region := region_of(details.location)):
        return region
    profile = await store.facilitators.get(request.requester)
    return profile.region if profile is not None else None


def qualify_by(ctx: Staffing, asked_at: datetime) -> datetime:
    """When a request asked now is late: `qualify_within` working days later, same time."""
    tz = ctx.config.bot.tz
    local = asked_at.astimezone(tz)
    day = add_working_days(local.date(), ctx.config.workflow.qualify_within)
    return local_moment(day, local.time(), tz)


async def cleared(ctx: Context, request: Request) -> bool:
    """Whether facilitators may be sought for this complete request. The first time, with
    referents on, it is sent to its region's referents (or the coordinators) instead."""
    if ctx.config.workflow.qualification != "referents":
        return True
    known = await ctx.store.qualifications.get(request.id)
    if known is not None:
        return known.state == QUALIFIED
    now = ctx.clock.now()
    region = await region_of_request(ctx.store, request)
    referents = ctx.config.referents_of(region)
    recipients = referents or ctx.config.bot.coordinators
    if not recipients:
        log.warning("request %d: no referent nor coordinator to qualify it", request.id)
        return True  # nobody could ever qualify it: staff it as without referents
    await ctx.store.qualifications.ask(request.id, region, at=now)
    name = await display_name(ctx.store, request.requester)
    for user in recipients:
        lang = await ctx.store.languages.of(user)
        where = region or NO_REGION.in_(lang)
        head = TO_QUALIFY_DM.in_(lang).format(id=request.id, region=where, who="\x00")
        before, _, after = head.partition("\x00")
        intro = Rendered.text(before) + pill(request.requester, name) + Rendered.text(after)
        how = TO_QUALIFY_HOW.in_(lang).format(id=request.id, prefix=ctx.prefix)
        message = Rendered.join([intro, wording.card_summary(request, lang), Rendered.text(how)])
        await ctx.chat.dm(user, message, key=f"qualify:{request.id}:{user}")
    sentence = REQUESTER_REFERENT if referents else REQUESTER_COORDINATION
    await tell_requester(ctx, request, sentence, key=f"qualify:{request.id}:requester")
    await ctx.store.jobs.create(
        kind=QUALIFICATION_LATE,
        target=f"request:{request.id}",
        due_at=qualify_by(ctx, now),
        at=now,
    )
    log.info("request %d: to qualify (%s, %d recipients)", request.id, region, len(recipients))
    return False


async def fire_late(ctx: JobContext, job: Job) -> None:
    """Still not qualified after `qualify_within` working days: tell the coordinators."""
    request_id = int(job.target.partition(":")[2])
    known = await ctx.store.qualifications.get(request_id)
    if known is None or known.state != TO_QUALIFY:
        raise SkipJob("qualified or redirected")
    referents = [await display_name(ctx.store, u) for u in ctx.config.referents_of(known.region)]
    text = LATE.format(
        id=request_id,
        days=ctx.config.workflow.qualify_within,
        region=known.region or NO_REGION,
        who=wording.names_list(referents) if referents else NO_REFERENTS,
        prefix=ctx.config.bot.command_prefix,
    )
    await tell_coordinators(ctx, text, key=ctx.next_key())


jobs.add(QUALIFICATION_LATE, fire_late, grace=None)

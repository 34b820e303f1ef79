"""A request for more places than the directory can fill: the requester and the
coordinators are told at once how many cannot be filled, and why."""

from __future__ import annotations

import logging

from bot.domain import cycles
from bot.domain.requests import Request
from handlers.candidates import rank_request
from handlers.core.language import Say
from handlers.staffing.pings import Staffing, tell_coordinators, tell_requester

log = logging.getLogger(__name__)

SHORT_REQUESTER = Say(
    "Demande #{id} : l'annuaire compte {suitable} personne(s) qui conviennent pour {places} "
    "places ; {missing} place(s) ne pourront pas être pourvues par le réseau ({why}). Je "
    "sollicite celles qui conviennent ; vous pouvez aussi réduire le nombre de places en "
    "répondant dans ce fil.",
    "Request #{id}: the directory holds {suitable} suitable person(s) for {places} places; "
    "{missing} place(s) cannot be filled by the network ({why}). I am asking those who fit; "
    "you may also lower the number of places by answering in this thread.",
)
SHORT_COORDINATORS = (
    "Demande #{id} : {places} places demandées, {suitable} personne(s) qui conviennent dans "
    "l'annuaire : {missing} place(s) ne pourront pas être pourvues ({why})."
)


async def tell_shortfall(ctx: Staffing, request: Request) -> None:
    """At the first round: say at once how many places cannot be filled, if any (once)."""
    if request.details.event_date is None or request.details.facilitators_needed < 2:
        return
    result = await rank_request(ctx.store, request)
    missing = cycles.shortfall(request.details.facilitators_needed, len(result.ranked))
    if missing == 0 or not result.ranked:  # nobody at all: the coordinators hear it already
        return
    values = {
        "id": request.id,
        "suitable": len(result.ranked),
        "places": request.details.facilitators_needed,
        "missing": missing,
        "why": cycles.shortfall_reasons(result.excluded, result.notes),
    }
    log.info("request %d: %d place(s) cannot be filled", request.id, missing)
    await tell_requester(ctx, request, SHORT_REQUESTER, key=f"short:{request.id}", **values)
    await tell_coordinators(ctx, SHORT_COORDINATORS.format(**values), key=f"short:{request.id}")

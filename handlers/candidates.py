"""Rank the directory for one stored request: the database prefilter, then `bot.domain.matching`.

`rank_request(store, request)` is what pings and escalation call;
`!candidats 42` shows its result to a coordinator.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import replace

from bot.domain import cycles
from bot.domain.content import Rendered
from bot.domain.geography import canonical_city, region_of
from bot.domain.matching import (
    NO_REMOTE,
    TOO_FAR,
    MatchResult,
    match,
    nobody_text,
)
from bot.domain.profiles import Facilitator, name_from_id
from bot.domain.requests import Request, RequestDetails
from handlers.core import wording
from handlers.core.commands import CommandSet, Kind, Param, Permission
from handlers.core.context import Context, UserError
from storage.store import Store

log = logging.getLogger(__name__)
commands = CommandSet()


CANDIDATES_TITLE = "Candidats pour la demande #{id} ({card}) :"

CANDIDATE_LINE = "{rank}. {name} — {score} pts : {reasons}"

CANDIDATES_MORE = "… et {count} autre(s)."

CANDIDATES_NONE = "Aucun candidat pour la demande #{id}."

CANDIDATES_EXCLUDED = "Écartés ({count}) : {groups}."

CANDIDATES_EXCLUDED_GROUP = "{reason} : {names}"

CANDIDATES_NOTE = "À noter : {note}."

CANDIDATES_SHORT = "Places : {places} ; personnes qui conviennent : {suitable} ; {missing} place(s) ne pourront pas être pourvues ({why})."

CANDIDATES_NO_DATE = (
    "La demande #{id} n'a pas encore de date : je ne peux pas chercher qui la facilitera. "
    "Complétez-la dans son fil (par exemple « le 12 mars de 14h à 16h »)."
)


# How many profiles the indexed prefilter hands to the pure ranking.
PREFILTER_LIMIT = 300
# How many ranked candidates `!candidats` lists.
SHOWN_CANDIDATES = 10


def spread(request_id: int, last_row: int) -> int:
    """Where the prefilter starts reading for a request: scattered, and stable per request.

    Only matters when more people fit than `PREFILTER_LIMIT`: the fairness
    score can then only rotate missions among those read, so each request
    reads from its own place in the directory.
    """
    if last_row <= 0:
        return 0
    return (request_id * 2_654_435_761) % last_row + 1  # Knuth's multiplicative hash


async def rank_request(
    store: Store, request: Request, *, last_row: int | None = None
) -> MatchResult:
    """Filter and rank the directory for a stored request, best first, with reasons.

    When nobody fits, the notes say why (nobody available that day, nobody
    near, nobody with the skill…): paused and absent people are then read
    too, only to be counted among the excluded.

    `last_row`: the directory's highest row number, when the caller has just read it.

    Raises:
        ValueError: the request has no date yet.
    """
    wanted = request.details
    if wanted.event_date is None:
        raise ValueError(f"request {request.id} has no date")
    place = canonical_city(wanted.location)
    if last_row is None:
        last_row = await store.facilitators.last_row()
    if last_row == 0:  # an empty directory: nobody to read
        return replace(match(wanted, [], {}), notes=(nobody_text(None, wanted),))
    start_at = spread(request.id, last_row)

    async def prefilter(available_only: bool) -> list[Facilitator]:
        return await store.candidates.prefilter(
            wanted.event_date,
            modality=wanted.modality,
            site=place,
            region=region_of(place),
            skill=wanted.format,
            limit=PREFILTER_LIMIT,
            available_only=available_only,
            start_at=start_at,
            whole=last_row <= PREFILTER_LIMIT,
        )

    profiles = await prefilter(True)
    # Only pairs look at cohorts.
    latest = await store.facilitators.latest_cohort() if wanted.facilitators_needed > 1 else None
    loads = await store.candidates.workloads(
        [p.matrix_id for p in profiles], wanted.event_date, exclude_request=request.id
    )
    result = match(wanted, profiles, loads, latest_cohort=latest)
    if result.ranked:
        return result
    everyone = await prefilter(False)
    if not everyone:
        return replace(result, notes=(await _nobody_near(store, wanted),))
    ids = [p.matrix_id for p in everyone]
    absent = await store.absences.absent_on(ids, wanted.event_date)
    loads = await store.candidates.workloads(ids, wanted.event_date, exclude_request=request.id)
    loads = {who: replace(load, absent=who in absent) for who, load in loads.items()}
    return match(wanted, everyone, loads, latest_cohort=latest)


async def _nobody_near(store: Store, wanted: RequestDetails) -> str:
    if await store.facilitators.count() == 0:
        return nobody_text(None, wanted)
    return nobody_text(NO_REMOTE if wanted.modality == "distanciel" else TOO_FAR, wanted)


@commands.command(
    "candidats",
    aliases=("candidates",),
    who=Permission.COORDINATOR,
    summary="les facilitatrices et facilitateurs classés pour une demande, avec les raisons",
    example="candidats 42",
    params=(Param("numero", Kind.REQUEST, "numéro"),),
)
async def show_candidates(ctx: Context, numero: int) -> None:
    """`!candidats 42`: the ranked facilitators of a request, with reasons and exclusions."""
    request = await ctx.request(numero)
    if request.details.event_date is None:
        raise UserError(CANDIDATES_NO_DATE.format(id=numero))
    result = await rank_request(ctx.store, request)
    shown = result.ranked[:SHOWN_CANDIDATES]
    names = await ctx.store.facilitators.names(
        [r.matrix_id for r in shown] + [e.matrix_id for e in result.excluded]
    )

    def name(user: str) -> str:
        return names.get(user) or name_from_id(user)

    card = ", ".join(wording.describe_details(request.details))
    lines = [CANDIDATES_TITLE.format(id=numero, card=card)]
    if not shown:
        lines.append(CANDIDATES_NONE.format(id=numero))
    for rank, candidate in enumerate(shown, start=1):
        lines.append(
            CANDIDATE_LINE.format(
                rank=rank,
                name=name(candidate.matrix_id),
                score=candidate.score,
                reasons=", ".join(candidate.reasons),
            )
        )
    if len(result.ranked) > len(shown):
        lines.append(CANDIDATES_MORE.format(count=len(result.ranked) - len(shown)))
    if result.excluded:
        groups: dict[str, list[str]] = defaultdict(list)
        for left_out in result.excluded:
            groups[left_out.reason].append(name(left_out.matrix_id))
        text = " ; ".join(
            CANDIDATES_EXCLUDED_GROUP.format(reason=reason, names=", ".join(people))
            for reason, people in groups.items()
        )
        lines.append(CANDIDATES_EXCLUDED.format(count=len(result.excluded), groups=text))
    lines += [CANDIDATES_NOTE.format(note=note) for note in result.notes]
    if missing := cycles.shortfall(request.details.facilitators_needed, len(result.ranked)):
        lines.append(
            CANDIDATES_SHORT.format(
                places=request.details.facilitators_needed,
                suitable=len(result.ranked),
                missing=missing,
                why=cycles.shortfall_reasons(result.excluded, result.notes),
            )
        )
    log.info("candidates of #%d shown to %s", numero, ctx.sender)
    await ctx.chat.reply(ctx.event, Rendered.text("\n".join(lines)))

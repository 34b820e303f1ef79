"""Rank facilitators for a request: hard filters, then an explained score.

Pure and deterministic: it takes a request, candidate profiles and what is
known of each candidate's workload, and returns who fits, best first, each
with the reasons in French, and who was left out and why.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import time
from typing import Protocol

from bot.domain.geography import canonical_city, fold, region_of
from bot.domain.requests import FORMAT_LABELS, RequestDetails

log = logging.getLogger(__name__)

# Points: a skill outweighs the place, which outweighs the directorate;
# fairness can lift someone by up to one place step.
SKILL_POINTS = 40
SAME_SITE_POINTS = 30
SAME_REGION_POINTS = 15
SAME_DIRECTORATE_POINTS = 20
FAIRNESS_POINTS = 20
FAIRNESS_STEP = 5
PAIRING_POINTS = 10
# Cohorts within this many of the latest one are "recent".
RECENT_COHORTS = 3

# Why someone is left out: a code for the bot, a sentence for people.
INACTIVE = "inactive"
ABSENT = "absent"
BUSY = "busy"
CAPPED = "capped"
TOO_FAR = "too_far"
NO_REMOTE = "no_remote"

_EXCLUSION_TEXT = {
    INACTIVE: "profil inactif",
    ABSENT: "absent ce jour-là",
    BUSY: "déjà en mission sur ce créneau",
    CAPPED: "plafond de missions du mois atteint ({done}/{cap})",
    TOO_FAR: "trop loin ({site}) pour du présentiel à {place}",
    NO_REMOTE: "n'intervient pas à distance",
}
# What to tell a coordinator when nobody is left, by the most common cause.
_NOBODY_TEXT = {
    None: "personne dans l'annuaire des facilitateurs",
    INACTIVE: "personne d'actif dans l'annuaire",
    ABSENT: "personne de disponible ce jour-là",
    BUSY: "personne de disponible ce jour-là",
    CAPPED: "tout le monde a atteint son plafond de missions ce mois-ci",
    TOO_FAR: "personne à proximité de {place}",
    NO_REMOTE: "personne qui intervienne à distance",
}
_FILTER_ORDER = (INACTIVE, ABSENT, BUSY, CAPPED, TOO_FAR, NO_REMOTE)
NO_SKILL_TEXT = "personne avec cette compétence ({skill})"


class Profile(Protocol):
    """What matching reads of a facilitator (`storage.facilitators.Facilitator` fits)."""

    @property
    def matrix_id(self) -> str: ...
    @property
    def site(self) -> str | None: ...
    @property
    def region(self) -> str | None: ...
    @property
    def directorate(self) -> str | None: ...
    @property
    def cohort(self) -> int | None: ...
    @property
    def skills(self) -> tuple[str, ...]: ...
    @property
    def remote_ok(self) -> bool: ...
    @property
    def max_missions_per_month(self) -> int | None: ...
    @property
    def active(self) -> bool: ...


@dataclass(frozen=True)
class Workload:
    """What is known of a candidate around the request's date.

    `busy` holds the (start, end) of their accepted missions that day; a None
    bound means the mission's time is unknown, so it takes the whole day.
    """

    missions_this_month: int = 0
    missions_last_90_days: int = 0
    busy: tuple[tuple[time | None, time | None], ...] = ()
    absent: bool = False


@dataclass(frozen=True)
class Ranked:
    """A candidate who fits, with the score and its reasons."""

    matrix_id: str
    score: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Excluded:
    """A candidate left out, with the first rule they failed."""

    matrix_id: str
    code: str
    reason: str


@dataclass(frozen=True)
class MatchResult:
    """Who fits best first, who does not and why, and notes for the coordinator."""

    ranked: tuple[Ranked, ...]
    excluded: tuple[Excluded, ...]
    notes: tuple[str, ...]

    def pick(self, count: int) -> tuple[str, ...]:
        """Return the matrix ids of the `count` best candidates."""
        return tuple(r.matrix_id for r in self.ranked[:count])


def _same(a: str | None, b: str | None) -> bool:
    return bool(a and b and fold(a) == fold(b))


def _overlaps(request: RequestDetails, busy: tuple[time | None, time | None]) -> bool:
    start, end = busy
    if request.start_time is None or start is None:
        return True  # an unknown time may be any time of the day
    request_end = request.end_time or request.start_time
    mission_end = end or start
    if request.end_time is None or end is None:
        return start <= request_end and request.start_time <= mission_end
    return start < request_end and request.start_time < mission_end


def _exclusion(request: RequestDetails, person: Profile, load: Workload) -> Excluded | None:
    def out(code: str, **values: object) -> Excluded:
        return Excluded(person.matrix_id, code, _EXCLUSION_TEXT[code].format(**values))

    if not person.active:
        return out(INACTIVE)
    if load.absent:
        return out(ABSENT)
    if any(_overlaps(request, slot) for slot in load.busy):
        return out(BUSY)
    cap = person.max_missions_per_month
    if cap is not None and load.missions_this_month >= cap:
        return out(CAPPED, done=load.missions_this_month, cap=cap)
    nearby = _nearby(request, person)
    too_far = not nearby and (request.modality == "presentiel" or not person.remote_ok)
    if request.modality == "distanciel":
        if not person.remote_ok:
            return out(NO_REMOTE)
    elif too_far:
        where = request.location
        return out(TOO_FAR, site=person.site or "lieu inconnu", place=where)
    return None


def _nearby(request: RequestDetails, person: Profile) -> bool:
    if not request.location:
        return True  # nowhere said: anyone may go
    if _same(canonical_city(person.site), canonical_city(request.location)):
        return True
    region = region_of(request.location)
    person_region = person.region or region_of(person.site)
    return _same(person_region, region)


def _base_score(request: RequestDetails, person: Profile, load: Workload) -> tuple[int, list[str]]:
    score = 0
    reasons: list[str] = []
    if request.format and request.format in person.skills:
        score += SKILL_POINTS
        reasons.append(f"compétence {FORMAT_LABELS.get(request.format, request.format)}")
    if request.modality != "distanciel" and (request.location):
        if _same(canonical_city(person.site), canonical_city(request.location)):
            score += SAME_SITE_POINTS
            reasons.append(f"sur place ({person.site})")
        elif _same(person.region or region_of(person.site), region_of(request.location)):
            score += SAME_REGION_POINTS
            reasons.append(f"même région ({region_of(request.location)})")
        else:
            reasons.append("à distance")
    if _same(person.directorate, request.directorate):
        score += SAME_DIRECTORATE_POINTS
        reasons.append(f"même direction ({person.directorate})")
    done = load.missions_last_90_days
    score += max(0, FAIRNESS_POINTS - FAIRNESS_STEP * done)
    reasons.append(f"{done} mission{'s' if done > 1 else ''} en 90 jours")
    return score, reasons


def _is_recent(cohort: int | None, latest: int | None) -> bool | None:
    if cohort is None or latest is None:
        return None
    return cohort > latest - RECENT_COHORTS


def match(
    request: RequestDetails,
    candidates: Iterable[Profile],
    workloads: Mapping[str, Workload] | None = None,
    *,
    latest_cohort: int | None = None,
) -> MatchResult:
    """Filter and rank candidates for a request.

    Missing workloads count as free with no mission. For a request needing 2+
    facilitators, the first places are filled in turn, each giving a bonus to
    whoever pairs an experienced cohort with a recent one. Ties go to fewer
    missions in 90 days, then to the smaller matrix id.
    """
    # Compared as the usual city name, with the end time the duration gives.
    request = replace(request, location=canonical_city(request.location), end_time=request.ends_at)
    workloads = workloads or {}
    people = sorted(candidates, key=lambda p: p.matrix_id)
    eligible: list[tuple[Profile, int, list[str], int]] = []
    excluded: list[Excluded] = []
    for person in people:
        load = workloads.get(person.matrix_id, Workload())
        left_out = _exclusion(request, person, load)
        if left_out is not None:
            excluded.append(left_out)
            continue
        score, reasons = _base_score(request, person, load)
        eligible.append((person, score, reasons, load.missions_last_90_days))
    eligible.sort(key=lambda e: (-e[1], e[3], e[0].matrix_id))
    if latest_cohort is None:
        cohorts = [p.cohort for p, *_ in eligible if p.cohort is not None]
        latest_cohort = max(cohorts) if cohorts else None
    ranked = _rank_with_pairing(eligible, request.facilitators_needed, latest_cohort)
    notes = _notes(request, eligible, excluded)
    log.debug("matching: %d ranked, %d excluded", len(ranked), len(excluded))
    return MatchResult(tuple(ranked), tuple(excluded), notes)


def _rank_with_pairing(
    eligible: list[tuple[Profile, int, list[str], int]], needed: int, latest: int | None
) -> list[Ranked]:
    if needed < 2 or latest is None:
        return [Ranked(p.matrix_id, score, tuple(reasons)) for p, score, reasons, _ in eligible]
    remaining = list(eligible)
    ranked: list[Ranked] = []
    chosen: set[bool] = set()
    while remaining and len(ranked) < needed:
        best_index, best_key, best_bonus = 0, None, False
        for index, (person, score, _, done) in enumerate(remaining):
            recent = _is_recent(person.cohort, latest)
            # A bonus for the kind (experienced or recent) the pair still lacks.
            bonus = bool(chosen) and recent is not None and recent not in chosen
            key = (-(score + PAIRING_POINTS * bonus), done, person.matrix_id)
            if best_key is None or key < best_key:
                best_index, best_key, best_bonus = index, key, bonus
        person, score, reasons, _ = remaining.pop(best_index)
        recent = _is_recent(person.cohort, latest)
        if recent is not None:
            chosen.add(recent)
        if best_bonus:
            kind = "récente" if recent else "expérimentée"
            reasons = [*reasons, f"binôme : promotion {kind} (P{person.cohort})"]
            score += PAIRING_POINTS
        ranked.append(Ranked(person.matrix_id, score, tuple(reasons)))
    ranked.extend(Ranked(p.matrix_id, s, tuple(r)) for p, s, r, _ in remaining)
    return ranked


def nobody_text(code: str | None, request: RequestDetails) -> str:
    """Why nobody fits, for a coordinator, from the filter that left most people out."""
    place = request.location or "ce lieu"
    return _NOBODY_TEXT[code].format(place=place)


def _notes(
    request: RequestDetails,
    eligible: list[tuple[Profile, int, list[str], int]],
    excluded: list[Excluded],
) -> tuple[str, ...]:
    notes = []
    if not eligible:
        # The most common cause, ties to the order of the filters.
        counts = Counter(_NOBODY_TEXT[e.code] for e in excluded)
        codes = [c for c in _FILTER_ORDER if counts[_NOBODY_TEXT[c]]]
        code = min(codes, key=lambda c: -counts[_NOBODY_TEXT[c]]) if codes else None
        notes.append(nobody_text(code, request))
    elif request.format and not any(request.format in p.skills for p, *_ in eligible):
        label = FORMAT_LABELS.get(request.format, request.format)
        notes.append(NO_SKILL_TEXT.format(skill=label))
    return tuple(notes)

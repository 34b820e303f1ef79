"""A mission's steps — cadrage, qualification, déroulé, facilitation, retour — and its nudges.

Pure: what was done (facts, debriefs, the rating) comes in as values, with the
mission's start and end; out come where the mission stands and which nudges
it still needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.planning import local_moment
from bot.domain.schedule import Wanted
from bot.domain.workdays import add_working_days


class Step(StrEnum):
    """The facilitators' method, in order, then the retour."""

    CADRAGE = "cadrage"
    QUALIFICATION = "qualification"
    DEROULE = "deroule"
    FACILITATION = "facilitation"
    RETOUR = "retour"


# Names of the facts a mission keeps (`mission_facts.name`).
CADRAGE_PLANNED = "cadrage_prevu"
CADRAGE_DONE = "cadrage_fait"
DEROULE = "deroule"
VALIDATED = "valide"
RESTITUTION = "restitution"
SHEET = "fiche."

# The scoping sheet: its fields in order (the word after `!fiche`).
SHEET_FIELDS = ("objectif", "participants", "livrables", "contraintes", "commanditaire")
# Filled, these make the mission qualified: what it is for and what it must produce.
SHEET_ESSENTIAL = ("objectif", "livrables")

# Kinds of the nudges (jobs of the persistent schedule).
NUDGE_CADRAGE = "nudge_cadrage"
NUDGE_DEROULE = "nudge_deroule"
NUDGE_RESTITUTION = "nudge_restitution"
NUDGES = (NUDGE_CADRAGE, NUDGE_DEROULE, NUDGE_RESTITUTION)
# Nudges go in the morning of their working day.
NUDGE_HOUR = time(9, 0)


@dataclass(frozen=True)
class Fact:
    """Something done on a mission: its value, who did it and when."""

    value: str
    author: str
    at: datetime


@dataclass(frozen=True)
class MissionSteps:
    """What was done on one mission, as stored."""

    facts: dict[str, Fact] = field(default_factory=dict)
    debriefs: dict[str, Fact] = field(default_factory=dict)  # by facilitator
    facilitators: tuple[str, ...] = ()
    rated: bool = False
    qualified_by: str | None = None  # the referent who qualified the request, if any

    def fact(self, name: str) -> Fact | None:
        """A fact by name, or None."""
        return self.facts.get(name)

    @property
    def cadrage_planned(self) -> datetime | None:
        """When the scoping meeting is planned, if it is."""
        fact = self.facts.get(CADRAGE_PLANNED)
        return datetime.fromisoformat(fact.value) if fact and fact.value else None

    @property
    def sheet(self) -> dict[str, Fact]:
        """The scoping sheet's filled fields, by name."""
        return {
            name: self.facts[SHEET + name] for name in SHEET_FIELDS if SHEET + name in self.facts
        }

    def debriefs_missing(self) -> tuple[str, ...]:
        """The facilitators who have not given their debrief yet."""
        return tuple(f for f in self.facilitators if f not in self.debriefs)

    def done(self, step: Step, *, ended: bool) -> bool:
        """Whether a step is done (`ended`: the mission has taken place)."""
        if step is Step.CADRAGE:
            return CADRAGE_DONE in self.facts
        if step is Step.QUALIFICATION:
            return self.qualified_by is not None or all(
                SHEET + name in self.facts for name in SHEET_ESSENTIAL
            )
        if step is Step.DEROULE:
            return DEROULE in self.facts and VALIDATED in self.facts
        if step is Step.FACILITATION:
            return ended
        return RESTITUTION in self.facts and self.rated and not self.debriefs_missing()

    def current(self, *, ended: bool) -> Step | None:
        """The first step not done yet, or None when all are."""
        for step in Step:
            if not self.done(step, ended=ended):
                return step
        return None

    def retour_complete(self) -> bool:
        """Whether the retour is in: restitution, the requester's rating, every debrief."""
        return self.done(Step.RETOUR, ended=True)


@dataclass(frozen=True)
class NudgeDelays:
    """How many working days before (or after) the mission each nudge goes."""

    cadrage_before: int = 10
    deroule_before: int = 5
    restitution_after: int = 5


def nudge_day(event_day: date, working_days: int) -> date:
    """The working day `working_days` before the event (after it when negative)."""
    return add_working_days(event_day, -working_days)


def wanted_nudges(
    steps: MissionSteps,
    *,
    event_day: date | None,
    starts: datetime | None,
    staffed_at: datetime,
    delays: NudgeDelays,
    tz: ZoneInfo,
) -> list[Wanted]:
    """The nudges a mission still needs, one per late-prone step not done yet.

    A nudge goes on its working day at 9:00; when that day is already past
    at staffing (a mission staffed late), it goes right after staffing. The
    cadrage and déroulé nudges are useless once the mission started.
    """
    if event_day is None or starts is None:
        return []
    anchor = starts
    soon = staffed_at + timedelta(minutes=10)
    wanted = []

    def add(kind: str, day: date, *, before: bool) -> None:
        due = local_moment(day, NUDGE_HOUR, tz)
        if before and due < soon:
            due = soon
        wanted.append(
            Wanted(
                kind=kind,
                recipient="",
                offset=timedelta(),
                due_at=due,
                anchor_at=anchor,
                expires_at=starts if before else None,
            )
        )

    if CADRAGE_PLANNED not in steps.facts and CADRAGE_DONE not in steps.facts:
        add(NUDGE_CADRAGE, nudge_day(event_day, delays.cadrage_before), before=True)
    if DEROULE not in steps.facts:
        add(NUDGE_DEROULE, nudge_day(event_day, delays.deroule_before), before=True)
    if RESTITUTION not in steps.facts:
        add(NUDGE_RESTITUTION, nudge_day(event_day, -delays.restitution_after), before=False)
    return wanted

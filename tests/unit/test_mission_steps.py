"""A mission's steps and nudges (pure), working days, and the room through the dispatcher."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.steps import (
    CADRAGE_DONE,
    CADRAGE_PLANNED,
    DEROULE,
    NUDGE_CADRAGE,
    NUDGE_DEROULE,
    NUDGE_RESTITUTION,
    RESTITUTION,
    SHEET,
    VALIDATED,
    Fact,
    MissionSteps,
    NudgeDelays,
    Step,
    wanted_nudges,
)
from bot.domain.workdays import add_working_days, is_working_day, working_days_between
from handlers.core.dispatch import without_reply_fallback
from handlers.missions.progress import name_from_id
from storage.outbox import OP_INVITE, OP_KICK, OP_LEAVE, OP_TOPIC
from tests.unit.conftest import (
    COORDINATOR,
    PEOPLE,
    REQUESTER,
    in_mission_room,
    message,
    new_request,
)

PARIS = ZoneInfo("Europe/Paris")
AT = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)


def fact(value: str = "", who: str = "@a:x") -> Fact:
    return Fact(value, who, AT)


# -- working days ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "count", "expected"),
    [
        (date(2027, 3, 12), -10, date(2027, 2, 26)),  # two weeks of five days
        (date(2027, 3, 12), -5, date(2027, 3, 5)),
        (date(2027, 3, 12), 5, date(2027, 3, 19)),
        (date(2026, 12, 28), 3, date(2026, 12, 31)),  # 1 January is not counted
        (date(2027, 5, 10), -10, date(2027, 4, 23)),  # nor Ascension (6 May) nor Saturday 8 May
        (date(2027, 3, 29), -1, date(2027, 3, 26)),  # Easter Monday 2027 is 29 March: Friday
        (date(2027, 3, 12), 0, date(2027, 3, 12)),
    ],
)
def test_working_days_skip_weekends_and_french_public_holidays(day, count, expected):
    assert add_working_days(day, count) == expected


def test_working_days_between_and_holidays():
    assert not is_working_day(date(2027, 7, 14))
    assert not is_working_day(date(2027, 3, 13))  # a Saturday
    assert is_working_day(date(2027, 3, 12))
    assert working_days_between(date(2027, 2, 26), date(2027, 3, 12)) == 10
    assert working_days_between(date(2027, 3, 12), date(2027, 3, 12)) == 0


# -- steps ------------------------------------------------------------------------------------


def test_steps_in_order_each_done_by_its_facts():
    steps = MissionSteps(facilitators=("@f:x",))
    assert steps.current(ended=False) is Step.CADRAGE
    steps = MissionSteps(facts={CADRAGE_PLANNED: fact(AT.isoformat())}, facilitators=("@f:x",))
    assert steps.current(ended=False) is Step.CADRAGE  # planned is not done
    assert steps.cadrage_planned == AT
    facts = {CADRAGE_DONE: fact(), SHEET + "objectif": fact("x")}
    assert MissionSteps(facts=facts).current(ended=False) is Step.QUALIFICATION
    facts[SHEET + "livrables"] = fact("y")
    assert MissionSteps(facts=facts).current(ended=False) is Step.DEROULE
    facts[DEROULE] = fact("https://x")
    assert MissionSteps(facts=facts).current(ended=False) is Step.DEROULE  # not approved yet
    facts[VALIDATED] = fact()
    assert MissionSteps(facts=facts).current(ended=False) is Step.FACILITATION
    steps = MissionSteps(facts=facts, facilitators=("@f:x", "@g:x"))
    assert steps.current(ended=True) is Step.RETOUR
    facts[RESTITUTION] = fact("https://y")
    steps = MissionSteps(
        facts=facts, facilitators=("@f:x", "@g:x"), rated=True, debriefs={"@f:x": fact("ok")}
    )
    assert steps.debriefs_missing() == ("@g:x",)
    assert not steps.retour_complete()
    steps = MissionSteps(
        facts=facts, facilitators=("@f:x",), rated=True, debriefs={"@f:x": fact("ok")}
    )
    assert steps.retour_complete() and steps.current(ended=True) is None


def test_a_referent_qualification_counts_as_the_qualification_step():
    steps = MissionSteps(facts={CADRAGE_DONE: fact()}, qualified_by="@ref:x")
    assert steps.done(Step.QUALIFICATION, ended=False)


def _nudges(steps: MissionSteps, staffed_at: datetime = AT) -> dict[str, datetime]:
    wanted = wanted_nudges(
        steps,
        event_day=date(2027, 3, 12),
        starts=datetime(2027, 3, 12, 9, 0, tzinfo=PARIS),
        staffed_at=staffed_at,
        delays=NudgeDelays(),
        tz=PARIS,
    )
    return {w.kind: w.due_at for w in wanted}


def test_nudges_on_working_days_at_nine_and_none_for_a_done_step():
    due = _nudges(MissionSteps())
    assert due == {
        NUDGE_CADRAGE: datetime(2027, 2, 26, 9, 0, tzinfo=PARIS),
        NUDGE_DEROULE: datetime(2027, 3, 5, 9, 0, tzinfo=PARIS),
        NUDGE_RESTITUTION: datetime(2027, 3, 19, 9, 0, tzinfo=PARIS),
    }
    assert set(_nudges(MissionSteps(facts={CADRAGE_PLANNED: fact(AT.isoformat())}))) == {
        NUDGE_DEROULE,
        NUDGE_RESTITUTION,
    }
    assert set(_nudges(MissionSteps(facts={DEROULE: fact(), RESTITUTION: fact()}))) == {
        NUDGE_CADRAGE
    }


def test_a_mission_staffed_late_is_nudged_right_after_staffing():
    staffed = datetime(2027, 3, 3, 15, 0, tzinfo=PARIS)
    due = _nudges(MissionSteps(), staffed_at=staffed)
    assert due[NUDGE_CADRAGE] == staffed + timedelta(minutes=10)
    assert due[NUDGE_DEROULE] == datetime(2027, 3, 5, 9, 0, tzinfo=PARIS)  # still to come
    assert due[NUDGE_RESTITUTION] == datetime(2027, 3, 19, 9, 0, tzinfo=PARIS)


def test_no_nudges_without_a_date():
    assert (
        wanted_nudges(
            MissionSteps(),
            event_day=None,
            starts=None,
            staffed_at=AT,
            delays=NudgeDelays(),
            tz=PARIS,
        )
        == []
    )


def test_reply_fallback_and_names():
    assert without_reply_fallback("> <@a:x> un fichier\n\n!deroule") == "!deroule"
    assert without_reply_fallback("!deroule") == "!deroule"
    assert name_from_id("@prenom.nom-dgfip.finances.gouv.fr:agent.finances.tchap.gouv.fr") == (
        "Prenom Nom"
    )


# -- the room, through the dispatcher ----------------------------------------------------------


async def test_first_acceptance_wants_the_room_later_ones_are_invited(missions, staffed_store):
    await new_request(missions)
    first, second, third = PEOPLE[:3]
    await missions.handle(message("!accepte 1", sender=first), "dm")
    room = await staffed_store.mission_rooms.get(1)
    assert room is not None and room.room_id is None  # the sender creates it
    assert room.name == "Mission #1 — séminaire du vendredi 12 mars 2027"
    queued = await in_mission_room(staffed_store, 1)
    invited = [m.content["user_id"] for m in queued if m.event_type == OP_INVITE]
    assert invited == [REQUESTER, first]
    assert "Bienvenue dans la salle de la mission #1" in queued[-1].content["body"]

    await missions.handle(message("!accepte 1", sender=second), "dm")
    await missions.handle(message("!desiste 1", sender=second), "dm")
    await missions.handle(message("!accepte 1", sender=third), "dm")
    queued = await in_mission_room(staffed_store, 1)
    kicks = [m.content for m in queued if m.event_type == OP_KICK]
    assert kicks == [{"user_id": second, "reason": "a rendu sa place sur la mission #1"}]
    invited = [m.content["user_id"] for m in queued if m.event_type == OP_INVITE]
    assert invited == [REQUESTER, first, second, third]


async def test_steps_by_number_from_anywhere_and_the_topic_follows(missions, staffed_store):
    await new_request(missions)
    await missions.handle(message("!accepte 1", sender=PEOPLE[0]), "dm")
    outcome = await missions.handle(message("!cadrage fait", sender=PEOPLE[0]), "dm")
    assert outcome == "refused"  # outside the room, the number comes first
    assert await missions.handle(message("!cadrage 1 fait", sender=PEOPLE[0]), "dm") == (
        "command:cadrage"
    )
    queued = await in_mission_room(staffed_store, 1)
    assert any("Cadrage de la mission #1 : fait" in m.content.get("body", "") for m in queued)
    topics = [m.content["topic"] for m in queued if m.event_type == OP_TOPIC]
    assert topics and topics[-1].endswith("étape : qualification")
    # Someone not on the mission cannot touch it.
    assert await missions.handle(message("!fiche 1 objectif x", sender=PEOPLE[5]), "dm") == (
        "refused"
    )


async def test_cancelling_says_so_in_the_room_and_leaves_it(missions, staffed_store):
    await new_request(missions)
    await missions.handle(message("!accepte 1", sender=PEOPLE[0]), "dm")
    await missions.handle(message("!annule 1", sender=REQUESTER), "requests")
    queued = await in_mission_room(staffed_store, 1)
    assert "La demande #1 est annulée" in queued[-2].content["body"]
    assert queued[-1].event_type == OP_LEAVE


async def test_no_room_when_the_configuration_says_so(staffed_store, clock):
    from handlers.features import build_dispatcher
    from tests.unit.conftest import make_config

    async def is_facilitator(user_id: str) -> bool:
        return True

    bot = build_dispatcher(
        make_config(missions={"room": False}), staffed_store, clock, is_facilitator
    )
    await new_request(bot)
    await bot.handle(message("!accepte 1", sender=PEOPLE[0]), "dm")
    assert await staffed_store.mission_rooms.get(1) is None
    assert await in_mission_room(staffed_store, 1) == []
    assert COORDINATOR  # the coordinators keep today's thread and DMs

"""Cycles, reserves and large events through the dispatcher: real SQLite, the outbox as chat."""

from __future__ import annotations

from datetime import date, time

from icalendar import Calendar

from bot.domain import cycles
from bot.domain.requests import RequestDetails, Session
from handlers.session_reminders import SESSION_REMINDER
from storage.store import Store
from tests.unit.conftest import (
    COORDINATOR,
    PEOPLE,
    REQUESTER,
    answers,
    direct_messages,
    message,
    new_request,
)

CYCLE = (
    "Bonjour, on cherche 2 facilitateurs pour un séminaire en 4 séances, les jeudis 7, 14, 21 "
    "et 28 janvier 2027, de 14h à 16h30, à Bercy. 8 participants."
)


def sessions(n: int = 3) -> tuple[Session, ...]:
    return tuple(Session(i, date(2027, 1, 7 * i), time(14), time(16, 30)) for i in range(1, n + 1))


def test_cancelling_a_session_keeps_the_others_and_the_first_leads():
    details = cycles.led_by_first(RequestDetails(sessions=sessions()))
    assert details.event_date == date(2027, 1, 7)
    after = cycles.cancel_session(details, 1)
    assert [s.cancelled for s in after.sessions] == [True, False, False]
    assert after.event_date == date(2027, 1, 14) and after.duration_minutes == 150


def test_moving_a_session_keeps_its_length():
    details = RequestDetails(sessions=sessions())
    after = cycles.move_session(details, 2, day=date(2027, 1, 15), start=time(9))
    moved = cycles.find(after, 2)
    assert moved == Session(2, date(2027, 1, 15), time(9), time(11, 30))
    assert cycles.find(after, 3) == details.sessions[2]


def test_absences_per_session():
    details = RequestDetails(sessions=sessions())
    absent = cycles.absent_on(details, [(date(2027, 1, 13), date(2027, 1, 15))])
    assert [s.number for s in absent] == [2]


def test_a_round_never_pings_more_than_the_share_of_the_directory():
    assert cycles.round_size(open_places=12, per_place=3, directory=200, share=0.1) == 20
    assert cycles.round_size(open_places=1, per_place=3, directory=200, share=0.1) == 3
    assert cycles.round_size(open_places=0, per_place=3, directory=200, share=0.1) == 0
    # A small directory is not throttled below ten people a round.
    assert cycles.round_size(open_places=12, per_place=3, directory=20, share=0.1) == 10
    assert cycles.shortfall(12, 9) == 3


async def test_a_cycle_is_stored_and_its_pings_list_every_session(missions, staffed_store: Store):
    await new_request(missions, CYCLE)
    request = await staffed_store.requests.get(1)
    assert [s.day for s in request.details.sessions] == [
        date(2027, 1, 7),
        date(2027, 1, 14),
        date(2027, 1, 21),
        date(2027, 1, 28),
    ]
    body = (await direct_messages(staffed_store))[0][1]
    assert "Séances : 1) jeudi 7 janvier 2027, 14h00–16h30 ; 2) jeudi 14 janvier" in body


async def test_accepting_a_cycle_sends_one_event_per_session(missions, staffed_store: Store):
    await new_request(missions, CYCLE)
    await missions.handle(message("!accepte 1", sender=PEOPLE[0]), "dm")
    [ics] = [m for m in await staffed_store.outbox.pending() if m.attachment]
    events = Calendar.from_ical(ics.attachment.data).walk("VEVENT")
    assert len(events) == 4
    assert str(events[2]["uid"]).startswith("facilibot-demande-1-seance-3@")
    jobs = await staffed_store.jobs.for_target("session:1:4", (SESSION_REMINDER,))
    assert {j.recipient for j in jobs} == {PEOPLE[0], REQUESTER}


async def test_a_facilitator_absent_on_one_session_is_told_which(missions, staffed_store: Store):
    await new_request(missions, CYCLE)
    await missions.handle(message("!absent le 21/01/2027", sender=PEOPLE[0]), "dm")
    await missions.handle(message("!accepte 1", sender=PEOPLE[0]), "dm")
    assert PEOPLE[0] in await staffed_store.missions.accepted(1)
    said = await answers(staffed_store)
    assert any("absence pour la séance 3 (jeudi 21 janvier 2027)" in s for s in said)


async def test_one_session_cancelled_then_another_moved(missions, staffed_store: Store):
    event = await new_request(missions, CYCLE)
    await missions.handle(message("!accepte 1", sender=PEOPLE[0]), "dm")
    assert await missions.handle(message("!annule 1 séance 3"), "requests") == "command:annule"
    request = await staffed_store.requests.get(1)
    assert [s.cancelled for s in request.details.sessions] == [False, False, True, False]
    assert request.state == "partiellement pourvue"
    jobs = await staffed_store.jobs.for_target("session:1:3", (SESSION_REMINDER,))
    assert all(j.state == "cancelled" for j in jobs)
    moved = message("la séance 2 est décalée au vendredi 15 janvier", thread_root=event.event_id)
    await missions.handle(moved, "requests")
    request = await staffed_store.requests.get(1)
    assert cycles.find(request.details, 2).day == date(2027, 1, 15)
    assert cycles.find(request.details, 4).day == date(2027, 1, 28)
    dms = [body for who, body in await direct_messages(staffed_store) if who == PEOPLE[0]]
    assert any("La séance 3 (jeudi 21 janvier 2027) de la demande #1 est annulée" in b for b in dms)
    assert any("La séance 2 de la demande #1 est déplacée" in b for b in dms)


async def test_a_full_request_takes_reserves_and_promotes_the_first(missions, staffed_store):
    await new_request(missions)  # two places
    await missions.handle(message("!accepte 1", sender=PEOPLE[0]), "dm")
    await missions.handle(message("!accepte 1", sender=PEOPLE[1]), "dm")
    await missions.handle(message("!accepte 1", sender=PEOPLE[2]), "dm")
    assert await missions.handle(message("!reserve 1", sender=PEOPLE[2]), "dm") == "command:reserve"
    await missions.handle(message("!reserve 1", sender=PEOPLE[3]), "dm")
    assert (await staffed_store.requests.get(1)).reserve == (PEOPLE[2], PEOPLE[3])
    pings_before = len(await staffed_store.missions.pings(1))
    await missions.handle(message("!desiste 1", sender=PEOPLE[0]), "dm")
    assert await staffed_store.missions.accepted(1) == [PEOPLE[1], PEOPLE[2]]
    assert (await staffed_store.requests.get(1)).reserve == (PEOPLE[3],)
    assert len(await staffed_store.missions.pings(1)) == pings_before
    dms = [body for who, body in await direct_messages(staffed_store) if who == PEOPLE[2]]
    assert any("Une place s'est libérée sur la demande #1 : elle est pour vous" in b for b in dms)
    said = await answers(staffed_store)
    assert any("qui était en réserve, la prend (2/2)" in s for s in said)
    await missions.handle(message("!desiste 1", sender=PEOPLE[3]), "dm")
    assert (await staffed_store.requests.get(1)).reserve == ()


async def test_more_places_than_people_tells_the_requester_and_coordinators(
    missions, staffed_store
):
    await new_request(
        missions,
        "Il nous faudrait 12 facilitateurs pour un séminaire le 12 mars 2027 de 9h à 12h à Bercy.",
    )
    said = await answers(staffed_store)
    [short] = [s for s in said if "ne pourront pas être pourvues" in s]
    assert "12 places" in short
    dms = [body for _, body in await direct_messages(staffed_store)]
    assert any(b.startswith("Demande #1 : 12 places demandées") for b in dms)
    await missions.handle(message("!candidats 1", sender=COORDINATOR), "dm")
    assert "ne pourront pas être pourvues" in (await answers(staffed_store))[-1]

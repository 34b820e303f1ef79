"""Missions through the dispatcher: real SQLite, the outbox as the chat, a frozen clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from handlers.core.jobs import JobRunner
from handlers.features import JOB_KINDS
from storage.store import Store
from tests.unit.conftest import (
    COORDINATOR,
    FAR,
    PEOPLE,
    REQUESTER,
    ROOM,
    answers,
    direct_messages,
    make_config,
    message,
    new_request,
    queued,
)


async def pinged(store: Store) -> list[str]:
    return [p.facilitator for p in await store.missions.pings(1)]


async def test_a_complete_request_pings_the_best_candidates_by_dm(missions, staffed_store):
    await new_request(missions)
    who = await pinged(staffed_store)
    # pings_per_slot (3) × 2 places, the four with the skill first; never the one in Lyon.
    assert len(who) == 6
    assert set(who[:4]) == set(PEOPLE[:4])
    assert FAR not in who
    dms = await direct_messages(staffed_store)
    assert [d[0] for d in dms] == who
    body = dms[0][1]
    assert "Demande #1 — séminaire" in body and "!accepte 1" in body and "✅" in body
    ping = (await staffed_store.outbox.pending())[1]
    assert ping.content["msgtype"] == "m.text"
    assert ping.content["m.mentions"] == {"user_ids": [ping.dm_user]}


async def test_an_incomplete_request_pings_nobody_until_completed(missions, staffed_store):
    event = await new_request(missions, "Besoin d'un facilitateur pour un atelier à Bercy.")
    assert await pinged(staffed_store) == []
    answer = message("le 12 mars 2027 de 14h à 16h", thread_root=event.event_id)
    assert await missions.handle(answer, "requests") == "answered"
    assert len(await pinged(staffed_store)) == 3


async def test_nobody_to_ping_tells_the_coordinators(missions, staffed_store):
    await new_request(missions, "Un facilitateur pour un atelier le 12 mars 2027 à 14h à Brest.")
    assert await pinged(staffed_store) == []
    [(to, body)] = await direct_messages(staffed_store)
    assert to == COORDINATOR
    assert body.startswith("Demande #1 : je ne trouve personne à solliciter (")


async def test_accept_until_staffed_then_complet(missions, staffed_store):
    await new_request(missions)
    first, second, late = PEOPLE[0], PEOPLE[1], PEOPLE[2]
    assert await missions.handle(message("!accepte 1", sender=first), "dm") == "command:accepte"
    request = await staffed_store.requests.get(1)
    assert request.state == "partiellement pourvue"
    assert await missions.handle(message("!accept #1", sender=second), "dm") == "command:accepte"
    assert (await staffed_store.requests.get(1)).state == "pourvue"
    # Full: the late one is offered a place in reserve instead.
    assert await missions.handle(message("!accepte 1", sender=late), "dm") == "command:accepte"
    assert await staffed_store.missions.accepted(1) == [first, second]
    said = await answers(staffed_store)
    assert any(s.startswith("C'est noté : vous facilitez la demande #1") for s in said)
    assert any("Bonne nouvelle pour la demande #1" in s and "(1/2)" in s for s in said)
    assert any("La demande #1 est pourvue : Fac 0 et Fac 1." in s for s in said)
    assert said[-1].startswith("La demande #1 est déjà complète. Voulez-vous une place en réserve")


async def test_the_requester_is_notified_in_the_thread_with_a_mention(missions, staffed_store):
    event = await new_request(missions)
    await missions.handle(message("!accepte 1", sender=PEOPLE[0]), "dm")
    [told] = [m for m in await staffed_store.outbox.pending() if m.key.startswith("requester:")]
    assert told.room_id == ROOM
    assert told.content["msgtype"] == "m.text"
    assert told.content["m.mentions"] == {"user_ids": [REQUESTER]}
    assert told.content["m.relates_to"]["event_id"] == event.event_id


async def test_the_facilitator_gets_an_ics_invitation(missions, staffed_store):
    await new_request(missions)
    await missions.handle(message("!accepte 1", sender=PEOPLE[0]), "dm")
    [ics] = [m for m in await staffed_store.outbox.pending() if m.attachment]
    assert ics.dm_user == PEOPLE[0]
    assert ics.content["msgtype"] == "m.file"
    assert ics.attachment.mimetype == "text/calendar"
    text = ics.attachment.data.decode()
    assert "DTSTART;TZID=Europe/Paris:20270312T090000" in text
    assert "DTEND;TZID=Europe/Paris:20270312T123000" in text
    assert "UID:facilibot-demande-1@agent.finances.tchap.gouv.fr" in text


async def test_filling_edits_the_other_pings(missions, staffed_store):
    await new_request(missions)
    await missions.handle(message("!accepte 1", sender=PEOPLE[0]), "dm")
    await missions.handle(message("!accepte 1", sender=PEOPLE[1]), "dm")
    edits = [m for m in await staffed_store.outbox.pending() if m.replaces_key]
    assert sorted(m.dm_user for m in edits) == sorted(
        p for p in await pinged(staffed_store) if p not in PEOPLE[:2]
    )
    assert all("pourvue" in m.content["body"] for m in edits)
    assert all(m.content["m.mentions"] == {} for m in edits)


async def test_a_full_request_suggests_another_that_fits(missions, staffed_store):
    await new_request(
        missions, "Un facilitateur pour un séminaire le 12 mars 2027 de 9h à 12h à Bercy."
    )
    await new_request(
        missions, "Un facilitateur pour un séminaire le 15 mars 2027 de 9h à 12h à Bercy."
    )
    await missions.handle(message("!accepte 1", sender=PEOPLE[0]), "dm")
    await missions.handle(message("!accepte 1", sender=PEOPLE[1]), "dm")
    last = (await answers(staffed_store))[-1]
    assert last.startswith("Désolé, la demande #1 est déjà complète. La demande #2")


async def test_a_reaction_on_the_ping_accepts(missions, staffed_store):
    await new_request(missions)
    who = (await pinged(staffed_store))[0]
    ping = next(m for m in await staffed_store.outbox.pending() if m.key == f"ping:1:{who}")
    await staffed_store.outbox.mark_sent(ping.seq, "$ping-event", datetime.now(UTC))
    reaction = message("", sender=who, kind="reaction", relates_to="$ping-event", reaction_key="✅")
    assert await missions.handle(reaction, "dm") == "reaction:accept:1"
    assert await staffed_store.missions.accepted(1) == [who]
    other = message("", sender=who, kind="reaction", relates_to="$ping-event", reaction_key="👀")
    assert await missions.handle(other, "dm") == "ignored:reaction"


async def test_a_cross_on_the_ping_declines(missions, staffed_store):
    await new_request(missions)
    before = await pinged(staffed_store)
    who = before[0]
    ping = next(m for m in await staffed_store.outbox.pending() if m.key == f"ping:1:{who}")
    await staffed_store.outbox.mark_sent(ping.seq, "$ping-event", datetime.now(UTC))
    cross = message("", sender=who, kind="reaction", relates_to="$ping-event", reaction_key="❌")
    assert await missions.handle(cross, "dm") == "reaction:decline:1"
    assert (await staffed_store.missions.get(1, who)).state == "refusee"
    assert len(await pinged(staffed_store)) == len(before) + 1


async def _sent_card(store: Store) -> str:
    card_key = (await store.requests.get(1)).card_key
    card = await store.outbox.by_key(card_key)
    await store.outbox.mark_sent(card.seq, "$card-event", datetime.now(UTC))
    return "$card-event"


async def test_a_cross_on_its_card_removes_a_request_made_by_mistake(missions, staffed_store):
    await new_request(missions)
    card = await _sent_card(staffed_store)
    someone = message("", sender=PEOPLE[0], kind="reaction", relates_to=card, reaction_key="❌")
    assert await missions.handle(someone, "requests") == "ignored:reaction"
    cross = message("", sender=REQUESTER, kind="reaction", relates_to=card, reaction_key="❌")
    assert await missions.handle(cross, "requests") == "reaction:discard:1"
    request = await staffed_store.requests.get(1)
    assert (request.state, request.discarded) == ("annulee", True)
    assert "est retirée" in (await answers(staffed_store))[-1]
    # Counted nowhere: not listed, not in the month's figures; nobody pinged again.
    assert await staffed_store.requests.list(states=("annulee",)) == []
    start = datetime(2000, 1, 1, tzinfo=UTC)
    assert (
        await staffed_store.reports.requests_created(start, datetime(2100, 1, 1, tzinfo=UTC)) == []
    )
    pings_before = len(await pinged(staffed_store))
    runner = JobRunner(make_config(), staffed_store, missions.clock, JOB_KINDS)
    await runner.run_due()
    assert len(await pinged(staffed_store)) == pings_before


async def test_a_cross_on_the_card_after_an_acceptance_points_to_annule(missions, staffed_store):
    await new_request(missions)
    card = await _sent_card(staffed_store)
    who = (await pinged(staffed_store))[0]
    await missions.handle(message("!accepte 1", sender=who), "dm")
    cross = message("", sender=REQUESTER, kind="reaction", relates_to=card, reaction_key="❌")
    assert await missions.handle(cross, "requests") == "refused:reaction"
    assert (await staffed_store.requests.get(1)).state == "partiellement pourvue"
    assert "`!annule 1`" in (await answers(staffed_store))[-1]


async def test_decline_pings_one_replacement(missions, staffed_store):
    await new_request(missions)
    before = await pinged(staffed_store)
    assert await missions.handle(message("!refuse 1", sender=before[0]), "dm") == "command:refuse"
    after = await pinged(staffed_store)
    assert len(after) == len(before) + 1
    assert (await staffed_store.missions.get(1, before[0])).state == "refusee"
    refused = await missions.handle(message("!refuse 1", sender=before[0]), "dm")
    assert refused == "refused"
    assert (await answers(staffed_store))[-1] == "Vous avez déjà décliné la demande #1."


async def test_withdraw_reopens_the_place_and_pings_again(missions, staffed_store):
    await new_request(missions)
    for who in PEOPLE[:2]:
        await missions.handle(message("!accepte 1", sender=who), "dm")
    count = len(await pinged(staffed_store))
    assert await missions.handle(message("!desiste 1", sender=PEOPLE[0]), "dm") == "command:desiste"
    assert (await staffed_store.requests.get(1)).state == "partiellement pourvue"
    assert await staffed_store.missions.accepted(1) == [PEOPLE[1]]
    assert len(await pinged(staffed_store)) > count
    said = await answers(staffed_store)
    assert any("Fac 0 a rendu sa place sur la demande #1" in s for s in said)
    not_on_it = await missions.handle(message("!desiste 1", sender=PEOPLE[5]), "dm")
    assert not_on_it == "refused"


async def test_cancel_by_requester_tells_the_facilitators(missions, staffed_store):
    await new_request(missions)
    await missions.handle(message("!accepte 1", sender=PEOPLE[0]), "dm")
    refused = await missions.handle(message("!annule 1", sender=PEOPLE[3]), "dm")
    assert refused == "refused"
    refusal = (await answers(staffed_store))[-1]
    assert refusal.startswith("Seules la personne qui a fait la demande #1")
    assert await missions.handle(message("!annule 1"), "requests") == "command:annule"
    assert (await staffed_store.requests.get(1)).state == "annulee"
    dms = await direct_messages(staffed_store)
    assert any(to == PEOPLE[0] and "a été annulée" in body for to, body in dms)
    again = await missions.handle(message("!accepte 1", sender=PEOPLE[1]), "dm")
    assert again == "refused"
    assert (await answers(staffed_store))[-1] == "La demande #1 a été annulée."
    assert await missions.handle(message("!annule 1"), "requests") == "refused"


async def test_coordinators_assign_remove_and_close(missions, staffed_store):
    await new_request(missions)
    assign = message(f"!assigne 1 {FAR}", sender=COORDINATOR)
    assert await missions.handle(assign, "requests") == "command:assigne"
    assert await staffed_store.missions.accepted(1) == [FAR]
    assert any(
        to == FAR and "vous a donné une place" in b
        for to, b in await direct_messages(staffed_store)
    )
    twice = await missions.handle(message(f"!assigne 1 {FAR}", sender=COORDINATOR), "requests")
    assert twice == "refused"
    remove = message(f"!retire 1 {FAR}", sender=COORDINATOR)
    assert await missions.handle(remove, "requests") == "command:retire"
    assert await staffed_store.missions.accepted(1) == []
    assert (await staffed_store.requests.get(1)).state == "ouverte"
    # A removal is worded as a removal to the requester, not as a withdrawal.
    told = [b for b in await answers(staffed_store) if "retiré" in b or "rendu sa place" in b]
    assert told and all("La coordination a retiré" in b for b in told)
    close = message("!cloture 1", sender=COORDINATOR)
    assert await missions.handle(close, "requests") == "command:cloture"
    assert (await staffed_store.requests.get(1)).state == "non tenue"
    closed = (await answers(staffed_store))[-1]
    assert closed.startswith("La demande #1 est close sans avoir eu lieu : personne ne l'avait")
    trail = [
        (t.facilitator, t.from_state, t.to_state) for t in await staffed_store.missions.history(1)
    ]
    assert trail == [
        (FAR, None, "acceptee"),
        (None, "ouverte", "partiellement pourvue"),
        (FAR, "acceptee", "retiree"),
        (None, "partiellement pourvue", "ouverte"),
        (None, "ouverte", "non tenue"),
    ]


@pytest.mark.parametrize(
    "command", ["!assigne 1 @x:agent.finances.tchap.gouv.fr", "!retire 1 @x:a.fr", "!cloture 1"]
)
async def test_coordinator_commands_are_refused_to_others(missions, staffed_store, command):
    await new_request(missions)
    assert await missions.handle(message(command, sender=PEOPLE[0]), "dm") == "refused"
    assert "réservée à l'équipe de coordination" in (await answers(staffed_store))[-1]
    assert await staffed_store.missions.history(1) == []


async def test_only_facilitators_accept(missions, staffed_store):
    await new_request(missions)
    outsider = "@eve:agent.finances.tchap.gouv.fr"
    assert await missions.handle(message("!accepte 1", sender=outsider), "dm") == "refused"
    assert "réservée aux facilitatrices et facilitateurs" in (await answers(staffed_store))[-1]


async def test_unknown_request_number(missions, staffed_store):
    assert await missions.handle(message("!accepte 99", sender=PEOPLE[0]), "dm") == "refused"
    assert (await answers(staffed_store))[-1].startswith("Je ne trouve pas la demande #99.")


async def test_status_names_only_those_who_accepted(missions, staffed_store):
    await new_request(missions)
    await missions.handle(message("!accepte 1", sender=PEOPLE[0]), "dm")
    await missions.handle(message("!refuse 1", sender=PEOPLE[1]), "dm")
    await missions.handle(message("!statut 1"), "requests")
    shown = (await answers(staffed_store))[-1]
    assert "Facilitation (1/2) : Fac 0." in shown
    assert PEOPLE[1] not in shown


async def test_my_missions_lists_upcoming_ones(missions, staffed_store):
    await new_request(missions)
    await missions.handle(message("!missions", sender=PEOPLE[0]), "dm")
    assert (await answers(staffed_store))[-1].startswith("Vous n'avez aucune mission à venir.")
    await missions.handle(message("!accepte 1", sender=PEOPLE[0]), "dm")
    await missions.handle(message("!missions", sender=PEOPLE[0]), "dm")
    listing = (await answers(staffed_store))[-1]
    assert listing.startswith("Vos missions à venir (1), la plus proche d'abord :\n• #1 (part")


async def test_requests_filters(missions, staffed_store):
    await new_request(missions)
    await new_request(missions, "Un facilitateur pour un atelier le 3 décembre 2026 à 14h à Bercy.")
    await missions.handle(message("!demandes décembre", sender=COORDINATOR), "requests")
    listing = (await answers(staffed_store))[-1]
    assert listing.startswith("Demandes de décembre 2026 (1) :\n• #2")
    await missions.handle(message("!demandes pourvues", sender=COORDINATOR), "requests")
    assert (await answers(staffed_store))[-1] == "Aucune demande pourvue."
    await missions.handle(message("!demandes bientôt", sender=COORDINATOR), "requests")
    assert (await answers(staffed_store))[-1].startswith(
        "Je ne comprends pas le filtre « bientôt »"
    )


async def test_concurrent_acceptances_of_the_last_place_have_one_winner(tmp_path: Path):
    """Separate connections (as separate processes would be) race for two places."""
    path = tmp_path / "race.sqlite3"
    setup = await Store.open(path)
    at = datetime(2026, 11, 29, tzinfo=UTC)
    from bot.domain.requests import RequestDetails

    request = await setup.requests.create(
        source_event_id="$r",
        room_id=ROOM,
        thread_root="$r",
        requester=REQUESTER,
        text="x",
        details=RequestDetails(facilitators_needed=2),
        at=at,
    )
    stores = [await Store.open(path) for _ in range(12)]
    try:
        results = await asyncio.gather(
            *(
                s.missions.take_slot(request.id, f"@f{n}:x.fr", actor=f"@f{n}:x.fr", at=at)
                for n, s in enumerate(stores)
            )
        )
        assert sum(results) == 2
        assert len(await setup.missions.accepted(request.id)) == 2
    finally:
        for s in [*stores, setup]:
            await s.close()


async def test_a_changed_request_updates_pings_and_tells_those_who_accepted(
    missions, staffed_store, clock
):
    event = await new_request(missions)
    await missions.handle(message("!accepte 1", sender=PEOPLE[0]), "dm")
    clock.advance(timedelta(minutes=5))
    answer = message("finalement le 19 mars 2027 de 9h à 12h30", thread_root=event.event_id)
    assert await missions.handle(answer, "requests") == "answered"
    pending = await staffed_store.outbox.pending(limit=1000)
    edits = [m for m in pending if m.replaces_key and m.replaces_key.startswith("ping:1:")]
    assert edits and all("vendredi 19 mars 2027" in m.content["body"] for m in edits)
    assert PEOPLE[0] not in {m.dm_user for m in edits}
    told = [m for m in pending if m.key.startswith("changed:")]
    assert [m.dm_user for m in told] == [PEOPLE[0]]
    assert "a changé" in told[0].content["body"]
    ics = [m for m in pending if m.attachment and m.dm_user == PEOPLE[0]]
    assert len(ics) == 2
    assert b"20270319T090000" in ics[-1].attachment.data
    first, second = (_sequence(m.attachment.data) for m in ics)
    assert second > first


def _sequence(data: bytes) -> int:
    line = next(x for x in data.decode().splitlines() if x.startswith("SEQUENCE:"))
    return int(line.split(":")[1])


# -- escalation on the persistent schedule -------------------------------------------------------


async def _escalations(store: Store) -> list[tuple[str, str]]:
    rows = await store.db.fetchall("SELECT state, due_at FROM jobs WHERE kind = 'escalation'")
    return [(r[0], r[1]) for r in rows]


async def test_unstaffed_after_escalate_after_pings_more_and_tells_coordinators(
    missions, staffed_store, clock
):
    await new_request(missions)
    first_round = await pinged(staffed_store)
    assert len(first_round) == 6
    assert [state for state, _ in await _escalations(staffed_store)] == ["pending"]
    runner = JobRunner(make_config(), staffed_store, clock, JOB_KINDS)

    clock.advance(timedelta(hours=23))
    assert (await runner.run_due())["sent"] == 0  # not yet: escalate_after is 24h

    clock.advance(timedelta(hours=1, minutes=1))
    assert (await runner.run_due())["sent"] == 1
    second_round = await pinged(staffed_store)
    assert len(second_round) == 8  # the two left in Paris; never the one in Lyon
    assert FAR not in second_round
    told = [b for to, b in await direct_messages(staffed_store) if to == COORDINATOR]
    assert told[-1] == (
        "Demande #1 toujours pas pourvue : j'ai sollicité 2 personne(s) de plus pour 2 place(s)."
    )
    # Another round was planned; when it comes, nobody is left: the coordinators hear why.
    assert [s for s, _ in await _escalations(staffed_store)] == ["sent", "pending"]
    clock.advance(timedelta(hours=24, minutes=1))
    await runner.run_due()
    told = [b for to, b in await direct_messages(staffed_store) if to == COORDINATOR]
    assert told[-1] == (
        "Demande #1 : je ne trouve personne à solliciter (tout le monde a déjà été sollicité)."
    )
    assert [s for s, _ in await _escalations(staffed_store)] == ["sent", "sent"]


async def test_a_staffed_request_cancels_its_escalation(missions, staffed_store, clock):
    await new_request(missions)
    for who in PEOPLE[:2]:
        await missions.handle(message("!accepte 1", sender=who), "dm")
    assert [s for s, _ in await _escalations(staffed_store)] == ["cancelled"]
    clock.advance(timedelta(days=2))
    assert (await JobRunner(make_config(), staffed_store, clock, JOB_KINDS).run_due())["sent"] == 0
    assert len(await pinged(staffed_store)) == 6


async def test_escalation_survives_a_restart(missions, staffed_store, clock, tmp_path):
    await new_request(missions)
    path = staffed_store.db.path
    clock.advance(timedelta(hours=25))
    reopened = await Store.open(path)
    try:
        assert (await JobRunner(make_config(), reopened, clock, JOB_KINDS).run_due())["sent"] == 1
        assert len(await reopened.missions.pings(1)) == 8
    finally:
        await reopened.close()


async def test_the_first_pings_survive_a_crash_after_the_acknowledgment(
    missions, staffed_store, clock
):
    # The bot's way: the dispatcher commits the request and its acknowledgment,
    # and leaves the first round of pings to a job; the bot stops right there.
    missions.settle_due_now = False
    await new_request(missions)
    assert "Demande #1 — séminaire" in (await answers(staffed_store))[0]
    assert await pinged(staffed_store) == []
    [job] = [j for j in await staffed_store.jobs.pending(limit=10) if j.kind == "first_round"]
    assert job.due_at == clock.now()
    # The next start settles what is due: the pings go, once.
    reopened = await Store.open(staffed_store.db.path)
    try:
        assert (await JobRunner(make_config(), reopened, clock, JOB_KINDS).run_due())["sent"] == 1
        assert len(await reopened.missions.pings(1)) == 6
        assert (await JobRunner(make_config(), reopened, clock, JOB_KINDS).run_due())["sent"] == 0
    finally:
        await reopened.close()


async def test_answers_leave_the_outbox_before_the_pings(missions, staffed_store):
    await new_request(missions)
    pending = await staffed_store.outbox.pending(limit=100)
    lanes = [m.lane for m in pending]
    assert lanes == sorted(lanes) and lanes[0] == 0 and lanes[-1] == 1
    assert pending[0].key.startswith("reply:")  # the acknowledgment
    assert {m.key.split(":")[0] for m in pending if m.lane == 1} >= {"ping"}
    assert [m.key for m in await staffed_store.outbox.pending(lane=0)] == [pending[0].key]


async def test_a_holder_asking_again_on_a_full_request_is_told_they_hold_it(
    missions, staffed_store
):
    await new_request(missions)
    first, second = (await pinged(staffed_store))[:2]
    for who in (first, second):
        await missions.handle(message("!accepte 1", sender=who), "dm")
    assert (await staffed_store.requests.get(1)).state == "pourvue"
    assert await missions.handle(message("!accepte 1", sender=first), "dm") == "refused"
    assert (await answers(staffed_store))[-1] == "Vous avez déjà accepté la demande #1."


async def test_an_acceptance_inside_a_declared_absence_is_refused(missions, staffed_store):
    await new_request(missions)
    who = (await pinged(staffed_store))[0]
    await missions.handle(message("!absent du 10/03/2027 au 14/03/2027", sender=who), "dm")
    assert await missions.handle(message("!accepte 1", sender=who), "dm") == "refused"
    said = (await answers(staffed_store))[-1]
    assert said.startswith("Vous avez déclaré une absence du mercredi 10 mars 2027 au dimanche")
    assert "`!present`, puis `!accepte 1`" in said
    assert await staffed_store.missions.accepted(1) == []


async def test_assigning_on_a_full_request_is_worded_for_the_coordinator(missions, staffed_store):
    await new_request(missions)
    first, second = (await pinged(staffed_store))[:2]
    for who in (first, second):
        await missions.handle(message("!accepte 1", sender=who), "dm")
    assign = message(f"!assigne 1 {FAR}", sender=COORDINATOR)
    assert await missions.handle(assign, "requests") == "refused"
    said = (await answers(staffed_store))[-1]
    assert said.startswith("La demande #1 est déjà complète (2/2) : retirez d'abord quelqu'un")
    assert "si elle vous convient" not in said


async def test_a_facilitators_free_answer_in_a_dm_gets_the_one_command(missions, staffed_store):
    await new_request(missions)
    who = (await pinged(staffed_store))[0]
    assert await missions.handle(message("dispo !", sender=who, is_dm=True), "dm") == "dm:accept"
    said = (await answers(staffed_store))[-1]
    assert said == (
        "Vous prenez la demande #1 ? Répondez « oui » pour confirmer (ou tapez `!accepte 1`)."
    )
    assert await staffed_store.missions.accepted(1) == []  # not before « oui »
    sorry = message("désolé pas dispo cette fois", sender=who, is_dm=True)
    assert await missions.handle(sorry, "dm") == "dm:decline"  # the question lapses
    assert "`!refuse 1`" in (await answers(staffed_store))[-1]
    await missions.handle(message("ok je prends", sender=who, is_dm=True), "dm")
    yes = message("oui !", sender=who, is_dm=True)
    assert await missions.handle(yes, "dm") == "confirmed:accept:1"
    assert await staffed_store.missions.accepted(1) == [who]


async def test_someone_who_wants_to_join_is_answered_and_the_coordinators_told(
    missions, staffed_store
):
    outsider = "@zoe:agent.finances.tchap.gouv.fr"
    wish = message(
        "je voudrais devenir facilitatrice, comment faire ?", sender=outsider, is_dm=True
    )
    assert await missions.handle(wish, "dm") == "dm:join"
    assert (await answers(staffed_store))[-1].startswith("Merci de votre intérêt !")
    told = [b for to, b in await direct_messages(staffed_store) if to == COORDINATOR]
    network = "le réseau des facilitatrices et facilitateurs"
    assert told == [f"Une personne souhaite rejoindre {network} : Zoe"]


async def test_a_place_opened_on_a_staffed_request_goes_back_to_those_who_never_answered(
    missions, staffed_store
):
    await new_request(missions)
    asked = await pinged(staffed_store)
    first, second, *silent = asked
    await missions.handle(message("!accepte 1", sender=first), "dm")
    await missions.handle(message("!accepte 1", sender=second), "dm")
    assert (await staffed_store.requests.get(1)).state == "pourvue"
    before = len(await direct_messages(staffed_store))

    await missions.handle(message("!desiste 1", sender=second), "dm")
    told = (await direct_messages(staffed_store))[before:]
    opened = "Une place s'est libérée sur la demande #1"
    again = [to for to, body in told if body.startswith(opened)]
    assert sorted(again) == sorted(silent)
    assert not [b for to, b in told if to == COORDINATOR and "personne à solliciter" in b]

    # Staffed again: the reopened pings are settled once more.
    await missions.handle(message("!accepte 1", sender=silent[0]), "dm")
    settled = [m.key for m in await queued(staffed_store) if ":pourvue:" in m.key]
    assert any(key.startswith(f"ping:1:{silent[-1]}:pourvue:") for key in settled)


async def test_a_cap_reached_is_confirmed_by_the_facilitator_and_an_absence_by_the_coordinator(
    missions, staffed_store
):
    from dataclasses import replace

    await new_request(missions)
    capped, away = PEOPLE[4], PEOPLE[5]
    profile = await staffed_store.facilitators.get(capped)
    await staffed_store.facilitators.upsert(
        replace(profile, max_missions_per_month=0), at=datetime(2026, 11, 2, tzinfo=UTC)
    )
    asked = message("!accepte 1", sender=capped, is_dm=True)
    assert await missions.handle(asked, "dm") == "command:accepte"
    said = (await answers(staffed_store))[-1]
    assert said.startswith("Vous avez déjà 0 mission(s) en mars 2027, pour un plafond de 0")
    assert await staffed_store.missions.accepted(1) == []
    assert await missions.handle(message("oui", sender=capped, is_dm=True), "dm") == (
        "confirmed:accept_anyway:1"
    )
    assert await staffed_store.missions.accepted(1) == [capped]

    await missions.handle(message("!absent du 10/03/2027 au 14/03/2027", sender=away), "dm")
    assign = message(f"!assigne 1 {away}", sender=COORDINATOR)
    assert await missions.handle(assign, "requests") == "command:assigne"
    said = (await answers(staffed_store))[-1]
    assert said.startswith("Fac 5 a déclaré une absence du mercredi 10 mars 2027 au dimanche 14")
    assert away not in await staffed_store.missions.accepted(1)
    yes = message("oui", sender=COORDINATOR, thread_root=assign.event_id)
    assert await missions.handle(yes, "requests") == f"confirmed:assign_anyway:{away}:1"
    assert away in await staffed_store.missions.accepted(1)

"""Answers right for their reader, role by role (each found reading the golden transcripts)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.store import Store
from tests.unit.conftest import schema_at
from tests.unit.golden import ALICE, CLAIRE, KARIM, LEA, PAUL_D, PAUL_M, ZOE, Session
from tests.unit.golden_scripts import SEMINAR, WORKSHOP


@pytest.fixture
async def s(tmp_path: Path) -> AsyncIterator[Session]:
    session = await Session.open(tmp_path)
    yield session
    await session.close()


async def said(s: Session, who: str, body: str, **where: object) -> str:
    """What the bot answered to `body`, as the transcript writes it."""
    before = len(s.lines)
    await s.say(who, body, **where)  # type: ignore[arg-type]
    return "\n".join(s.lines[before + 1 :])


async def test_the_requester_is_mentioned_by_name_not_by_id(s):
    await s.say(ALICE, SEMINAR)
    told = await said(s, LEA, "!accepte 1")
    assert "Alice Bernard : Bonne nouvelle pour la demande #1" in told
    assert "[pastille « Alice Bernard » → " + ALICE in told


async def test_status_and_candidates_name_people_without_their_ids(s):
    await s.say(ALICE, SEMINAR)
    await s.say(LEA, "!accepte 1")
    status = await said(s, CLAIRE, "!statut 1")
    assert "Facilitation (1/2) : Léa Dubois." in status and LEA not in status
    assert LEA not in await said(s, CLAIRE, "!candidats 1")


async def test_assign_finds_one_person_by_name(s):
    await s.say(ALICE, WORKSHOP)
    answer = await said(s, CLAIRE, "!assigne 1 durand")
    assert "Paul Durand a maintenant une place sur la demande #1 (1/1)." in answer
    assert await s.store.missions.accepted(1) == [PAUL_D]


async def test_assign_asks_which_one_when_several_match_and_says_when_none(s):
    await s.say(ALICE, WORKSHOP)
    several = await said(s, CLAIRE, "!assigne 1 Paul")
    assert "Plusieurs personnes répondent à « Paul » : Paul Durand (" + PAUL_D in several
    assert "Paul Martin (" + PAUL_M in several
    none = await said(s, CLAIRE, "!assigne 1 Gertrude")
    assert "Je ne trouve personne qui s'appelle « Gertrude »" in none
    assert await s.store.missions.accepted(1) == []


async def test_remove_by_name_among_those_on_the_request(s):
    await s.say(ALICE, SEMINAR)
    await s.say(KARIM, "!accepte 1")
    answer = await said(s, CLAIRE, "!retire 1 Karim")
    assert "Karim Benali n'a plus de place sur la demande #1" in answer
    assert KARIM not in answer.split("[pastille")[0].replace("→ " + ALICE, "")


async def test_closing_a_request_nobody_took_marks_it_not_held(s):
    await s.say(ALICE, WORKSHOP)
    answer = await said(s, CLAIRE, "!cloture 1")
    assert "close sans avoir eu lieu" in answer
    assert (await s.store.requests.get(1)).state == "non tenue"
    listed = await said(s, CLAIRE, "!demandes toutes")
    assert "#1 (close sans avoir eu lieu)" in listed


async def test_a_staffed_request_is_closed_as_held_only_from_its_day(s):
    await s.say(ALICE, WORKSHOP)
    await s.say(LEA, "!accepte 1")
    early = await said(s, CLAIRE, "!cloture 1")
    assert "ne pourra être close comme réalisée qu'à partir de ce jour" in early
    s.clock.set(datetime(2027, 1, 15, 9, tzinfo=UTC))
    await s.say(CLAIRE, "!cloture 1")
    assert (await s.store.requests.get(1)).state == "realisee"


async def test_feedback_and_time_wait_for_the_mission(s):
    await s.say(ALICE, WORKSHOP)
    await s.say(LEA, "!accepte 1")
    assert "n'a pas encore eu lieu" in await said(s, ALICE, "!avis 1 5 top")
    assert "n'a pas encore eu lieu" in await said(s, LEA, "!temps 1 3h")
    assert await s.store.feedback.for_request(1) == []
    s.clock.set(datetime(2027, 1, 15, 9, tzinfo=UTC))
    assert "Merci pour votre avis" in await said(s, ALICE, "!avis 1 5 top")


async def test_a_facilitators_requests_are_the_board_best_match_first(s):
    await s.say(ALICE, "Un atelier le 10 février 2027 de 9h à 11h à Lyon, une personne.")
    await s.say(ALICE, SEMINAR)
    await s.say(ALICE, WORKSHOP)
    board = await said(s, LEA, "!demandes")
    assert board.splitlines()[0].endswith(
        "Bourse aux missions — 2 demandes que vous pourriez prendre, la plus adaptée d'abord :"
    )
    assert board.index("#3 (ouverte)") < board.index("#2 (ouverte)")  # a workshop is nearer
    assert "#1 " not in board  # Lyon is too far
    assert "`!accepte 3`" in board


async def test_requests_titles_say_what_is_listed(s):
    await s.say(ALICE, WORKSHOP)
    assert "Toutes vos demandes (1) :" in await said(s, ALICE, "!demandes toutes")
    assert "Vous n'avez aucune demande pourvue." in await said(s, ALICE, "!demandes pourvues")
    assert "Demandes en cours (1) :" in await said(s, CLAIRE, "!demandes")


async def test_past_missions(s):
    await s.say(ALICE, WORKSHOP)
    await s.say(LEA, "!accepte 1")
    assert "Vous n'avez encore aucune mission passée." in await said(s, LEA, "!missions passées")
    s.clock.set(datetime(2027, 2, 1, 9, tzinfo=UTC))
    assert "Vous n'avez aucune mission à venir." in await said(s, LEA, "!missions")
    past = await said(s, LEA, "!missions past")
    assert "Vos missions passées (1), la plus récente d'abord :" in past and "#1" in past


@pytest.mark.parametrize("who", [ALICE, LEA, CLAIRE], ids=["requester", "facilitator", "coord"])
async def test_help_is_by_role_in_ten_lines_with_the_rest_one_command_away(s, who):
    short = await said(s, who, "!aide")
    assert len(short.splitlines()) <= 10
    assert "`!aide tout`" in short
    everything = await said(s, who, "!aide tout")
    assert ("!assigne" in everything) == (who == CLAIRE)
    assert ("!accepte" in everything) == (who != ALICE)
    assert ("bourse aux missions" in short) == (who == LEA)


async def test_help_of_an_unknown_command_points_to_the_list_or_the_closest(s):
    assert "Vouliez-vous dire `!aide accepte` ?" in await said(s, ALICE, "!aide acepte")
    assert "Tapez `!aide tout` pour la liste." in await said(s, ALICE, "!aide frobnique")


async def test_asking_to_join_in_a_dm_is_no_request(s):
    answer = await said(s, ZOE, "Je voudrais rejoindre le réseau des facilitateurs", where="dm")
    assert "Merci de votre intérêt !" in answer
    assert await s.store.requests.count() == 0


async def test_a_cancellation_by_the_coordination_says_so_to_everyone(s):
    await s.say(ALICE, SEMINAR)
    await s.say(LEA, "!accepte 1")
    told = await said(s, CLAIRE, "!annule 1")
    assert "a été annulée par l'équipe de coordination" in told
    assert "Alice Bernard : L'équipe de coordination a annulé la demande #1." in told
    assert CLAIRE not in told


async def test_forget_me_speaks_to_a_requester_as_a_requester(s):
    await s.say(ALICE, WORKSHOP)
    assert "profil de facilitateur" not in await said(s, ALICE, "!oubliemoi")
    done = await said(s, ALICE, "!oubliemoi confirmer")
    assert "engagement dans le réseau" not in done


async def test_requests_closed_unheld_before_the_new_state_become_not_held(tmp_path):
    """Migration 0012 on a database of version 9 with rows in it."""
    path = tmp_path / "v9.sqlite3"
    at = "2026-11-01T00:00:00+00:00"
    with schema_at(path, 9) as conn:
        for number, state in ((1, "realisee"), (2, "realisee"), (3, "annulee")):
            conn.execute(
                "INSERT INTO requests (id, source_event_id, room_id, thread_root, requester, "
                "text, state, created_at, updated_at) "
                "VALUES (?, ?, '!r', '$t', '@a:b', 'x', ?, ?, ?)",
                (number, f"$e{number}", state, at, at),
            )
        conn.execute("INSERT INTO assignments VALUES (2, '@f:b', 'acceptee', ?, ?)", (at, at))
    store = await Store.open(path)
    try:
        states = [(await store.requests.get(n)).state for n in (1, 2, 3)]
    finally:
        await store.close()
    assert states == ["non tenue", "realisee", "annulee"]


async def test_my_data_counts_answers_as_answers_not_missions(s):
    await s.say(ALICE, SEMINAR)
    await s.say(LEA, "!refuse 1")
    summary = await said(s, LEA, "!mesdonnees", where="dm")
    assert "1 réponse(s) à des demandes" in summary and "mission(s)" not in summary


async def test_the_calendar_entry_names_people_without_their_ids(s):
    await s.say(ALICE, SEMINAR)
    await s.say(LEA, "!accepte 1")
    [invite] = [m for m in await s.store.outbox.pending(limit=100) if m.attachment]
    text = invite.attachment.data.decode("utf-8").replace("\r\n ", "")
    assert "Alice Bernard" in text and "Léa Dubois" in text
    assert ALICE not in text.split("ORGANIZER")[0].split("DESCRIPTION")[-1]

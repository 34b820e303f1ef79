"""Intake through the dispatcher: real parser, real SQLite, the outbox as the chat."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from bot.domain import drafting
from bot.domain.requests import RequestDetails
from tests.unit.conftest import COORDINATOR, FACILITATOR, REQUESTER, answers, message, queued

REQUEST = (
    "Bonjour, on cherche 2 facilitateurs pour un séminaire le 12 mars de 9h à 12h30 à Bercy, "
    "une trentaine de participants, DGFiP."
)


async def test_request_is_stored_and_answered_in_its_thread(dispatcher, store):
    event = message(REQUEST)
    assert await dispatcher.handle(event, "requests") == "request:1"
    request = await store.requests.get(1)
    assert request.details.event_date == date(2027, 3, 12)
    assert (request.details.start_time, request.details.end_time) == (time(9), time(12, 30))
    assert request.details.facilitators_needed == 2
    [card] = [m for m in await store.outbox.pending() if m.room_id]
    assert card.content["m.relates_to"]["rel_type"] == "m.thread"
    assert card.content["m.relates_to"]["event_id"] == event.event_id
    assert card.content["body"].startswith(
        "Demande #1 — séminaire, vendredi 12 mars 2027, 9h00–12h30, Paris, 30 participants, "
        "2 personnes pour faciliter, DGFiP"
    )
    assert request.card_key == card.key


async def test_non_request_gets_no_answer_in_a_requests_room(dispatcher, store):
    outcome = await dispatcher.handle(message("Merci à tous pour l'atelier d'hier !"), "requests")
    assert outcome == "ignored:not-a-request"
    assert await answers(store) == []


async def test_demande_files_what_the_bot_did_not_take_for_a_request(dispatcher, store):
    text = "Merci pour la dernière fois ! Prochain temps d'échange le 12 mars 2027 à 14h à Lyon"
    event = message(f"!demande {text}")
    assert await dispatcher.handle(event, "requests") == "command:demande"
    request = await store.requests.get(1)
    assert (request.text, request.thread_root) == (text, event.event_id)
    assert (request.details.event_date, request.details.location) == (date(2027, 3, 12), "Lyon")
    [card] = await answers(store)
    assert card.startswith("Demande #1 — ")
    assert await dispatcher.handle(message("!demande"), "requests") == "refused"
    assert await store.requests.count() == 1


async def test_non_request_in_a_dm_gets_an_explanation(dispatcher, store):
    await dispatcher.handle(message("bonjour", is_dm=True), "dm")
    [text] = await answers(store)
    assert "Décrivez votre besoin" in text


async def test_date_in_the_past_is_refused_and_nothing_stored(dispatcher, store):
    await dispatcher.handle(
        message("Besoin d'un facilitateur pour un atelier le 12/03/2025 à 14h à Lyon"),
        "requests",
    )
    assert await store.requests.count() == 0
    [text] = await answers(store)
    assert text.startswith("La date comprise, mercredi 12 mars 2025, est déjà passée")


async def test_missing_fields_are_asked_then_completed_in_the_thread(dispatcher, store):
    root = message("On voudrait un atelier de co-construction avec la Douane, une quinzaine")
    await dispatcher.handle(root, "requests")
    [card] = await answers(store)
    assert "il me manque la date, l'heure de début et le lieu" in card

    answer = message("le 3 février de 14h à 17h en visio", thread_root=root.event_id)
    assert await dispatcher.handle(answer, "requests") == "answered"
    request = await store.requests.get(1)
    assert request.details.event_date == date(2027, 2, 3)
    assert request.details.modality == "distanciel"
    assert request.details.participants == 15
    pending = await queued(store)
    edit, thanks = pending[1], pending[2]
    assert edit.replaces_key == request.card_key
    assert "14h00–17h00" in edit.content["body"] and "il me manque" not in edit.content["body"]
    assert thanks.content["body"] == (
        "Merci, la demande #1 est à jour : date : à préciser → mercredi 3 février 2027 ; "
        "horaire : à préciser → 14h00–17h00 ; lieu : à préciser → à distance."
    )


async def test_thanks_in_the_thread_get_a_warm_word_never_rien_compris(dispatcher, store):
    root = message("On voudrait un atelier à Lyon avec la Douane")
    await dispatcher.handle(root, "requests")
    await dispatcher.handle(message("merci !", thread_root=root.event_id), "requests")
    said = (await answers(store))[-1]
    assert said.startswith("Avec plaisir !") and "il me manque la date" in said
    assert "rien compris" not in said
    assert await store.notes.of(1) == []


async def test_what_changes_no_field_is_kept_as_a_note_for_the_facilitators(dispatcher, store):
    root = message("On voudrait un atelier à Lyon le 12 mars 2027 de 9h à 12h, 15 personnes")
    await dispatcher.handle(root, "requests")
    note = message("c'est bien en salle 3034, badge à l'accueil", thread_root=root.event_id)
    assert await dispatcher.handle(note, "requests") == "answered"
    [kept] = await store.notes.of(1)
    assert (kept.author, kept.text) == (REQUESTER, "c'est bien en salle 3034, badge à l'accueil")
    assert (await answers(store))[-1].startswith("C'est noté : je le transmets")
    assert await dispatcher.handle(note, "requests") == "duplicate"
    assert len(await store.notes.of(1)) == 1


async def test_a_matrix_reply_to_the_card_belongs_to_the_request(dispatcher, store):
    root = message("On voudrait un atelier de co-construction avec la Douane à Lyon")
    await dispatcher.handle(root, "requests")
    request = await store.requests.get(1)
    card = await store.outbox.by_key(request.card_key)
    await store.outbox.mark_sent(card.seq, "$card", datetime(2026, 12, 1, tzinfo=UTC))
    reply = message("> Demande #1 — atelier\n\nle 3 février de 14h à 17h", reply_to="$card")
    assert await dispatcher.handle(reply, "requests") == "answered"
    assert (await store.requests.get(1)).details.event_date == date(2027, 2, 3)
    assert await store.requests.count() == 1
    [answer] = [m for m in await queued(store) if "est à jour" in m.content["body"]]
    assert answer.content["m.relates_to"]["event_id"] == root.event_id  # in the thread


async def test_only_the_requester_or_a_coordinator_completes_a_request(dispatcher, store):
    root = message("On voudrait un atelier à Lyon avec la Douane")
    await dispatcher.handle(root, "requests")
    stranger = message("le 3 février à 14h", sender="@eve:x.fr", thread_root=root.event_id)
    assert await dispatcher.handle(stranger, "requests") == "ignored:not-requester"
    coord = message("le 3 février à 14h", sender=COORDINATOR, thread_root=root.event_id)
    assert await dispatcher.handle(coord, "requests") == "answered"


async def test_edited_request_is_re_read_and_its_card_edited(dispatcher, store):
    root = message(REQUEST)
    await dispatcher.handle(root, "requests")
    edited = REQUEST.replace("12 mars", "19 mars")
    edit = message(edited, kind="edit", relates_to=root.event_id)
    assert await dispatcher.handle(edit, "requests") == "edited:1"
    assert (await store.requests.get(1)).details.event_date == date(2027, 3, 19)
    last = (await store.outbox.pending())[-1]
    assert last.replaces_key == (await store.requests.get(1)).card_key
    assert "vendredi 19 mars 2027" in last.content["body"]


async def test_requests_listing_for_requesters_and_coordinators(dispatcher, store):
    await dispatcher.handle(message(REQUEST), "requests")
    await dispatcher.handle(message("!demandes", sender="@bob:x.fr"), "requests")
    await dispatcher.handle(message("!demandes"), "requests")
    await dispatcher.handle(message("!demandes", sender=COORDINATOR), "requests")
    _, nobody, mine, everything = await answers(store)
    assert nobody.startswith("Vous n'avez aucune demande en cours.")
    assert mine.startswith("Vos demandes en cours (1) :\n• #1 (ouverte) — séminaire")
    assert everything.startswith("Demandes en cours (1) :")


async def test_status_is_private_to_the_people_involved(dispatcher, store):
    await dispatcher.handle(message(REQUEST), "requests")
    await dispatcher.handle(message("!statut 1", sender="@eve:x.fr"), "requests")
    await dispatcher.handle(message("!statut #1", sender=REQUESTER), "requests")
    _, refused, shown = await answers(store)
    assert refused.startswith("La demande #1 n'est pas la vôtre")
    assert "État : ouverte.\nFacilitation : personne pour l'instant." in shown


def test_missing_fields_rules():
    assert drafting.missing_fields(RequestDetails()) == ("event_date", "start_time", "place")
    full_day = RequestDetails(event_date=date(2027, 1, 5), duration_minutes=420, modality="hybride")
    assert drafting.missing_fields(full_day) == ()


def test_merge_derives_end_from_start_and_duration():
    current = RequestDetails(duration_minutes=120, location="Lyon", modality="presentiel")
    merged = drafting.merge_answer(current, RequestDetails(start_time=time(14)))
    assert merged.end_time == time(16)
    remote = drafting.merge_answer(merged, RequestDetails(modality="distanciel"))
    assert remote.location is None and remote.modality == "distanciel"
    two = drafting.merge_answer(current, RequestDetails(facilitators_needed=2))
    assert two.facilitators_needed == 2
    assert drafting.merge_answer(two, RequestDetails()).facilitators_needed == 2


def test_parser_sets_aside_an_explicit_past_date():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot.parsing import parse

    now = datetime(2026, 11, 29, 10, tzinfo=ZoneInfo("Europe/Paris"))
    result = parse("Atelier le 3 février 2026 à 14h à Lyon, merci !", now)
    assert result.event_date is None and result.past_date == date(2026, 2, 3)
    later = parse("Suite à notre atelier du 3/02/2026, on voudrait un codev le 9/12", now)
    assert later.event_date == date(2026, 12, 9) and later.past_date is None
    assert "past_date" not in result.to_json()


async def test_addressed_it_answers_and_otherwise_it_stays_quiet(dispatcher, store):
    bot = "@facilibot:agent.finances.tchap.gouv.fr"
    assert await dispatcher.handle(message("aide"), "requests") == "greeted"
    assert await dispatcher.handle(message("Help!"), "requests") == "greeted"
    mention = message("Facilibot tu peux m'aider ?", mentions=(bot,))
    assert await dispatcher.handle(mention, "requests") == "greeted"
    said = await answers(store)
    assert len(said) == 3 and all("Décrivez votre besoin" in s for s in said)
    quiet = message("on s'est bien aidés hier, merci à tous")
    assert await dispatcher.handle(quiet, "requests") == "ignored:not-a-request"
    assert len(await answers(store)) == 3


async def test_a_facilitator_writing_to_the_bot_hears_the_facilitators_commands(dispatcher, store):
    await dispatcher.handle(message("bonjour", sender=FACILITATOR, is_dm=True), "dm")
    [said] = await answers(store)
    assert "`!accepte N` ou `!refuse N`" in said and "`!missions`" in said


async def test_a_request_written_again_completes_the_first_one(dispatcher, store):
    await dispatcher.handle(message("On voudrait un atelier de co-construction à Lyon"), "requests")
    again = message("Re : atelier de co-construction à Lyon le 3 février 2027 de 14h à 17h")
    assert await dispatcher.handle(again, "requests") == "restated:1"
    assert await store.requests.count() == 1
    request = await store.requests.get(1)
    assert (request.details.event_date, request.details.start_time) == (date(2027, 2, 3), time(14))
    said = (await answers(store))[-1]
    assert said.startswith("J'ai complété la demande #1, qui porte sur le même événement : date")
    other = message("Et un séminaire à Lyon le 10 mars 2027 de 9h à 12h, s'il vous plaît")
    assert (await dispatcher.handle(other, "requests")).startswith("request:")
    assert await store.requests.count() == 2


async def test_corrections_are_read_against_the_request_and_intents_get_their_answer(
    dispatcher, store
):
    root = message(
        "On cherche un facilitateur pour un séminaire le 14 janvier 2027 de 9h à 12h à Bercy"
    )
    await dispatcher.handle(root, "requests")
    moved = message("finalement ce sera le 22", thread_root=root.event_id)
    assert await dispatcher.handle(moved, "requests") == "answered"
    assert (await store.requests.get(1)).details.event_date == date(2027, 1, 22)
    assert "date : jeudi 14 janvier 2027 → vendredi 22 janvier 2027" in (await answers(store))[-1]

    ask = message("ça en est où ?", thread_root=root.event_id)
    await dispatcher.handle(ask, "requests")
    assert (await answers(store))[-1].startswith("Demande #1 : personne n'a encore accepté")

    stop = message("finalement on annule, désolée", thread_root=root.event_id)
    await dispatcher.handle(stop, "requests")
    assert (await answers(store))[-1].startswith(
        "Vous voulez annuler la demande #1 ? Répondez « oui » dans ce fil pour confirmer"
    )
    assert (await store.requests.get(1)).state == "ouverte"  # not before it is confirmed
    no = message("non non, on garde", thread_root=root.event_id)
    assert await dispatcher.handle(no, "requests") == "not-confirmed:cancel:1"
    assert (await answers(store))[-1] == "Entendu, je ne change rien à la demande #1."
    assert (await store.requests.get(1)).state == "ouverte"

    await dispatcher.handle(message("on annule tout", thread_root=root.event_id), "requests")
    yes = message("oui", thread_root=root.event_id)
    assert await dispatcher.handle(yes, "requests") == "confirmed:cancel:1"
    assert (await store.requests.get(1)).state == "annulee"
    assert "La demande #1 est annulée." in (await answers(store))[-1]
    # A « oui » later on confirms nothing more.
    again = message("oui", thread_root=root.event_id)
    assert not (await dispatcher.handle(again, "requests")).startswith("confirmed")

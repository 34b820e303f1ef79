"""Answers in the person's language: what is heard, what is chosen, what is kept."""

from __future__ import annotations

from datetime import date

import pytest

from bot.parsing.language import heard_language, says_no, says_yes
from handlers.core.language import Say, pick
from tests.unit.conftest import REQUESTER, answers, message

ENGLISH_REQUEST = (
    "Hi, we're looking for a facilitator for a workshop on 3 February 2027 from 2pm to 5pm "
    "in Lyon, about 20 people."
)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Hi, we are looking for a facilitator for a workshop on March 12", "en"),
        ("Can you reply in English please?", "en"),
        ("On cherche 2 facilitateurs pour un séminaire à Bercy", "fr"),
        ("est-ce que quelqu'un peut nous aider ?", "fr"),
        ("ok", None),
        ("!statut 3", None),
        ("Lyon", None),
        ("25 personnes", None),
        ("👍", None),
    ],
)
def test_the_language_of_a_message_is_heard_only_when_clear(text: str, lang: str | None) -> None:
    assert heard_language(text) == lang


@pytest.mark.parametrize(
    "text", ["oui", "Oui !", "ok", "yes please", "oui, je confirme", "d'accord", "Yep"]
)
def test_a_short_yes(text: str) -> None:
    assert says_yes(text) and not says_no(text)


@pytest.mark.parametrize("text", ["non", "Non merci", "no", "non non, on garde", "laisse tomber"])
def test_a_short_no(text: str) -> None:
    assert says_no(text) and not says_yes(text)


@pytest.mark.parametrize(
    "text", ["oui mais le 12", "ok je prends la 4", "non, plutôt le 22 à 14h à Lyon svp merci", ""]
)
def test_anything_longer_is_neither(text: str) -> None:
    assert not (says_yes(text) and says_no(text))
    assert not says_yes(text)


def test_a_sentence_has_its_twin_and_stays_french_text() -> None:
    hello = Say("Bonjour {name}", "Hello {name}")
    assert hello == "Bonjour {name}" and hello.format(name="Léa") == "Bonjour Léa"
    assert pick(hello, "en").format(name="Léa") == "Hello Léa"
    assert pick("déjà traduit", "en") == "déjà traduit"


async def test_an_english_request_gets_an_english_card_and_english_answers(dispatcher, store):
    root = message(ENGLISH_REQUEST)
    assert await dispatcher.handle(root, "requests") == "request:1"
    [card] = await answers(store)
    assert card.startswith(
        "Request #1 — workshop, Wednesday 3 February 2027, 14:00–17:00, Lyon, 20 participants, "
        "1 facilitator"
    )
    assert "To correct it, edit your message or reply in this thread" in card
    assert await store.languages.of(REQUESTER) == "en"

    moved = message("actually it'll be on the 10th", thread_root=root.event_id)
    await dispatcher.handle(moved, "requests")
    said = (await answers(store))[-1]
    assert said.startswith("Thank you, request #1 is up to date: date: Wednesday 3 February")
    assert (await store.requests.get(1)).details.event_date == date(2027, 2, 10)

    # A command says nothing of its language: the person's own is kept.
    await dispatcher.handle(message("!statut 9"), "requests")
    assert (await answers(store))[-1].startswith("I can't find request #9.")
    await dispatcher.handle(message("!statuts 1"), "requests")
    assert (await answers(store))[-1].endswith("Did you mean `!statut 1`?")

    stop = message("we need to cancel, sorry", thread_root=root.event_id)
    await dispatcher.handle(stop, "requests")
    assert (await answers(store))[-1].startswith("Do you want to cancel request #1?")
    await dispatcher.handle(message("yes", thread_root=root.event_id), "requests")
    assert (await answers(store))[-1].startswith("Request #1 is cancelled.")


async def test_langue_sets_the_language_for_good(dispatcher, store):
    assert await dispatcher.handle(message("!langue en"), "requests") == "command:langue"
    assert (await answers(store))[-1].startswith("From now on, I will write to you in English.")
    # A French message no longer switches back: the choice holds.
    await dispatcher.handle(
        message("On cherche un facilitateur le 3 février 2027 à 14h à Lyon"), "requests"
    )
    assert (await answers(store))[-1].startswith("Request #1 — ")
    await dispatcher.handle(message("!langue"), "requests")
    assert (await answers(store))[-1].startswith("I write to you in English.")
    assert await dispatcher.handle(message("!langue de"), "requests") == "refused"
    assert "`!langue en` or `!langue fr`" in (await answers(store))[-1]
    await dispatcher.handle(message("!langue français"), "requests")
    assert (await answers(store))[-1].startswith("Désormais, je vous écris en français.")


async def test_asking_for_english_in_a_thread_switches_and_is_not_a_note(dispatcher, store):
    root = message("On cherche un facilitateur pour un atelier le 3 février 2027 à 14h à Lyon")
    await dispatcher.handle(root, "requests")
    ask = message("Can you reply in English please?", thread_root=root.event_id)
    await dispatcher.handle(ask, "requests")
    assert (await answers(store))[-1].startswith("From now on, I will write to you in English.")
    assert await store.notes.of(1) == []
    assert (await store.languages.get(REQUESTER)).chosen


async def test_a_past_date_is_refused_in_english(dispatcher, store):
    await dispatcher.handle(
        message("Hi, could someone facilitate our workshop on 3 March 2025 at 2pm in Lyon?"),
        "requests",
    )
    said = (await answers(store))[-1]
    assert said.startswith("The date I read, Monday 3 March 2025, has already passed")
    assert await store.requests.count() == 0


async def test_a_question_about_asking_is_answered_and_other_questions_are_not(dispatcher, store):
    how = message("Comment on fait pour demander un facilitateur ?")
    assert await dispatcher.handle(how, "requests") == "greeted:question"
    assert "Décrivez votre besoin" in (await answers(store))[-1]
    room = message("comment on fait pour réserver la salle 3034 ?")
    assert await dispatcher.handle(room, "requests") == "ignored:not-a-request"
    english = message("How do I ask for a facilitator?")
    assert await dispatcher.handle(english, "requests") == "greeted:question"
    assert (await answers(store))[-1].startswith("Hello! I find facilitators")


async def test_thanks_after_the_event_are_passed_on_with_a_rating_asked(
    missions, staffed_store, clock
):
    from datetime import timedelta

    from tests.unit.conftest import direct_messages, new_request

    root = await new_request(missions)
    who = (await staffed_store.missions.pings(1))[0].facilitator
    await missions.handle(message("!accepte 1", sender=who), "dm")
    before = message("merci !", thread_root=root.event_id)
    await missions.handle(before, "requests")
    assert (await answers(staffed_store))[-1] == "Avec plaisir !"

    clock.advance(timedelta(days=120))  # after 12 March 2027
    after = message("super séance, merci !", thread_root=root.event_id)
    assert await missions.handle(after, "requests") == "answered"
    said = (await answers(staffed_store))[-1]
    assert said.startswith("Merci, je transmets aux personnes qui ont facilité !")
    assert "`!avis 1 5 super séance`" in said
    told = [body for to, body in await direct_messages(staffed_store) if to == who]
    assert told[-1] == "Demande #1, un mot de l'équipe après la séance : « super séance, merci ! »"


def test_dates_are_written_as_people_write_them() -> None:
    from handlers.core.wording import format_date

    assert format_date(date(2027, 3, 1)) == "lundi 1er mars 2027"
    assert format_date(date(2027, 3, 2)) == "mardi 2 mars 2027"
    assert format_date(date(2027, 3, 1), "en") == "Monday 1 March 2027"

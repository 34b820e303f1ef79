"""The router and dispatcher: commands, permissions, errors, idempotence."""

from __future__ import annotations

import re

import pytest

from bot.domain.content import Rendered
from bot.domain.profiles import Facilitator
from bot.domain.requests import RequestDetails
from handlers.core.commands import Command, Kind, Param, Permission, find_command
from handlers.core.context import UserError
from handlers.core.dispatch import Dispatcher
from handlers.features import COMMANDS, JOB_KINDS, build_dispatcher
from tests.unit.conftest import (
    COORDINATOR,
    FACILITATOR,
    PEOPLE,
    REQUESTER,
    answers,
    make_config,
    message,
    new_request,
    queued,
)


def test_every_command_has_a_french_name_an_english_alias_and_help():
    names = set()
    for command in COMMANDS:
        assert command.aliases, command.name
        # Examples are written without the prefix: help adds the configured one.
        assert command.summary and command.example.split()[0] in (command.name, *command.aliases)
        for name in (command.name, *command.aliases):
            assert name not in names, name
            names.add(name)
            assert find_command(name, COMMANDS) is command


async def test_unknown_command_gets_one_helpful_line(dispatcher, store):
    assert await dispatcher.handle(message("!frobnique 3"), "requests") == "refused"
    [text] = await answers(store)
    assert text == "Je ne connais pas la commande `!frobnique`. Tapez `!aide` pour la liste."


async def test_a_mistyped_command_gets_a_suggestion_with_its_arguments(dispatcher, store):
    for typed, meant in (
        ("!acepte 3", "!accepte 3"),
        ("!missons", "!missions"),
        ("!stauts #4", "!statut #4"),
    ):
        assert await dispatcher.handle(message(typed), "requests") == "refused"
        said = (await answers(store))[-1]
        assert said.endswith(f"Vouliez-vous dire `{meant}` ?"), said


async def test_help_is_generated_from_the_table(dispatcher, store):
    await dispatcher.handle(message("!aide tout"), "requests")
    await dispatcher.handle(message("!help all", sender=COORDINATOR), "requests")
    everyone, coordinator = await answers(store)
    assert "Pour l'équipe de coordination" in coordinator
    for command in COMMANDS:
        if command.permission is Permission.ANYONE:
            assert f"!{command.name}" in everyone
        assert f"!{command.name}" in coordinator
    assert "Pour l'équipe de coordination" not in everyone
    await dispatcher.handle(message("!aide statut"), "requests")
    assert "Aussi : `!status`" in (await answers(store))[-1]


async def test_malformed_argument_names_the_problem_and_the_usage(dispatcher, store):
    await dispatcher.handle(message("!statut quarante-deux"), "requests")
    [text] = await answers(store)
    assert "« quarante-deux » n'est pas un numéro de demande." in text
    assert "Usage : `!statut <numéro>`" in text


async def test_unknown_request_number(dispatcher, store):
    await dispatcher.handle(message("!statut #42"), "requests")
    [text] = await answers(store)
    assert text.startswith("Je ne trouve pas la demande #42.")


async def test_same_event_twice_is_handled_once(dispatcher, store):
    event = message("!aide")
    assert await dispatcher.handle(event, "requests") == "command:aide"
    assert await dispatcher.handle(event, "requests") == "duplicate"
    assert len(await answers(store)) == 1


async def test_an_event_vouched_unseen_is_not_looked_up_but_still_marked(dispatcher, store):
    event = message("!aide")
    statements = []
    await store.db.conn.set_trace_callback(statements.append)
    assert await dispatcher.handle(event, "requests", unseen=True) == "command:aide"
    await store.db.conn.set_trace_callback(None)
    assert not any("FROM handled_events" in s for s in statements)
    # The mark is written all the same: after a restart, the event is known.
    assert await dispatcher.handle(event, "requests") == "duplicate"
    assert len(await answers(store)) == 1


async def test_a_new_request_costs_two_trips_to_the_database(dispatcher, store):
    request = "On cherche 2 facilitateurs pour un séminaire le {} mars 2027 de 9h à 12h à Bercy."
    assert await dispatcher.handle(message(request.format(12)), "requests") == "request:1"
    dispatcher.settle_due_now = False  # as in the bot: the first pings are its scheduler's
    trips = store.db.trips
    # Its BEGIN with the person's recent requests and its number, then its COMMIT.
    event = message(request.format(19))
    assert await dispatcher.handle(event, "requests", unseen=True) == "request:2"
    assert store.db.trips - trips == 2
    assert (await store.requests.get(2)).source_event_id == event.event_id


async def test_notices_and_bot_messages_are_ignored(dispatcher, store):
    assert await dispatcher.handle(message("!aide", msgtype="m.notice"), "requests") == (
        "ignored:notice"
    )
    assert await dispatcher.handle(message("!aide", from_bot=True), "requests") == (
        "ignored:notice"
    )
    assert await answers(store) == []


async def test_oversized_message_is_refused(dispatcher, store):
    await dispatcher.handle(message("a" * 5000), "requests")
    [text] = await answers(store)
    assert "trop long (5000 caractères, maximum 4000)" in text


async def test_chatter_in_the_facilitators_room_is_not_read(dispatcher, store):
    assert await dispatcher.handle(message("coucou"), "facilitators") == "ignored:chatter"
    assert await answers(store) == []


async def _boom(ctx) -> None:
    raise ZeroDivisionError("secret detail")


async def _create_then_refuse(ctx) -> None:
    await ctx.store.requests.create(
        source_event_id=ctx.event.event_id,
        room_id=ctx.event.room_id,
        thread_root=ctx.event.event_id,
        requester=ctx.sender,
        text="x",
        details=RequestDetails(),
        at=ctx.clock.now(),
    )
    await ctx.chat.reply(ctx.event, Rendered.text("should vanish"))
    raise UserError("Non.")


async def _echo(ctx, who: str) -> None:
    await ctx.chat.reply(ctx.event, Rendered.text(who))


TEST_COMMANDS = (
    Command("boum", ("boom",), _boom, Permission.ANYONE, "fails", "boum"),
    Command("refuse", ("nope",), _create_then_refuse, Permission.ANYONE, "refuses", "refuse"),
    Command("chef", ("boss",), _boom, Permission.COORDINATOR, "coordinators", "chef"),
    Command("anime", ("lead",), _boom, Permission.FACILITATOR, "facilitators", "anime"),
    Command(
        "qui",
        ("who",),
        _echo,
        Permission.ANYONE,
        "echo",
        "qui @a:b",
        (Param("who", Kind.USER, "x"),),
    ),
)


@pytest.fixture
def custom(store, clock):
    async def nobody(user_id: str) -> bool:
        return False

    async def quiet(ctx) -> str:
        return "ignored:text"

    return Dispatcher(
        make_config(),
        store,
        clock,
        nobody,
        commands=TEST_COMMANDS,
        jobs=JOB_KINDS,
        on_text=quiet,
        on_edit=quiet,
        on_reaction=(),
    )


async def test_crash_in_a_handler_gives_one_polite_line(custom, store, caplog):
    event = message("!boum")
    assert await custom.handle(event, "requests") == "error"
    [text] = await answers(store)
    assert text.startswith("Désolé, un incident")
    assert "secret detail" not in text and "Traceback" not in text
    assert event.event_id in caplog.text
    assert await store.state.is_handled(event.event_id)


async def test_user_error_rolls_back_every_effect(custom, store):
    assert await custom.handle(message("!refuse"), "requests") == "refused"
    assert await store.requests.count() == 0
    assert await answers(store) == ["Non."]


async def test_permissions(custom, store):
    await custom.handle(message("!chef"), "requests")
    await custom.handle(message("!anime", sender=REQUESTER), "requests")
    coordinator_only, facilitator_only = await answers(store)
    assert "réservée à l'équipe de coordination" in coordinator_only
    assert "réservée aux facilitatrices et facilitateurs" in facilitator_only


async def test_user_argument_from_a_mention_pill(custom, store):
    await custom.handle(message("!qui Bob Dupont", mentions=("@bob:x.fr",)), "requests")
    await custom.handle(message("!qui @carol:x.fr"), "requests")
    await custom.handle(message("!qui Bob"), "requests")
    pill, typed, wrong = await answers(store)
    assert (pill, typed) == ("@bob:x.fr", "@carol:x.fr")
    assert "n'est pas un identifiant Matrix" in wrong


COORDINATOR_COMMANDS = [c for c in COMMANDS if c.permission is Permission.COORDINATOR]


@pytest.mark.parametrize("command", COORDINATOR_COMMANDS, ids=lambda c: c.name)
async def test_every_coordinator_command_is_refused_to_others(missions, staffed_store, command):
    """Each coordinator command, run by a facilitator and by a requester, changes nothing."""
    await new_request(missions)
    before = await _snapshot(staffed_store)
    for who in (PEOPLE[0], REQUESTER):
        for name in (command.name, *command.aliases):
            text = "!" + command.example.replace(command.name, name, 1)
            assert await missions.handle(message(text, sender=who), "requests") == "refused"
            assert "réservée à l'équipe de coordination" in (await answers(staffed_store))[-1]
    assert await _snapshot(staffed_store) == before


async def _snapshot(store) -> list[tuple]:
    """Every business table's rows (not the handled events nor the outbox)."""
    rows = []
    for table in ("requests", "assignments", "transitions", "pings", "facilitators", "absences"):
        rows += [(table, *tuple(r)) for r in await store.db.fetchall(f"SELECT * FROM {table}")]
    return rows


@pytest.mark.parametrize("number", ["²", "٣", "#¹²"])
async def test_digits_that_are_not_ascii_are_not_request_numbers(dispatcher, store, number):
    """Found by fuzzing: « ² » passes str.isdigit() but is no number."""
    assert await dispatcher.handle(message(f"!statut {number}"), "requests") == "refused"
    assert "n'est pas un numéro de demande" in (await answers(store))[-1]


async def test_every_command_in_a_sentence_goes_through_the_configured_prefix(store, clock):
    async def is_facilitator(user_id: str) -> bool:
        return user_id == FACILITATOR

    config = make_config(bot={"coordinators": [COORDINATOR], "command_prefix": "?"})
    bot = build_dispatcher(config, store, clock, is_facilitator)
    await store.facilitators.upsert(Facilitator(FACILITATOR, display_name="Fanny"), at=clock.now())
    said = [
        "on cherche un facilitateur pour un atelier le 12 mars 2027 de 9h à 12h à Bercy",
        "?accepte 1",
        "?refuse 1",
        "?profil",
        "?profil couleur bleu",
        "?profil site",
        "?absent hier",
        "?absent du 20/12/2026 au 04/01/2027",
        "?pause",
        "?pause",
        "?missions",
        "?frobnique",
        "?aide",
        "?aide accepte",
        "?statut 99",
        "?oubliemoi",
        "?etapes 1",
        "?cadrage 1",
        "?fiche 1 lieu",
        "?deroule 1",
        "?demandes sans cadrage",
    ]
    for text in said:
        sender = REQUESTER if text.startswith("on cherche") else FACILITATOR
        await bot.handle(message(text, sender=sender), "requests")
    everything = "\n".join(m.content.get("body", "") for m in await queued(store))
    assert "`?" in everything
    assert not re.search(r"(^|[\s`(«])![a-z]", everything), everything

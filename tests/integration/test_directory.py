"""The directory against a real Synapse: roster import, invitations, `!profil`, `!candidats`."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from bot.domain.profiles import Facilitator
from bot.matrix.decryption import thread_of
from bot.sandbox.people import Person, body_of, until

REQUEST = (
    "Bonjour, on cherche un facilitateur pour un atelier le 12 mars 2027 de 9h à 12h "
    "à Bercy, une quinzaine de participants."
)
INVITATION = "Vous faites partie du réseau des facilitatrices et facilitateurs"


async def _import(config, roster: str, tmp: Path) -> tuple[int, str]:
    """Run `facilibot import-facilitators` in its own process, as a coordinator would."""
    config_file = tmp / "import.toml"
    config_file.write_text(
        "[matrix]\n"
        f'homeserver = "{config.matrix.homeserver}"\n'
        f'user_id = "{config.matrix.user_id}"\n'
        f'password = "{config.matrix.password}"\n'
        "[storage]\n"
        f'database = "{config.storage.database}"\n',
        encoding="utf-8",
    )
    roster_file = tmp / "roster.csv"
    roster_file.write_text(roster, encoding="utf-8")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "import-facilitators",
        "--config",
        str(config_file),
        str(roster_file),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode("utf-8")


def _outbox_state(database: Path, key: str) -> str | None:
    """The state of an outbox message, read beside the bot's connection (WAL)."""
    with closing(sqlite3.connect(database)) as conn:
        row = conn.execute("SELECT state FROM outbox WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def _dm_from(person: Person, bot_id: str, text: str) -> list[tuple[str, dict]]:
    return [
        (room_id, source)
        for room_id, source in person.events
        if source.get("sender") == bot_id and text in body_of(source)
    ]


async def test_roster_import_member_invitation_and_profile_commands(world, tmp_path):
    coordinator = await world.person("Coordination")
    fanny = await world.person("Fanny Roster")
    nina = await world.person("Nina Nouvelle")
    bot = await world.bot_account()
    network = await coordinator.create_room(
        "Réseau", invite=[bot.user_id, fanny.user_id, nina.user_id]
    )
    await until(lambda: network in nina.client.rooms and network in fanny.client.rooms)
    # Nina has written to the bot before: its invitation goes to that direct chat.
    dm = await nina.create_room("", invite=[bot.user_id], direct=True)
    config = await world.config(
        rooms={"facilitators": network}, bot={"coordinators": [coordinator.user_id]}
    )
    roster = (
        "matrix_id,display_name,site,region,directorate,cohort,skills,languages,remote_ok,"
        "max_missions_per_month\n"
        f"{fanny.user_id},Fanny Roster,Paris,,DGFiP,4,atelier;codev,fr,oui,2\n"
        "fanny-sans-arobase,X,,,,,,,,\n"
    )
    code, out = await _import(config, roster, tmp_path)
    assert code == 1
    assert out.splitlines() == [
        "ligne 3 : « fanny-sans-arobase » n'est pas un identifiant Matrix (attendu : "
        "@prenom.nom-dgfip.finances.gouv.fr:agent.finances.tchap.gouv.fr).",
        "Import terminé : 1 ajouté(s), 0 mis à jour, 1 rejeté(s), 0 inchangé(s).",
    ]
    app = await world.start_bot(config)
    bot_id = config.matrix.user_id

    # Nina is in the room but not in the roster: one invitation, in a direct chat.
    await until(lambda: _dm_from(nina, bot_id, INVITATION), timeout=30)
    [(room, invitation)] = _dm_from(nina, bot_id, INVITATION)
    assert room == dm
    assert body_of(invitation).startswith("Bonjour Nina Nouvelle !")
    assert invitation["content"]["msgtype"] == "m.text"
    profile = await app.store.facilitators.get(nina.user_id)
    assert profile is not None and profile.site is None

    asked = await nina.send(dm, "!profil site Lyon")
    answer = await nina.wait_for_message(
        lambda m: "C'est noté" in body_of(m), room_id=dm, sender=bot_id
    )
    assert body_of(answer) == (
        "C'est noté : site : non renseigné → Lyon ; région : non renseigné → Auvergne-Rhône-Alpes."
    )
    assert answer["content"]["m.relates_to"]["m.in_reply_to"]["event_id"] == asked
    await nina.send(dm, "!profile timezone Mars/Olympus")
    refused = await nina.wait_for_message(
        lambda m: "Mars/Olympus" in body_of(m), room_id=dm, sender=bot_id
    )
    assert "Rien n'a changé" in body_of(refused)
    stored = await app.store.facilitators.get(nina.user_id)
    assert stored is not None and stored.site == "Lyon" and stored.timezone is None

    # Fanny, from the roster, answers in the network room, in the thread of her command.
    asked = await fanny.send(network, "!absent du 20/12 au 04/01")
    answer = await fanny.wait_for_message(
        lambda m: thread_of(m) == asked, room_id=network, sender=bot_id
    )
    assert "absence du" in body_of(answer) and "4 janvier" in body_of(answer)
    asked = await fanny.send(network, "!profil")
    shown = await fanny.wait_for_message(
        lambda m: thread_of(m) == asked, room_id=network, sender=bot_id
    )
    assert "• compétences : atelier, codéveloppement" in body_of(shown)
    assert "• absences : du " in body_of(shown)

    # Someone joining later is invited too, in a direct chat the bot opens. (Whether
    # Omar's client can read that first encrypted message is the E2EE work's concern:
    # here, the invitation is checked as sent.)
    omar = await world.person("Omar Arrivant")
    await coordinator.client.room_invite(network, omar.user_id)

    key = f"profile-invite:{omar.user_id}"
    await until(lambda: _outbox_state(config.storage.database, key) == "sent", timeout=30)
    omar_dm = await app.store.state.dm_room(omar.user_id)
    assert omar_dm is not None
    await until(lambda: omar_dm in omar.client.rooms, timeout=20)
    assert len(_dm_from(nina, bot_id, INVITATION)) == 1
    assert not _dm_from(fanny, bot_id, INVITATION)
    assert not _dm_from(coordinator, bot_id, INVITATION)


async def test_candidates_for_coordinators_only(world):
    alice = await world.person("Alice")
    coordinator = await world.person("Coordination")
    bot = await world.bot_account()
    room_id = await alice.create_room("Demandes", invite=[bot.user_id, coordinator.user_id])
    await until(lambda: room_id in coordinator.client.rooms)
    config = await world.config(
        rooms={"requests": [room_id]}, bot={"coordinators": [coordinator.user_id]}
    )
    app = await world.start_bot(config)
    bot_id = config.matrix.user_id
    now = datetime.now(UTC)
    for local, site, skills in (("claire", "Paris", ("atelier",)), ("leon", "Lyon", ())):
        await app.store.facilitators.upsert(
            Facilitator(
                f"@{local}:{bot.user_id.split(':')[1]}", local.title(), site=site, skills=skills
            ),
            at=now,
        )
    request_event = await alice.send(room_id, REQUEST)
    await alice.wait_for_message(
        lambda m: thread_of(m) == request_event and "Demande #1" in body_of(m),
        room_id=room_id,
        sender=bot_id,
    )

    refused = await alice.send(room_id, "!candidats 1")
    answer = await alice.wait_for_message(
        lambda m: thread_of(m) == refused, room_id=room_id, sender=bot_id
    )
    assert body_of(answer) == (
        "La commande `!candidats` est réservée à l'équipe de coordination du réseau."
    )

    asked = await coordinator.send(room_id, "!candidates 1")
    listing = await coordinator.wait_for_message(
        lambda m: thread_of(m) == asked, room_id=room_id, sender=bot_id
    )
    lines = body_of(listing).splitlines()
    assert lines[0].startswith("Candidats pour la demande #1 (atelier, vendredi 12 mars 2027")
    assert lines[1].startswith("1. Claire — ")
    assert "compétence atelier, sur place (Paris)" in lines[1]
    assert len(lines) == 2  # Léon in Lyon is not near Bercy: out of the prefilter


async def test_paused_and_absent_facilitators_are_not_pinged(world, tmp_path):
    alice = await world.person("Alice")
    coordinator = await world.person("Coordination")
    active, paused, away = (
        await world.person("Active"),
        await world.person("En Pause"),
        await world.person("Absente"),
    )
    bot = await world.bot_account()
    room_id = await alice.create_room("Demandes", invite=[bot.user_id])
    network = await coordinator.create_room(
        "Réseau", invite=[bot.user_id, active.user_id, paused.user_id, away.user_id]
    )
    config = await world.config(
        rooms={"requests": [room_id], "facilitators": network},
        bot={"coordinators": [coordinator.user_id]},
        matching={"ping_in": "room"},
    )
    roster = "matrix_id,display_name,site,skills\n" + "".join(
        f"{p.user_id},{p.name},Paris,atelier\n" for p in (active, paused, away)
    )
    assert (await _import(config, roster, tmp_path))[0] == 0
    app = await world.start_bot(config)
    bot_id = config.matrix.user_id

    for person, command in ((paused, "!pause"), (away, "!absent du 10/03/2027 au 14/03/2027")):
        await person.wait_joined(network)
        asked = await person.send(network, command)
        answer = await person.wait_for_message(
            lambda m, asked=asked: thread_of(m) == asked, room_id=network, sender=bot_id
        )
        assert body_of(answer).startswith("C'est noté")

    await alice.send(room_id, REQUEST)
    ping = await active.wait_for_message(
        lambda m: "!accepte 1" in body_of(m), room_id=network, sender=bot_id, timeout=30
    )
    assert ping["content"]["m.mentions"] == {"user_ids": [active.user_id]}
    pinged = {
        user
        for m in active.messages(room_id=network, sender=bot_id)
        for user in m["content"].get("m.mentions", {}).get("user_ids", [])
        if "!accepte 1" in body_of(m)
    }
    assert pinged == {active.user_id}
    # The pings are recorded with the request: only the available facilitator was asked.
    assert [p.facilitator for p in await app.store.missions.pings(1)] == [active.user_id]

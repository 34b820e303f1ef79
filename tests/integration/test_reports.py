"""`!stats` in chat and `facilibot export` on the bot's database, with a real Synapse."""

from __future__ import annotations

import asyncio
import sys

from bot.matrix.decryption import thread_of
from bot.sandbox.people import body_of, until

REQUEST = "Un facilitateur pour un atelier le 12 mars 2027 de 14h à 16h30 à Bercy."


async def test_stats_in_chat_and_csv_export(world, tmp_path):
    alice = await world.person("Alice")
    coordinator = await world.person("Coordination")
    facilitator = await world.person("Facilitatrice")
    bot = await world.bot_account()
    room_id = await alice.create_room("Demandes", invite=[bot.user_id, coordinator.user_id])
    network = await coordinator.create_room("Réseau", invite=[bot.user_id, facilitator.user_id])
    config = await world.config(
        rooms={"requests": [room_id], "facilitators": network},
        bot={"coordinators": [coordinator.user_id]},
    )
    app = await world.start_bot(config)
    bot_id = config.matrix.user_id
    await coordinator.wait_joined(room_id)
    await facilitator.wait_joined(network)
    await until(lambda: facilitator.user_id in app.client.nio.rooms[network].users, timeout=30)

    asked = await alice.send(room_id, REQUEST)
    await alice.wait_for_message(lambda m: thread_of(m) == asked, room_id=room_id, sender=bot_id)
    accept = await coordinator.send(room_id, f"!assigne 1 {facilitator.user_id}")
    await coordinator.wait_for_message(
        lambda m: thread_of(m) == accept, room_id=room_id, sender=bot_id
    )
    stats = await coordinator.send(room_id, "!stats")
    answer = await coordinator.wait_for_message(
        lambda m: thread_of(m) == stats and m["content"].get("msgtype") == "m.notice",
        room_id=room_id,
        sender=bot_id,
    )
    assert body_of(answer).startswith("Statistiques de ")
    assert ": 1 (dont 0 annulée(s))" in body_of(answer)
    assert "• Pourvues : 1 sur 1 (100 %)" in body_of(answer)

    refused = await alice.send(room_id, "!stats")
    no = await alice.wait_for_message(
        lambda m: thread_of(m) == refused, room_id=room_id, sender=bot_id
    )
    assert "réservée à l'équipe de coordination" in body_of(no)

    config_file = tmp_path / "export.toml"
    config_file.write_text(
        f'[matrix]\nhomeserver = "{world.synapse.url}"\nuser_id = "{bot_id}"\n'
        f'[storage]\ndatabase = "{app.config.storage.database}"\n',
        encoding="utf-8",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "export", "--config", str(config_file),
        "--from", "2027-01-01", "--to", "2027-12-31",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert lines[0] == "matrix_id,nom,missions,heures,heures_declarees,formats,note_moyenne"
    # A member of the facilitators room is enrolled with their display name.
    assert lines[1].startswith(f"{facilitator.user_id},Facilitatrice,1,2.50,0.00,atelier:1,")

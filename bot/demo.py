"""`facilibot demo`: a throwaway homeserver, the bot, and a scripted conversation."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from pathlib import Path
from typing import Any, TextIO

from bot.app import App
from bot.config import config_from_dict
from bot.homeserver import Synapse
from bot.people import Person, body_of, until

log = logging.getLogger(__name__)

SCRIPT = (
    "Bonjour ! On cherche 2 facilitateurs pour un séminaire de direction le 12 mars "
    "de 9h à 12h30 à Bercy, une trentaine de participants. Équipe RH de la DGFiP.",
    "Hello, nous aimerions un atelier de co-construction avec une quinzaine d'agents "
    "de la Douane, à Lyon.",
)


async def run_demo(out: TextIO) -> int:
    """Run the scripted conversation and print it; return the exit status."""
    logging.getLogger().setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="facilibot-demo-") as tmp:
        base = Path(tmp)
        out.write("Démarrage d'un homeserver Synapse jetable sur 127.0.0.1…\n")
        out.flush()
        async with Synapse(base / "synapse") as synapse:
            return await _converse(synapse, base, out)


async def _converse(synapse: Synapse, base: Path, out: TextIO) -> int:
    bot_user = await synapse.register("facilibot", "demo-bot-password")
    claire = Person(
        synapse.url, await synapse.register("claire.martin"), base / "claire", "Claire Martin"
    )
    await claire.start()
    # Encrypted, as private rooms are on Tchap.
    room_id = await claire.create_room(
        "Demandes de facilitation", invite=[bot_user.user_id], encrypted=True
    )
    config = config_from_dict(
        {
            "matrix": {
                "homeserver": synapse.url,
                "user_id": bot_user.user_id,
                "password": bot_user.password,
                "store_path": "store",
            },
            "rooms": {"requests": [room_id]},
            "storage": {"database": "facilibot.sqlite3"},
        },
        base_dir=base / "bot",
    )
    app = App(config)
    await app.start()
    names = {claire.user_id: "Claire Martin", bot_user.user_id: "Facilibot"}
    shown: set[str] = set()
    try:
        await until(lambda: app.sync.ready.is_set(), timeout=30)
        out.write(f"Salon « Demandes de facilitation » ({room_id}), bot {bot_user.user_id}\n\n")
        first = await _say(claire, room_id, SCRIPT[0], out, names, shown)
        await _await_answers(claire, room_id, bot_user.user_id, 1, out, names, shown)
        second = await _say(claire, room_id, SCRIPT[1], out, names, shown)
        await _await_answers(claire, room_id, bot_user.user_id, 2, out, names, shown)
        await _say(claire, room_id, "le 3 février de 14h à 17h", out, names, shown, second)
        await _await_answers(claire, room_id, bot_user.user_id, 4, out, names, shown)
        await _say(claire, room_id, "!statut 1", out, names, shown, first)
        await _await_answers(claire, room_id, bot_user.user_id, 5, out, names, shown)
    finally:
        await app.stop()
        await claire.stop()
    out.write("\nFin de la démonstration : homeserver arrêté, fichiers temporaires supprimés.\n")
    return 0


async def _say(
    person: Person,
    room_id: str,
    text: str,
    out: TextIO,
    names: dict[str, str],
    shown: set[str],
    thread_root: str | None = None,
) -> str:
    event_id = await person.send(room_id, text, thread_root=thread_root)
    shown.add(event_id)
    where = "  ↳ (fil) " if thread_root else ""
    out.write(f"{where}{names[person.user_id]} : {text}\n")
    out.flush()
    return event_id


async def _await_answers(
    person: Person,
    room_id: str,
    bot_id: str,
    count: int,
    out: TextIO,
    names: dict[str, str],
    shown: set[str],
) -> None:
    await person.wait_for_message(lambda m: True, room_id=room_id, sender=bot_id)
    await until(lambda: len(person.messages(room_id, bot_id)) >= count, timeout=30)
    for message in person.messages(room_id, bot_id):
        if message["event_id"] in shown:
            continue
        shown.add(message["event_id"])
        out.write(_format(message, names) + "\n")
    out.flush()


def _format(message: dict[str, Any], names: dict[str, str]) -> str:
    content = message.get("content", {})
    relates = content.get("m.relates_to", {})
    prefix = "  ↳ (fil) " if relates.get("rel_type") == "m.thread" else ""
    if relates.get("rel_type") == "m.replace":
        prefix = "  ✎ (carte modifiée) "
    text = body_of(message).replace("\n", "\n      ")
    return f"{prefix}{names.get(message['sender'], message['sender'])} : {text}"


def main() -> None:
    """Run the demo from `python -m bot.demo`."""
    import sys

    raise SystemExit(asyncio.run(run_demo(sys.stdout)))


if __name__ == "__main__":
    main()

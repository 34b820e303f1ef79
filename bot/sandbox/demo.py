"""`facilibot demo`: a throwaway homeserver, the bot, and a scripted conversation."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from bot.app import App
from bot.config import config_from_dict
from bot.domain.profiles import Facilitator
from bot.sandbox.homeserver import Synapse
from bot.sandbox.people import Person, body_of, until
from storage.store import Store

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
    # nio warns while it sets up encryption sessions: noise for a demo transcript.
    logging.getLogger("nio").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="facilibot-demo-") as tmp:
        base = Path(tmp)
        out.write("Démarrage d'un homeserver Synapse jetable sur 127.0.0.1…\n")
        out.flush()
        async with Synapse(base / "synapse") as synapse:
            return await _converse(synapse, base, out)


async def _converse(synapse: Synapse, base: Path, out: TextIO) -> int:
    bot_user = await synapse.register("facilibot", "demo-bot-password")
    claire = await _person(synapse, base, "claire.martin", "Claire Martin")
    karim = await _person(synapse, base, "karim.benali", "Karim Benali")
    lea = await _person(synapse, base, "lea.dubois", "Léa Dubois")
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
    await _directory(config.storage.database, [(karim, ("seminaire",)), (lea, ("atelier",))])
    app = App(config)
    await app.start()
    people = (claire, karim, lea)
    names = {p.user_id: p.name for p in people} | {bot_user.user_id: "Facilibot"}
    bot_id = bot_user.user_id
    show = _Transcript(out, names, bot_id, room_id)
    try:
        await until(lambda: app.sync.ready.is_set(), timeout=30)
        out.write(f"Salon « Demandes de facilitation » ({room_id}), bot {bot_id}\n")
        out.write("Annuaire : Karim Benali et Léa Dubois, facilitateurs à Paris.\n\n")
        first = await show.say(claire, room_id, SCRIPT[0])
        await show.wait(claire, lambda m: body_of(m).startswith("Demande #1"))
        for person in (karim, lea):  # each pinged in an encrypted DM
            await show.wait(person, lambda m: "!accepte 1" in body_of(m))
        second = await show.say(claire, room_id, SCRIPT[1])
        await show.wait(claire, lambda m: body_of(m).startswith("Demande #2"))
        await show.say(claire, room_id, "le 3 février de 14h à 17h", second)
        await show.wait(claire, lambda m: "est à jour" in body_of(m))

        karim_dm = show.dm_of(karim)
        await show.say(karim, karim_dm, "!accepte 1")
        await show.wait(karim, lambda m: m["content"].get("msgtype") == "m.file")
        await show.wait(claire, lambda m: "Bonne nouvelle" in body_of(m))
        ping = next(m for m in lea.messages(sender=bot_id) if "!accepte 1" in body_of(m))
        lea_dm = show.dm_of(lea)
        await lea.react(lea_dm, ping["event_id"], "✅")
        out.write(f"[message privé] {names[lea.user_id]} : ✅ (réaction à la sollicitation)\n")
        await show.wait(lea, lambda m: body_of(m).startswith("C'est noté"))
        await show.wait(claire, lambda m: "est pourvue" in body_of(m))
        await show.say(claire, room_id, "!statut 1", first)
        await show.wait(claire, lambda m: "État : pourvue." in body_of(m))

        # The mission's own room: private, encrypted, the requester and the facilitators.
        await show.wait(claire, lambda m: "Bienvenue dans la salle" in body_of(m))
        mission = show.room_named(claire, "Mission #1")
        await karim.wait_member(mission, karim.user_id)
        await show.say(karim, mission, "!cadrage le 1er mars 2027 à 10h")
        await show.wait(claire, lambda m: body_of(m) == "cadrage-1.ics")
        await show.say(claire, mission, "!etapes")
        await show.wait(claire, lambda m: body_of(m).startswith("Les étapes de la mission #1"))
    finally:
        await app.stop()
        for person in people:
            await person.stop()
    out.write("\nFin de la démonstration : homeserver arrêté, fichiers temporaires supprimés.\n")
    return 0


async def _person(synapse: Synapse, base: Path, localpart: str, name: str) -> Person:
    person = Person(synapse.url, await synapse.register(localpart), base / localpart, name)
    await person.start()
    return person


async def _directory(database: Path, people: list[tuple[Person, tuple[str, ...]]]) -> None:
    """Put the demo's facilitators in the directory, as a roster import would."""
    store = await Store.open(database)
    try:
        for person, skills in people:
            profile = Facilitator(
                person.user_id, person.name, site="Paris", region="Île-de-France", skills=skills
            )
            await store.facilitators.upsert(profile, at=datetime.now(UTC))
    finally:
        await store.close()


class _Transcript:
    """Prints what people say and what the bot answers them, each message once."""

    def __init__(self, out: TextIO, names: dict[str, str], bot_id: str, room_id: str) -> None:
        self.out = out
        self.names = names
        self.bot_id = bot_id
        self.room_id = room_id
        self.shown: set[str] = set()

    def room_named(self, person: Person, start: str) -> str:
        """The room, as this person sees it, whose name starts with `start`."""
        return next(
            room_id for room_id, room in person.client.rooms.items()
            if (room.name or "").startswith(start)
        )  # fmt: skip

    def where(self, person: Person, room_id: str) -> str:
        """How the transcript names a room other than the requests room."""
        room = person.client.rooms.get(room_id)
        if room is not None and (room.name or "").startswith("Mission"):
            return f"[salle « {room.name} »] "
        return ""

    def dm_of(self, person: Person) -> str:
        """The room where the bot wrote to this person privately."""
        return next(
            room for room, source in person.events
            if room != self.room_id and source.get("sender") == self.bot_id
        )  # fmt: skip

    async def say(
        self, person: Person, room_id: str, text: str, thread_root: str | None = None
    ) -> str:
        event_id = await person.send(room_id, text, thread_root=thread_root)
        self.shown.add(event_id)
        where = "  ↳ (fil) " if thread_root else ""
        if room_id != self.room_id:
            where = self.where(person, room_id) or f"[message privé] {where}"
        self.out.write(f"{where}{self.names[person.user_id]} : {text}\n")
        self.out.flush()
        return event_id

    async def wait(self, person: Person, predicate: Callable[[dict[str, Any]], bool]) -> None:
        """Wait for a bot message to `person`, then print every bot message not shown yet."""
        await person.wait_for_message(predicate, sender=self.bot_id, timeout=30)
        for room, message in person.events:
            if message.get("sender") != self.bot_id or message.get("type") != "m.room.message":
                continue
            if message["event_id"] in self.shown:
                continue
            self.shown.add(message["event_id"])
            private = f"[message privé → {person.name}] " if room != self.room_id else ""
            where = self.where(person, room) or private
            self.out.write(where + _format(message, self.names) + "\n")
        self.out.flush()


def _format(message: dict[str, Any], names: dict[str, str]) -> str:
    content = message.get("content", {})
    relates = content.get("m.relates_to", {})
    prefix = "  ↳ (fil) " if relates.get("rel_type") == "m.thread" else ""
    if relates.get("rel_type") == "m.replace":
        prefix = "  ✎ (message modifié) "
    if content.get("msgtype") == "m.file":
        return f"{prefix}{names.get(message['sender'], message['sender'])} : 📎 {body_of(message)}"
    text = body_of(message).replace("\n", "\n      ")
    return f"{prefix}{names.get(message['sender'], message['sender'])} : {text}"


def main() -> None:
    """Run the demo from `python -m bot.sandbox.demo`."""
    import sys

    raise SystemExit(asyncio.run(run_demo(sys.stdout)))


if __name__ == "__main__":
    main()

"""Golden transcripts: a role's whole conversation with the bot, as its people would read it.

`Session` drives the real dispatcher over a real SQLite store in a temporary
folder, with a frozen clock, and reads what the bot would send from the
outbox (the homeserver's stand-in): each message is written with where it
goes and who reads it, its pills, its files. The scripts per role are in
`tests/unit/golden_scripts.py`; `tests/unit/test_golden.py` compares them with
`tests/golden/<role>.txt`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.domain.clock import FrozenClock
from bot.domain.profiles import Facilitator
from bot.matrix.events import Incoming
from handlers.core.dispatch import Dispatcher
from handlers.features import build_dispatcher
from storage.outbox import MISSION_ROOM, OP_PREFIX
from storage.store import Store
from tests.unit.conftest import make_config

SERVER = "agent.finances.tchap.gouv.fr"
REQUESTS_ROOM = f"!demandes:{SERVER}"
FACILITATORS_ROOM = f"!facilitateurs:{SERVER}"
BOT = f"@facilibot:{SERVER}"


def uid(local: str) -> str:
    """A Tchap user id: `@prenom.nom-dgfip.finances.gouv.fr:server`."""
    return f"@{local}-dgfip.finances.gouv.fr:{SERVER}"


ALICE = uid("alice.bernard")  # a requester, not in the directory
CLAIRE = uid("claire.morel")  # a coordinator
ZOE = uid("zoe.petit")  # someone outside the network
LEA = uid("lea.dubois")
KARIM = uid("karim.benali")
PAUL_M = uid("paul.martin")
PAUL_D = uid("paul.durand")
SOPHIE = uid("sophie.leroy")
SAM = uid("sam.taylor")  # a requester who writes in English

# Who people are, for the transcript's labels (the bot itself knows only the directory).
PEOPLE = {
    ALICE: "Alice Bernard",
    CLAIRE: "Claire Morel",
    ZOE: "Zoé Petit",
    LEA: "Léa Dubois",
    KARIM: "Karim Benali",
    PAUL_M: "Paul Martin",
    PAUL_D: "Paul Durand",
    SOPHIE: "Sophie Leroy",
    SAM: "Sam Taylor",
}

DIRECTORY = (
    Facilitator(
        LEA, "Léa Dubois", site="Paris", region="Île-de-France", skills=("seminaire", "atelier")
    ),
    Facilitator(KARIM, "Karim Benali", site="Paris", region="Île-de-France", skills=("seminaire",)),
    Facilitator(PAUL_M, "Paul Martin", site="Lyon", region="Auvergne-Rhône-Alpes"),
    Facilitator(PAUL_D, "Paul Durand", site="Paris", region="Île-de-France", skills=("atelier",)),
    Facilitator(SOPHIE, "Sophie Leroy", site="Paris", region="Île-de-France"),
)

_PILL = re.compile(r'<a href="https://matrix\.to/#/([^"]+)">([^<]*)</a>')


class Session:
    """One conversation with the bot, written down as it goes."""

    def __init__(self, store: Store, clock: FrozenClock, dispatcher: Dispatcher) -> None:
        self.store = store
        self.clock = clock
        self.dispatcher = dispatcher
        self.lines: list[str] = []
        self._seen = 0
        self._events = 0
        self._quiet = False

    @classmethod
    async def open(cls, folder: Path, **sections: dict) -> Session:
        """A fresh world: the directory, the rooms, Sunday 29 November 2026 at 10:00 in Paris
        (`sections`: more configuration, e.g. referents)."""
        store = await Store.open(folder / "golden.sqlite3")
        clock = FrozenClock(datetime(2026, 11, 29, 9, 0, tzinfo=UTC))
        for person in DIRECTORY:
            await store.facilitators.upsert(person, at=clock.now())

        async def is_facilitator(user_id: str) -> bool:
            profile = await store.facilitators.get(user_id)
            return profile is not None

        config = make_config(
            rooms={"requests": [REQUESTS_ROOM], "facilitators": FACILITATORS_ROOM},
            bot={"coordinators": [CLAIRE]},
            **sections,
        )
        dispatcher = build_dispatcher(config, store, clock, is_facilitator)
        dispatcher.facilitators_room = FACILITATORS_ROOM
        return cls(store, clock, dispatcher)

    async def close(self) -> None:
        await self.store.close()

    # -- writing the script ----------------------------------------------------------------------

    def section(self, title: str) -> None:
        """A heading in the transcript."""
        if not self._quiet:
            self.lines += ["", f"== {title}", ""]

    def note(self, text: str) -> None:
        """A comment in the transcript (what the reader should check)."""
        if not self._quiet:
            self.lines.append(f"   ({text})")

    def quiet(self, on: bool = True) -> None:
        """Set the scene without writing it down."""
        self._quiet = on

    def advance(self, **delta: float) -> None:
        """Let time pass."""
        self.clock.advance(timedelta(**delta))
        if not self._quiet:
            self.lines.append(f"   (… {_span(delta)} plus tard)")

    async def say(
        self,
        who: str,
        body: str,
        *,
        where: str = "requests",
        thread_of: int | None = None,
        mentions: tuple[str, ...] = (),
        reply_to: str | None = None,
    ) -> str:
        """`who` writes `body` in the requests room, a request's thread (`thread_of`), a DM
        (`where="dm"`) or the facilitators room; the bot's answers follow. Returns the
        event id."""
        self._events += 1
        event_id = f"$golden{self._events}"
        room = {
            "requests": REQUESTS_ROOM,
            "facilitators": FACILITATORS_ROOM,
            "dm": _dm_room(who),
        }[where]
        thread_root = None
        if thread_of is not None:
            request = await self.store.requests.get(thread_of)
            assert request is not None
            thread_root = request.thread_root
        event = Incoming(
            event_id=event_id,
            room_id=room,
            sender=who,
            kind="message",
            body=body,
            thread_root=thread_root,
            reply_to=reply_to,
            is_dm=where == "dm",
            mentions=mentions,
        )
        place = _place_label(where, thread_of)
        if not self._quiet:
            self.lines.append(f"» {PEOPLE[who]} ({place}) : {body}")
        await self.dispatcher.handle(event, "dm" if where == "dm" else where)
        await self._flush()
        return event_id

    async def react(self, who: str, key: str, *, to_key: str, label: str) -> None:
        """`who` reacts with `key` to the bot's message queued under `to_key`."""
        self._events += 1
        sent = await self.store.outbox.by_key(to_key)
        assert sent is not None, to_key
        event_id = f"$sent-{sent.seq}"
        await self.store.outbox.mark_sent(sent.seq, event_id, at=self.clock.now())
        target = sent.room_id or _dm_room(sent.dm_user or "")
        event = Incoming(
            event_id=f"$golden{self._events}",
            room_id=target,
            sender=who,
            kind="reaction",
            relates_to=event_id,
            reaction_key=key,
            is_dm=sent.room_id is None,
        )
        if not self._quiet:
            self.lines.append(f"» {PEOPLE[who]} réagit {key} à {label}")
        await self.dispatcher.handle(event, "dm" if sent.room_id is None else "requests")
        await self._flush()

    # -- reading what the bot says ---------------------------------------------------------------

    async def _flush(self) -> None:
        pending = await self.store.outbox.pending(limit=10_000)
        new = sorted((m for m in pending if m.seq > self._seen), key=lambda m: m.seq)
        for message in new:
            self._seen = max(self._seen, message.seq)
            if not self._quiet:
                self.lines += await self._render(
                    message.room_id,
                    message.dm_user,
                    message.content,
                    message.replaces_key,
                    message.event_type,
                )

    async def _render(
        self,
        room_id: str | None,
        dm_user: str | None,
        content: dict[str, Any],
        replaces_key: str | None = None,
        event_type: str = "m.room.message",
    ) -> list[str]:
        where = await self._where(room_id, dm_user, content)
        if event_type.startswith(OP_PREFIX):  # a room operation: an invitation, a removal…
            operation = event_type.removeprefix(OP_PREFIX)
            detail = PEOPLE.get(content.get("user_id", ""), content.get("user_id", ""))
            detail = ", ".join(
                v for v in (detail, content.get("reason"), content.get("topic")) if v
            )
            return [f"  ← {where} : [{operation}{' : ' + detail if detail else ''}]"]
        how = []
        if content.get("msgtype") == "m.text":
            mentioned = content.get("m.mentions", {})
            who = [PEOPLE.get(u, u) for u in mentioned.get("user_ids", [])]
            how.append(
                "notifie "
                + (", ".join(who) if who else "")
                + (" @room" if mentioned.get("room") else "")
            )
        if replaces_key is not None:
            how.append("modifie un message précédent")
        if content.get("msgtype") == "m.file":
            return [f"  ← {where} : [fichier « {content['body']} »]"]
        head = f"  ← {where}" + (f" [{'; '.join(h.strip() for h in how)}]" if how else "")
        body = content.get("body", "").split("\n")
        out = [f"{head} : {body[0]}"] + [f"      {line}" for line in body[1:]]
        for user_id, name in _PILL.findall(content.get("formatted_body", "")):
            out.append(f"      [pastille « {name} » → {user_id}]")
        return out

    async def _where(
        self, room_id: str | None, dm_user: str | None, content: dict[str, Any]
    ) -> str:
        if room_id is None:
            return f"MP à {PEOPLE.get(dm_user or '', dm_user)}"
        for user, name in PEOPLE.items():
            if room_id == _dm_room(user):
                return f"MP à {name}"
        if room_id == FACILITATORS_ROOM:
            return "salon des facilitateurs"
        if room_id.startswith(MISSION_ROOM):
            return f"salle de la mission #{room_id.removeprefix(MISSION_ROOM)}"
        relation = content.get("m.relates_to") or {}
        if relation.get("rel_type") == "m.thread":
            request = await self.store.requests.by_thread(room_id, relation["event_id"])
            return f"fil de la demande #{request.id}" if request else "en réponse, dans un fil"
        return "salon des demandes"

    def text(self) -> str:
        """The transcript."""
        return "\n".join(self.lines).strip() + "\n"


def _dm_room(user_id: str) -> str:
    local = user_id.removeprefix("@").split("-", 1)[0]
    return f"!mp-{local}:{SERVER}"


def _place_label(where: str, thread_of: int | None) -> str:
    if thread_of is not None:
        return f"fil de la demande #{thread_of}"
    return {"requests": "salon des demandes", "facilitators": "salon des facilitateurs"}.get(
        where, "MP au bot"
    )


def _span(delta: dict[str, float]) -> str:
    names = {"days": "jour(s)", "hours": "heure(s)", "minutes": "minute(s)"}
    return ", ".join(f"{value:g} {names.get(unit, unit)}" for unit, value in delta.items())

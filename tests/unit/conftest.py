"""Unit-test helpers: a config, a real SQLite store, a frozen clock, a dispatcher."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Config, config_from_dict
from bot.domain.clock import FrozenClock
from bot.domain.profiles import Facilitator
from bot.matrix.events import Incoming
from handlers.core.dispatch import Dispatcher
from handlers.features import build_dispatcher
from storage.db import migrations
from storage.outbox import MISSION_ROOM, OutgoingMessage, mission_address
from storage.store import Store

# The parse contract of DESIGN.md, in order: the corpus's eleven keys, then topic and missing.
CONTRACT_KEYS = [
    "is_request",
    "event_date",
    "start_time",
    "end_time",
    "duration_minutes",
    "facilitators_needed",
    "format",
    "modality",
    "location",
    "participants",
    "directorate",
    "topic",
    "missing",
    "sessions",
]
COORDINATOR = "@coord:agent.finances.tchap.gouv.fr"
FACILITATOR = "@fac:agent.finances.tchap.gouv.fr"
REQUESTER = "@alice:agent.finances.tchap.gouv.fr"
ROOM = "!requests:agent.finances.tchap.gouv.fr"


@contextmanager
def schema_at(path: Path, version: int) -> Iterator[sqlite3.Connection]:
    """A database file at an older schema `version`, open to write rows as a bot of that
    version would have (committed on leaving); `Store.open` then upgrades it."""
    with sqlite3.connect(path) as conn:
        for _, _, sql in migrations()[:version]:
            conn.executescript(sql)
        conn.execute(f"PRAGMA user_version = {version}")
        yield conn


def make_config(**sections: dict) -> Config:
    """A valid configuration with test values."""
    raw = {
        "matrix": {
            "homeserver": "https://matrix.agent.finances.tchap.gouv.fr",
            "user_id": "@facilibot:agent.finances.tchap.gouv.fr",
            "password": "p",
        },
        "rooms": {"requests": [ROOM]},
        "bot": {"coordinators": [COORDINATOR]},
    }
    raw.update(sections)
    return config_from_dict(raw, base_dir=Path("/tmp"))


@pytest.fixture
def clock() -> FrozenClock:
    """Sunday 29 November 2026, 10:00 in Paris."""
    return FrozenClock(datetime(2026, 11, 29, 9, 0, tzinfo=UTC))


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """A migrated store on a real SQLite file."""
    s = await Store.open(tmp_path / "unit.sqlite3")
    yield s
    await s.close()


@pytest.fixture
def dispatcher(store: Store, clock: FrozenClock) -> Dispatcher:
    """A dispatcher over the real store; FACILITATOR is the only facilitator."""

    async def is_facilitator(user_id: str) -> bool:
        return user_id == FACILITATOR

    return build_dispatcher(make_config(), store, clock, is_facilitator)


_counter = iter(range(1, 1_000_000))


def message(body: str, sender: str = REQUESTER, **fields: object) -> Incoming:
    """An incoming text message with a fresh event id."""
    return Incoming(
        event_id=f"$ev{next(_counter)}",
        room_id=str(fields.pop("room_id", ROOM)),
        sender=sender,
        kind=str(fields.pop("kind", "message")),
        body=body,
        **fields,  # type: ignore[arg-type]
    )


async def queued(store: Store) -> list[OutgoingMessage]:
    """The messages waiting in the outbox, in the order they were queued (whatever their lane)."""
    return sorted(await store.outbox.pending(limit=1000), key=lambda m: m.seq)


async def answers(store: Store) -> list[str]:
    """Bodies of the messages queued for rooms (not new DMs, nor missions' rooms), in order."""
    return [
        m.content["body"]
        for m in await queued(store)
        if m.room_id and not m.room_id.startswith(MISSION_ROOM)
    ]


async def in_mission_room(store: Store, request_id: int) -> list[OutgoingMessage]:
    """What is queued for a mission's room, messages and operations, in order."""
    return [m for m in await queued(store) if m.room_id == mission_address(request_id)]


async def direct_messages(store: Store) -> list[tuple[str, str]]:
    """(recipient, body) of the messages queued for DMs the bot opens itself, in order."""
    pending = await queued(store)
    return [(m.dm_user, m.content["body"]) for m in pending if m.dm_user and not m.room_id]


# -- a directory and a dispatcher for missions ---------------------------------------------------

MISSION_REQUEST = (
    "On cherche 2 facilitateurs pour un séminaire le 12 mars 2027 de 9h à 12h30 à Bercy."
)
PEOPLE = [f"@fac{n}:agent.finances.tchap.gouv.fr" for n in range(1, 9)]
FAR = "@lyon:agent.finances.tchap.gouv.fr"


@pytest.fixture
async def staffed_store(store: Store) -> Store:
    """The store with eight facilitators in Paris (four seminar-skilled) and one in Lyon."""
    at = datetime(2026, 11, 1, tzinfo=UTC)
    for n, who in enumerate(PEOPLE):
        skills = ("seminaire",) if n < 4 else ("atelier",)
        await store.facilitators.upsert(
            Facilitator(who, f"Fac {n}", site="Paris", region="Île-de-France", skills=skills),
            at=at,
        )
    await store.facilitators.upsert(
        Facilitator(FAR, "Lyon", site="Lyon", region="Auvergne-Rhône-Alpes"), at=at
    )
    return store


@pytest.fixture
def missions(staffed_store: Store, clock: FrozenClock) -> Dispatcher:
    """A dispatcher where the people of the directory are the facilitators."""

    async def is_facilitator(user_id: str) -> bool:
        return await staffed_store.facilitators.get(user_id) is not None

    return build_dispatcher(make_config(), staffed_store, clock, is_facilitator)


async def new_request(dispatcher: Dispatcher, text: str = MISSION_REQUEST) -> Incoming:
    """Send a request from REQUESTER and check it was stored."""
    event = message(text)
    assert (await dispatcher.handle(event, "requests")).startswith("request:")
    return event

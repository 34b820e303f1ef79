"""Fuzzing the dispatcher: whatever arrives, no exception escapes and nothing is half-done."""

from __future__ import annotations

import asyncio
import itertools
import os
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.clock import FrozenClock
from bot.domain.profiles import Facilitator
from bot.matrix.events import Incoming
from handlers.features import COMMANDS, build_dispatcher
from storage.store import Store
from tests.unit.conftest import COORDINATOR, REQUESTER, ROOM, make_config

PEOPLE = (REQUESTER, COORDINATOR, "@fac1:agent.finances.tchap.gouv.fr", "@eve:evil.example")
NAMES = sorted({n for c in COMMANDS for n in (c.name, *c.aliases)} | {"frobnique", "ACCEPTE"})
_ids = itertools.count()

words = st.one_of(
    st.sampled_from(
        ["1", "#1", "2", "#999999999", "0", "-3", "1e9", "@fac1:agent.finances.tchap.gouv.fr",
         "@", "²", "٣", "décembre", "pourvues", "toutes", "aide", "  ", "\u200b", "<b>x</b>",
         "'; DROP"]
    ),
    st.text(min_size=0, max_size=30),
)  # fmt: skip
commands = st.builds(
    lambda name, args, prefix: f"{prefix}{name} " + " ".join(args),
    st.sampled_from(NAMES),
    st.lists(words, max_size=4),
    st.sampled_from(["!", "!", "! ", "!!"]),
)
free_text = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "Un facilitateur pour un atelier le 12 mars 2027 de 14h à 16h à Bercy",
            "On cherche 2 facilitateurs demain à 9h en visio",
            "Atelier le 3 janvier 2020 à 10h à Lyon",
            "merci !",
        ]
    ),
)
events = st.builds(
    lambda body, sender, kind, thread, dm, key, target: Incoming(
        event_id=f"$fuzz{next(_ids)}",
        room_id=ROOM,
        sender=sender,
        kind=kind,
        body=body if kind != "reaction" else "",
        thread_root=thread if kind == "message" else None,
        relates_to=target if kind != "message" else None,
        reaction_key=key if kind == "reaction" else None,
        is_dm=dm,
    ),
    st.one_of(commands, free_text),
    st.sampled_from(PEOPLE),
    st.sampled_from(["message", "message", "message", "edit", "reaction"]),
    st.sampled_from([None, None, "$seed0", "$unknown"]),
    st.booleans(),
    st.sampled_from(["✅", "👍", "✔️", ""]),
    st.sampled_from(["$seed0", "$unknown", "$ping"]),
)


def test_no_event_makes_the_dispatcher_fail(tmp_path: Path) -> None:
    loop = asyncio.new_event_loop()
    store = loop.run_until_complete(Store.open(tmp_path / "fuzz.sqlite3"))
    clock = FrozenClock(datetime(2026, 11, 29, 9, 0, tzinfo=UTC))

    async def is_facilitator(user_id: str) -> bool:
        return "fac" in user_id

    dispatcher = build_dispatcher(make_config(), store, clock, is_facilitator)

    async def seed() -> None:
        await store.facilitators.upsert(
            Facilitator(PEOPLE[2], "Fac", site="Paris", skills=("atelier",)), at=clock.now()
        )
        seed_event = Incoming(
            event_id="$seed0",
            room_id=ROOM,
            sender=REQUESTER,
            kind="message",
            body="Un facilitateur pour un atelier le 12 mars 2027 de 14h à 16h à Bercy",
        )
        assert await dispatcher.handle(seed_event, "requests") == "request:1"

    loop.run_until_complete(seed())
    outcomes: set[str] = set()

    @settings(
        max_examples=10_000,
        deadline=None,
        database=None,
        # CI replays the same 10,000 cases; a developer's run explores new ones.
        derandomize=bool(os.environ.get("CI")),
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(event=events, room_kind=st.sampled_from(["requests", "facilitators", "dm"]))
    def handle(event: Incoming, room_kind: str) -> None:
        outcome = loop.run_until_complete(dispatcher.handle(event, room_kind))
        assert outcome != "error", event
        outcomes.add(outcome.split(":")[0])
        # A refused or ignored event leaves no transaction open behind it.
        assert not store.db.conn.in_transaction

    try:
        handle()
    finally:
        loop.run_until_complete(store.close())
        loop.close()
    # The fuzzer reached the interesting paths, not only the refusals.
    assert {"command", "refused", "ignored"} <= outcomes

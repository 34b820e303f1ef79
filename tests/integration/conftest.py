"""A real Synapse for the whole session, and a small world of people and bots per test."""

from __future__ import annotations

import asyncio
import itertools
import logging
import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.config import Config, config_from_dict
from bot.sandbox.homeserver import RegisteredUser, Synapse
from bot.sandbox.people import Person, until

log = logging.getLogger(__name__)
_ids = itertools.count(1)


@pytest.fixture(scope="session")
async def synapse() -> AsyncIterator[Synapse]:
    """Start one Synapse on a free loopback port for the whole test session."""
    server = Synapse()
    await server.start()
    yield server
    await server.stop()
    server.cleanup()


class World:
    """People, rooms and bots of one test, on the shared homeserver."""

    def __init__(self, synapse: Synapse, tmp_path: Path) -> None:
        self.synapse = synapse
        self.tmp = tmp_path
        self.people: list[Person] = []
        self.apps: list[App] = []
        self.bot_user: RegisteredUser | None = None

    async def person(self, name: str) -> Person:
        """Register and start a person with a unique account."""
        plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        localpart = f"{plain.lower().replace(' ', '.')}.{next(_ids)}"
        user = await self.synapse.register(localpart)
        person = Person(self.synapse.url, user, self.tmp / "people" / localpart, name)
        await person.start()
        self.people.append(person)
        return person

    async def bot_account(self) -> RegisteredUser:
        """The bot's account (one per test)."""
        if self.bot_user is None:
            self.bot_user = await self.synapse.register(f"facilibot.{next(_ids)}", "bot-password")
        return self.bot_user

    async def config(self, **sections: Any) -> Config:
        """A bot configuration pointing at the test homeserver."""
        bot = await self.bot_account()
        raw: dict[str, Any] = {
            "matrix": {
                "homeserver": self.synapse.url,
                "user_id": bot.user_id,
                "password": bot.password,
                "store_path": "store",
            },
            "storage": {"database": "facilibot.sqlite3"},
        }
        for name, values in sections.items():
            raw[name] = {**raw.get(name, {}), **values}
        return config_from_dict(raw, base_dir=self.tmp / "bot")

    async def config_file(self, path: Path, *, requests: list[str]) -> Path:
        """A configuration file for `facilibot run` (the password comes from the environment)."""
        bot = await self.bot_account()
        rooms = ", ".join(f'"{room}"' for room in requests)
        text = (
            f'[matrix]\nhomeserver = "{self.synapse.url}"\nuser_id = "{bot.user_id}"\n'
            f'store_path = "store"\n[rooms]\nrequests = [{rooms}]\n'
            f'[storage]\ndatabase = "bot.sqlite3"\n'
        )
        await asyncio.to_thread(path.write_text, text, encoding="utf-8")
        return path

    async def start_bot(self, config: Config, **kwargs: Any) -> App:
        """Start a bot and wait for its first sync and its schedule to run."""
        app = App(config, **kwargs)
        await app.start()
        self.apps.append(app)
        await until(lambda: app.sync.ready.is_set(), timeout=30)
        await until(app._scheduler_running, timeout=30)
        return app

    async def stop_bot(self, app: App) -> None:
        """Stop a bot started by `start_bot`."""
        await app.stop()
        self.apps.remove(app)

    async def close(self) -> None:
        """Stop everything this test started."""
        for app in list(self.apps):
            await app.stop()
        for person in self.people:
            await person.stop()


@pytest.fixture
async def world(synapse: Synapse, tmp_path: Path) -> AsyncIterator[World]:
    """A fresh world on the session's homeserver."""
    w = World(synapse, tmp_path)
    yield w
    await w.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder as an integration test."""
    for item in items:
        if "integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)

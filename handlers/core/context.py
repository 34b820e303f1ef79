"""What every handler receives: the event, the sender's roles, storage, chat and clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from bot.config import Config
from bot.domain.clock import Clock
from bot.domain.content import Rendered
from bot.domain.requests import Request
from bot.matrix.events import Incoming
from handlers.core.language import render
from handlers.core.wording import UNKNOWN_REQUEST
from storage.outbox import Attachment
from storage.store import Store

if TYPE_CHECKING:
    from handlers.core.commands import Command


class UserError(Exception):
    """A problem the user can fix; its text is the answer they get.

    Given a `Say` and its values, the answer is written in the reader's language;
    `text` is the French one.
    """

    def __init__(self, text: str, **values: object) -> None:
        self.sentence = text
        self.values = values
        self.text = text.format(**values) if values else text
        super().__init__(self.text)

    def text_in(self, lang: str) -> str:
        """The answer in `lang`."""
        return render(self.sentence, lang, **self.values)


class Chat(Protocol):
    """Where handlers put what the bot says (sent after the handler's transaction)."""

    async def reply(
        self, event: Incoming, message: Rendered, *, thread: bool | None = None
    ) -> str: ...

    async def send(
        self,
        room_id: str,
        message: Rendered,
        *,
        key: str,
        notice: bool = True,
        mentions: tuple[str, ...] = (),
        thread_root: str | None = None,
        reply_to: str | None = None,
    ) -> None: ...

    async def dm(
        self, user_id: str, message: Rendered, *, key: str, notice: bool = False
    ) -> None: ...

    async def edit(self, original_key: str, message: Rendered, *, key: str) -> bool: ...

    async def file(
        self,
        attachment: Attachment,
        *,
        key: str,
        room_id: str | None = None,
        dm_user: str | None = None,
        thread_root: str | None = None,
    ) -> None: ...

    async def image(
        self,
        attachment: Attachment,
        size: tuple[int, int],
        *,
        key: str,
        room_id: str | None = None,
        dm_user: str | None = None,
        thread_root: str | None = None,
    ) -> None: ...

    async def announce(self, room_id: str, message: Rendered, *, key: str) -> None: ...

    async def operate(self, room_id: str, operation: str, *, key: str, **fields: str) -> None: ...


@dataclass
class Context:
    """Everything a handler may use, passed explicitly."""

    event: Incoming
    config: Config
    store: Store
    chat: Chat
    clock: Clock
    is_facilitator: Callable[[str], Awaitable[bool]]
    commands: tuple[Command, ...] = ()  # the bot's commands, for help and suggestions
    room_kind: str = "requests"  # "requests", "facilitators", "mission", "dm"
    lang: str = "fr"  # the language to answer in (see `handlers.core.language`)
    facilitators_room: str | None = None  # its room id, once joined
    # Jobs the handler created due now, settled as soon as its transaction has
    # committed and its answers are on their way (see `Dispatcher.handle`).
    due_now: list[int] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        """The configured command prefix (`!` by default), for every command in a sentence."""
        return self.config.bot.command_prefix

    def say(self, sentence: str, **values: object) -> str:
        """A sentence in the reader's language, with its values."""
        return render(sentence, self.lang, **values)

    @property
    def place(self) -> str:
        """Where the bot answers this event — a DM, or a thread (a command's answer opens
        one under it) — so that « oui » there is known as the answer to its question."""
        event = self.event
        if event.is_dm:
            return f"{event.room_id}|"
        return f"{event.room_id}|{event.thread_root or event.event_id}"

    @property
    def sender(self) -> str:
        """Who sent the event."""
        return self.event.sender

    @property
    def is_coordinator(self) -> bool:
        """Whether the sender is a coordinator (from config only)."""
        return self.config.is_coordinator(self.event.sender)

    async def may_facilitate(self) -> bool:
        """Whether the sender may act as a facilitator: facilitators, and coordinators."""
        return self.is_coordinator or await self.is_facilitator(self.sender)

    async def request(self, number: int) -> Request:
        """The request numbered `number`.

        Raises:
            UserError: there is none; the answer says how to list them.
        """
        request = await self.store.requests.get(number)
        if request is None:
            raise UserError(UNKNOWN_REQUEST, id=number, prefix=self.prefix)
        return request

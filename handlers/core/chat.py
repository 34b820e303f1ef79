"""The `Chat` handlers talk to: it writes to the durable outbox, in the open transaction."""

from __future__ import annotations

from bot.domain.clock import Clock
from bot.domain.content import (
    Rendered,
    file_content,
    image_content,
    message_content,
    thread_relation,
)
from bot.matrix.events import Incoming
from storage.outbox import ANSWER, FAN_OUT, Attachment, OutboxRepository


class OutboxChat:
    """Queue messages in the outbox; the sender delivers them after commit.

    A message goes to the database with the transaction's next statement or
    its commit (nobody reads the insert's result), and a message already
    queued under the same key is left as it is. Answers (`reply`) take the
    outbox's first lane: they go out before pending pings and notices.
    """

    def __init__(self, outbox: OutboxRepository, clock: Clock) -> None:
        self.outbox = outbox
        self.clock = clock
        self._replies: dict[str, int] = {}

    async def reply(self, event: Incoming, message: Rendered, *, thread: bool | None = None) -> str:
        """Answer an event: in its thread in rooms, as a plain reply in DMs.

        Returns the outbox key of the answer (to edit it later).
        """
        n = self._replies.get(event.event_id, 0)
        self._replies[event.event_id] = n + 1
        key = f"reply:{event.event_id}:{n}"
        if event.kind == "reaction":  # a reaction is not a message to reply to
            thread_root, reply_to = event.thread_root, None
        else:
            if thread is None:
                thread = not event.is_dm or event.thread_root is not None
            thread_root, reply_to = (event.conversation_root if thread else None), event.event_id
        content = message_content(message, notice=True, thread_root=thread_root, reply_to=reply_to)
        await self._queue(key=key, content=content, room_id=event.room_id, lane=ANSWER)
        return key

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
    ) -> None:
        """Queue a message to a room (once per key)."""
        content = message_content(
            message, notice=notice, mentions=mentions, thread_root=thread_root, reply_to=reply_to
        )
        await self._queue(key=key, content=content, room_id=room_id)

    async def dm(self, user_id: str, message: Rendered, *, key: str, notice: bool = False) -> None:
        """Queue a direct message (the DM room is created on first use)."""
        content = message_content(message, notice=notice, mentions=() if notice else (user_id,))
        await self._queue(key=key, content=content, dm_user=user_id)

    async def edit(self, original_key: str, message: Rendered, *, key: str) -> bool:
        """Queue an edit (`m.replace`) of a message queued earlier under `original_key`;
        False if there is no such message."""
        original = await self.outbox.by_key(original_key)
        if original is None:
            return False
        content = message_content(message, notice=original.content.get("msgtype") == "m.notice")
        await self._queue(
            key=key,
            content=content,
            room_id=original.room_id,
            dm_user=original.dm_user if original.room_id is None else None,
            replaces_key=original_key,
        )
        return True

    async def file(
        self,
        attachment: Attachment,
        *,
        key: str,
        room_id: str | None = None,
        dm_user: str | None = None,
        thread_root: str | None = None,
    ) -> None:
        """Queue a file (`m.file`), uploaded by the sender just before it is sent."""
        content = file_content(attachment.name, attachment.mimetype, len(attachment.data))
        if thread_root:
            content["m.relates_to"] = thread_relation(thread_root)
        await self._queue(
            key=key, content=content, room_id=room_id, dm_user=dm_user, attachment=attachment
        )

    async def image(
        self,
        attachment: Attachment,
        size: tuple[int, int],
        *,
        key: str,
        room_id: str | None = None,
        dm_user: str | None = None,
        thread_root: str | None = None,
    ) -> None:
        """Queue an image (`m.image`, `size` in pixels), uploaded — encrypted where the room
        is — by the sender just before it is sent."""
        width, height = size
        content = image_content(
            attachment.name, attachment.mimetype, len(attachment.data), width, height
        )
        if thread_root:
            content["m.relates_to"] = thread_relation(thread_root)
        await self._queue(
            key=key, content=content, room_id=room_id, dm_user=dm_user, attachment=attachment
        )

    async def announce(self, room_id: str, message: Rendered, *, key: str) -> None:
        """Queue an `m.text` that notifies the whole room (`@room`, `m.mentions.room`)."""
        content = message_content(message, notice=False, room_mention=True)
        await self._queue(key=key, content=content, room_id=room_id)

    async def _queue(self, *, lane: int = FAN_OUT, **message: object) -> None:
        await self.outbox.queue(at=self.clock.now(), lane=lane, **message)

"""The `Chat` handlers talk to: it writes to the durable outbox, in the open transaction."""

from __future__ import annotations

from bot.clock import Clock
from bot.content import Rendered, file_content, message_content, thread_relation
from bot.events import Incoming
from storage.outbox import Attachment, OutboxRepository


class OutboxChat:
    """Queue messages in the outbox; the sender delivers them after commit."""

    def __init__(self, outbox: OutboxRepository, clock: Clock) -> None:
        self.outbox = outbox
        self.clock = clock
        self._replies: dict[str, int] = {}
        self.queued = 0

    async def reply(self, event: Incoming, message: Rendered, *, thread: bool | None = None) -> str:
        """Answer an event: in its thread in rooms, as a plain reply in DMs.

        Returns the outbox key of the answer (to edit it later).
        """
        n = self._replies.get(event.event_id, 0)
        self._replies[event.event_id] = n + 1
        key = f"reply:{event.event_id}:{n}"
        if event.kind == "reaction":  # a reaction is not a message to reply to
            await self.send(event.room_id, message, key=key, thread_root=event.thread_root)
            return key
        if thread is None:
            thread = not event.is_dm or event.thread_root is not None
        await self.send(
            event.room_id,
            message,
            key=key,
            thread_root=event.conversation_root if thread else None,
            reply_to=event.event_id,
        )
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
    ) -> bool:
        """Queue a message to a room; False if that key was already queued."""
        content = message_content(
            message, notice=notice, mentions=mentions, thread_root=thread_root, reply_to=reply_to
        )
        return await self._enqueue(key=key, content=content, room_id=room_id)

    async def dm(self, user_id: str, message: Rendered, *, key: str, notice: bool = False) -> bool:
        """Queue a direct message (the DM room is created on first use)."""
        content = message_content(message, notice=notice, mentions=() if notice else (user_id,))
        return await self._enqueue(key=key, content=content, dm_user=user_id)

    async def edit(self, original_key: str, message: Rendered, *, key: str) -> bool:
        """Queue an edit (`m.replace`) of a message queued earlier under `original_key`."""
        original = await self.outbox.by_key(original_key)
        if original is None:
            return False
        content = message_content(message, notice=original.content.get("msgtype") == "m.notice")
        return await self._enqueue(
            key=key,
            content=content,
            room_id=original.room_id,
            dm_user=original.dm_user if original.room_id is None else None,
            replaces_key=original_key,
        )

    async def file(
        self,
        attachment: Attachment,
        *,
        key: str,
        room_id: str | None = None,
        dm_user: str | None = None,
        thread_root: str | None = None,
    ) -> bool:
        """Queue a file (`m.file`), uploaded by the sender just before it is sent."""
        content = file_content(attachment.name, attachment.mimetype, len(attachment.data))
        if thread_root:
            content["m.relates_to"] = thread_relation(thread_root)
        return await self._enqueue(
            key=key, content=content, room_id=room_id, dm_user=dm_user, attachment=attachment
        )

    # -- schedule (issue 6) --
    async def announce(self, room_id: str, message: Rendered, *, key: str) -> bool:
        """Queue an `m.text` that notifies the whole room (`@room`, `m.mentions.room`)."""
        content = message_content(message, notice=False, room_mention=True)
        return await self._enqueue(key=key, content=content, room_id=room_id)

    # -- end schedule --

    async def _enqueue(self, **kwargs: object) -> bool:
        queued = await self.outbox.enqueue(at=self.clock.now(), **kwargs)  # type: ignore[arg-type]
        self.queued += int(queued)
        return queued

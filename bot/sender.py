"""Delivers the outbox: in order, retried until the homeserver accepts, never twice."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import ClientError
from nio.exceptions import LocalProtocolError

from bot.backoff import Backoff, Pacer
from bot.client import MatrixClient, MatrixError
from bot.clock import Clock
from bot.content import edit_content
from storage.outbox import MAX_ATTEMPTS, OutgoingMessage
from storage.store import Store

log = logging.getLogger(__name__)


class OutboxSender:
    """A background task that sends pending outbox messages when woken."""

    def __init__(
        self, client: MatrixClient, store: Store, clock: Clock, pacer: Pacer | None = None
    ) -> None:
        self.client = client
        self.store = store
        self.clock = clock
        self.backoff = Backoff()
        self.pacer = pacer
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self.sent = 0
        self.retries = 0

    def wake(self) -> None:
        """Ask for a delivery round soon."""
        self._idle.clear()
        self._wake.set()

    async def wait_idle(self) -> None:
        """Wait until nothing is pending (tests, shutdown)."""
        await self._idle.wait()

    async def run(self) -> None:
        """Deliver until cancelled."""
        self._wake.set()  # messages left by a previous run go first
        while True:
            await self._wake.wait()
            self._wake.clear()
            while True:
                batch = await self.store.outbox.pending()
                if not batch:
                    break
                for message in batch:
                    if not await self._deliver(message):
                        self.retries += 1
                        delay = await self.backoff.sleep()
                        log.info("outbox paused %.1fs after a failed send", delay)
                        break
                else:
                    continue
            self._idle.set()

    async def _deliver(self, message: OutgoingMessage) -> bool:
        """Send one message; False means "try again later"."""
        if self.pacer is not None:
            await self.pacer.wait()
        try:
            room_id = message.room_id or await self._dm_room(message)
            content = message.content
            if message.replaces_key:
                original = await self.store.outbox.by_key(message.replaces_key)
                if original is None or original.event_id is None:
                    await self.store.outbox.mark_failed_attempt(
                        message.seq, "original message was never sent", give_up=True
                    )
                    return True
                content = edit_content(content, original.event_id)
            if message.attachment is not None:
                file = message.attachment
                where = await self.client.upload(
                    room_id, file.data, name=file.name, mimetype=file.mimetype
                )
                content = {**content, **where}
            event_id = await self.client.send(room_id, message.event_type, content, message.txn_id)
        except MatrixError as exc:
            give_up = exc.permanent or message.attempts + 1 >= MAX_ATTEMPTS
            await self.store.outbox.mark_failed_attempt(message.seq, str(exc), give_up=give_up)
            log.warning("send %s failed (%s)%s", message.key, exc.code, " — given up" * give_up)
            return give_up
        except (ClientError, TimeoutError, OSError, LocalProtocolError) as exc:
            log.warning("send %s failed: %s", message.key, type(exc).__name__)
            return False
        await self.store.outbox.mark_sent(message.seq, event_id, self.clock.now())
        self.backoff.reset()
        self.sent += 1
        log.debug("sent %s as %s", message.key, event_id)
        return True

    async def _dm_room(self, message: OutgoingMessage) -> str:
        assert message.dm_user is not None
        room_id = await self.store.state.dm_room(message.dm_user)
        if room_id is None:
            room_id = await self.client.create_dm(message.dm_user)
            await self.store.state.set_dm_room(message.dm_user, room_id, self.clock.now())
        await self.store.outbox.set_room(message.seq, room_id)
        return room_id

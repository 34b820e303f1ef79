"""Delivers the outbox: in order, retried until the homeserver accepts, never twice."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import ClientError
from nio.exceptions import LocalProtocolError

from bot.domain.clock import Clock
from bot.domain.content import edit_content
from bot.matrix.backoff import Backoff, Pacer
from bot.matrix.client import MatrixClient, MatrixError
from storage.outbox import ANSWER, FAN_OUT, MAX_ATTEMPTS, OutgoingMessage
from storage.store import Store

log = logging.getLogger(__name__)


class _Lane:
    """One lane's delivery loop state."""

    def __init__(self) -> None:
        self.wake = asyncio.Event()
        self.idle = asyncio.Event()
        self.backoff = Backoff()


class OutboxSender:
    """Background tasks that send pending outbox messages when woken.

    One task per outbox lane: an answer to someone waiting in the chat never
    waits behind a ping in flight, and fan-out (pings, notices, reminders)
    goes only while no answer is pending, keeping the pacer's reserve for them.
    Each lane sends in order.
    """

    def __init__(
        self, client: MatrixClient, store: Store, clock: Clock, pacer: Pacer | None = None
    ) -> None:
        self.client = client
        self.store = store
        self.clock = clock
        self.pacer = pacer
        self._lanes = {ANSWER: _Lane(), FAN_OUT: _Lane()}
        self.sent = 0
        self.retries = 0

    def wake(self) -> None:
        """Ask for a delivery round soon."""
        for lane in self._lanes.values():
            lane.idle.clear()
            lane.wake.set()

    async def wait_idle(self) -> None:
        """Wait until nothing is pending (tests, shutdown)."""
        for lane in self._lanes.values():
            await lane.idle.wait()

    async def answers_sent(self) -> None:
        """Wait until no answer is waiting to be sent."""
        await self._lanes[ANSWER].idle.wait()

    async def run(self) -> None:
        """Deliver until cancelled."""
        await asyncio.gather(*(self._run(number) for number in self._lanes))

    async def _run(self, number: int) -> None:
        lane = self._lanes[number]
        lane.wake.set()  # messages left by a previous run go first
        while True:
            await lane.wake.wait()
            lane.wake.clear()
            while batch := await self.store.outbox.pending(lane=number):
                if not await self._deliver_batch(number, lane, batch):
                    self.retries += 1
                    delay = await lane.backoff.sleep()
                    log.info("outbox lane %d paused %.1fs after a failed send", number, delay)
            lane.idle.set()

    async def _deliver_batch(self, number: int, lane: _Lane, batch: list[OutgoingMessage]) -> bool:
        """Send a batch in order; False at the first send to try again later."""
        for message in batch:
            if number == FAN_OUT:
                await self.answers_sent()
                if self.pacer is not None:
                    await self.pacer.wait(fan_out=True)
            elif self.pacer is not None:
                await self.pacer.wait()
            if not await self._deliver(message):
                return False
            lane.backoff.reset()
        return True

    async def _deliver(self, message: OutgoingMessage) -> bool:
        """Send one message; False means "try again later"."""
        try:
            room_id = message.room_id or await self._dm_room(message)
            content = message.content
            if message.replaces_key:
                original = await self.store.outbox.by_key(message.replaces_key)
                if original is not None and original.state == "pending":
                    return False  # an answer not sent yet: after it
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

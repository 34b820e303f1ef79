"""Delivers the outbox: in order, retried until the homeserver accepts, never twice."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import ClientError
from nio.exceptions import LocalProtocolError

from bot.domain.clock import Clock
from bot.domain.content import edit_content
from bot.matrix.backoff import Backoff, Pacer
from bot.matrix.client import MatrixClient, MatrixError
from storage.mission_rooms import LEFT
from storage.outbox import (
    ANSWER,
    BATCH,
    FAN_OUT,
    MAX_ATTEMPTS,
    MISSION_ROOM,
    OP_INVITE,
    OP_KICK,
    OP_LEAVE,
    OP_PREFIX,
    OP_TOPIC,
    OutgoingMessage,
)
from storage.store import Store

log = logging.getLogger(__name__)

INVITES_PER_SECOND, INVITE_BURST = 1.0, 5


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
        # Invitations in bulk go at about one a second, as Tchap asks of bots; the few
        # of one mission go at once.
        self.invites = Pacer(INVITES_PER_SECOND, INVITE_BURST)
        # Told of each mission room created (True) or left (False), to serve it or not.
        self.on_mission_room: Callable[[str, bool], None] = lambda room_id, served: None

    def wake(self) -> None:
        """Ask for a delivery round soon, of the lanes that got messages."""
        for number in self.store.outbox.take_queued():
            lane = self._lanes[number]
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
            # What the commit that woke it read for it, unless a send settled since.
            batch = self.store.outbox.take_read(number)
            if batch is None:
                batch = await self.store.outbox.pending(lane=number)
            while batch:
                if not await self._deliver_batch(number, lane, batch):
                    self.retries += 1
                    delay = await lane.backoff.sleep()
                    log.info("outbox lane %d paused %.1fs after a failed send", number, delay)
                elif len(batch) < BATCH and not lane.wake.is_set():
                    break  # all sent, and nothing queued since: no read to learn that
                batch = await self.store.outbox.pending(lane=number)
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
            room_id = await self._room_of(message)
            if room_id is None:
                await self.store.outbox.mark_failed_attempt(
                    message.seq, "the mission has no room", give_up=True
                )
                return True
            if message.event_type.startswith(OP_PREFIX):
                await self._operate(room_id, message)
                await self.store.outbox.mark_sent(
                    message.seq, None, self.clock.now(), room_id=room_id
                )
                return True
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
        await self.store.outbox.mark_sent(message.seq, event_id, self.clock.now(), room_id=room_id)
        self.sent += 1
        log.debug("sent %s as %s", message.key, event_id)
        return True

    async def _room_of(self, message: OutgoingMessage) -> str | None:
        """The room a message goes to, creating a DM or a mission room on first use."""
        if message.room_id is None:
            return await self._dm_room(message)
        if message.room_id.startswith(MISSION_ROOM):
            return await self._mission_room(message)
        return message.room_id

    async def _dm_room(self, message: OutgoingMessage) -> str:
        user = message.dm_user
        assert user is not None
        room_id = await self.store.state.dm_room(user)
        if room_id is None:
            key = f"dm:{user}"
            room_id = await self._create_once(key, lambda: self.client.create_dm(user, tag=key))
            async with self.store.db.transaction():
                await self.store.state.set_dm_room(user, room_id, self.clock.now())
                await self.store.state.done_creating(key)
        return room_id

    async def _mission_room(self, message: OutgoingMessage) -> str | None:
        assert message.room_id is not None
        key = message.room_id
        request_id = int(key.removeprefix(MISSION_ROOM))
        room = await self.store.mission_rooms.get(request_id)
        if room is None:
            return None
        room_id = room.room_id
        if room_id is None:
            name, topic = room.name, room.topic
            room_id = await self._create_once(
                key, lambda: self.client.create_private_room(name, topic, tag=key)
            )
            async with self.store.db.transaction():
                await self.store.mission_rooms.set_room(request_id, room_id, self.clock.now())
                await self.store.state.done_creating(key)
            self.on_mission_room(room_id, True)
        return room_id

    async def _create_once(self, key: str, create: Callable[[], Awaitable[str]]) -> str:
        """Create the room `key` once, whatever crash comes between asking and recording.

        The intent is recorded (and committed) before the homeserver is asked;
        finding it on a later try means the room may exist: it is looked for
        among the bot's rooms by its tag before another is made.
        """
        if await self.store.state.creating(key):
            found = await self.client.find_tagged_room(key)
            if found is not None:
                return found
        await self.store.state.start_creating(key, self.clock.now())
        try:
            return await create()
        except MatrixError:
            # The homeserver answered no (a rate limit, a refusal): nothing was made, and
            # the next try need not look for it among all the bot's rooms.
            await self.store.state.done_creating(key)
            raise

    async def _operate(self, room_id: str, message: OutgoingMessage) -> None:
        """Carry out a room operation queued in the outbox."""
        content = message.content
        if message.event_type == OP_INVITE:
            await self.invites.wait()
            await self.client.invite(room_id, content["user_id"])
        elif message.event_type == OP_KICK:
            await self.client.kick(room_id, content["user_id"], content.get("reason", ""))
        elif message.event_type == OP_TOPIC:
            await self.client.set_topic(room_id, content["topic"])
        elif message.event_type == OP_LEAVE:
            await self.client.leave(room_id)
            room = await self.store.mission_rooms.by_room(room_id)
            if room is not None:
                await self.store.mission_rooms.set_state(room.request_id, LEFT, self.clock.now())
            self.on_mission_room(room_id, False)
        log.info("%s in %s (%s)", message.event_type.removeprefix(OP_PREFIX), room_id, message.key)

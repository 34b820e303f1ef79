"""The sync loop: resume from the stored token, fill gaps, back off when the server is away."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import ClientError
from nio import InviteMemberEvent, SyncResponse

from bot.domain.clock import Clock
from bot.matrix.backoff import Backoff
from bot.matrix.client import MatrixClient
from storage.state import SYNC_TOKEN, StateRepository

log = logging.getLogger(__name__)

SYNC_TIMEOUT_MS = 30_000
# The longest the loop waits for `before_next` (the answers of a batch going out).
BEFORE_NEXT_WAIT = 2.0
MAX_GAP_EVENTS = 2_000
# The first sync of a new bot only needs room state: history is not replayed.
# The bot reads the rooms' timelines (and state) only. Read receipts, typing and
# presence would each wake its long-poll for nothing: in a room read with Element,
# every member's client posts a receipt for each message it shows.
_NONE: dict[str, Any] = {"not_types": ["*"]}
_QUIET = {"ephemeral": _NONE, "account_data": _NONE}
FIRST_SYNC_FILTER = {"room": {"timeline": {"limit": 1}, **_QUIET}, "presence": _NONE}
# Uploaded once a start, used by id.
SYNC_FILTER = {"room": {"timeline": {"limit": 100}, **_QUIET}, "presence": _NONE}
# A sync that brought only the bot's own events (its answers and pings coming back:
# one of the two syncs a request makes) stores its token at most this often.
# Starting from an older token replays only such events, recognised and skipped.
QUIET_TOKEN_EVERY_S = 60


@dataclass
class SyncBatch:
    """What one sync brought: timeline events per joined room, and invites."""

    timelines: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    invites: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Megolm sessions whose room key came with this sync (to-device, already decrypted).
    room_keys: set[str] = field(default_factory=set)
    # Every event in it is new to the bot: the sync went on from the previous batch of
    # this run, handled in full (a sync's events come after its `since`, once). After a
    # start or a failed batch, some may have been handled already.
    unseen: bool = False

    def only_from(self, user_id: str) -> bool:
        """Whether everything it brought was sent by `user_id` (nothing to handle)."""
        if self.invites or self.room_keys:
            return False
        return all(e.get("sender") == user_id for ev in self.timelines.values() for e in ev)


class SyncLoop:
    """Long-poll `/sync` forever, handing each batch over before storing the token."""

    def __init__(
        self,
        client: MatrixClient,
        state: StateRepository,
        clock: Clock,
        on_batch: Callable[[SyncBatch], Awaitable[None]],
        before_next: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.client = client
        self.state = state
        self.clock = clock
        self.on_batch = on_batch
        # Awaited (at most BEFORE_NEXT_WAIT) before each long-poll after a batch.
        self.before_next = before_next
        self.backoff = Backoff()
        self.last_success = None
        self.ready = asyncio.Event()
        self._stored_at: datetime | None = None  # when the token was last stored

    async def run(self) -> None:
        """Sync until cancelled."""
        token = await self.state.get(SYNC_TOKEN)
        first_ever = token is None
        started_ms = int(self.clock.now().timestamp() * 1000)
        full_state = True  # load room state after a restart: no "No such room"
        handled_to: str | None = None  # the token after the last batch handled in full
        sync_filter: str | dict[str, Any] = SYNC_FILTER
        while True:
            try:
                response = await self.client.nio.sync(
                    timeout=0 if full_state else SYNC_TIMEOUT_MS,
                    since=token,
                    full_state=full_state,
                    sync_filter=FIRST_SYNC_FILTER if first_ever else sync_filter,
                )
            except (ClientError, TimeoutError, OSError) as exc:
                delay = await self._sleep()
                log.warning("sync failed (%s); retrying in %.1fs", type(exc).__name__, delay)
                continue
            if not isinstance(response, SyncResponse):
                code = getattr(response, "status_code", None)
                delay = await self._sleep()
                log.warning("sync refused (%s); retrying in %.1fs", code, delay)
                continue
            self.backoff.reset()
            room_keys = self.client.note_sync(response)
            if first_ever:
                batch = self._recent_only(response, started_ms)
            else:
                batch = await self._batch(response, token)
            batch.room_keys = room_keys
            batch.unseen = token is not None and token == handled_to
            try:
                await self.on_batch(batch)
            except Exception:
                handled_to = None
                # The token is not advanced: the same batch comes again, and
                # the events already handled are recognised and skipped.
                log.exception("handling a sync batch failed; it will be fetched again")
                await self._keys()
                await self._sleep()
                continue
            # Key uploads, queries and claims after the batch, not before: the batch's
            # answers are committed and their sender has the keys' lock first. Nothing
            # in handling needs them (nio decrypted the batch; sending prepares its
            # own room), and they overlap with the answers' round trips.
            await self._keys()
            # Only now is the batch safely handled (effects and handled ids committed).
            token = handled_to = response.next_batch
            now = self.clock.now()
            stored = self._stored_at
            stale = stored is None or (now - stored).total_seconds() >= QUIET_TOKEN_EVERY_S
            if stale or not batch.only_from(self.client.nio.user_id):
                # Behind: lost in a crash, the older token replays handled events.
                self.state.put_behind(SYNC_TOKEN, token)
                self._stored_at = now
            self.last_success = now
            if full_state:  # the first sync of this start: the filter by id from now on
                sync_filter = await self.client.upload_sync_filter(SYNC_FILTER) or sync_filter
            first_ever = full_state = False
            self.ready.set()
            if self.before_next is not None and batch.timelines:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow the
                # cancellation that stops this loop when its wait ends at the same time.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(BEFORE_NEXT_WAIT):
                        await self.before_next()

    async def _sleep(self) -> float:
        return await self.backoff.sleep()

    async def _keys(self) -> None:
        try:
            await self.client.keys_maintenance()
        except (ClientError, TimeoutError, OSError) as exc:
            log.warning("key maintenance failed (%s); will retry next sync", type(exc).__name__)

    def _invites(self, response: SyncResponse) -> dict[str, list[dict[str, Any]]]:
        invites = {}
        for room_id, info in response.rooms.invite.items():
            # nio pops `content` out of invite-state sources: rebuild the member events.
            invites[room_id] = [
                {
                    "type": "m.room.member",
                    "sender": event.sender,
                    "state_key": event.state_key,
                    "content": event.content,
                }
                for event in info.invite_state
                if isinstance(event, InviteMemberEvent)
            ]
        return invites

    def _recent_only(self, response: SyncResponse, started_ms: int) -> SyncBatch:
        """First start ever: skip history, keep what was sent since the bot started."""
        batch = SyncBatch(invites=self._invites(response))
        skipped = 0
        for room_id, room in response.rooms.join.items():
            events = [e.source for e in room.timeline.events]
            recent = [e for e in events if e.get("origin_server_ts", 0) >= started_ms]
            skipped += len(events) - len(recent)
            if recent:
                batch.timelines[room_id] = recent
        log.info("first start: skipping %d past events", skipped)
        return batch

    async def _batch(self, response: SyncResponse, since: str | None) -> SyncBatch:
        batch = SyncBatch(invites=self._invites(response))
        for room_id, room in response.rooms.join.items():
            events = [e.source for e in room.timeline.events]
            if room.timeline.limited and room.timeline.prev_batch and since:
                events = await self._fill_gap(room_id, room.timeline.prev_batch, since) + events
            if events:
                batch.timelines[room_id] = events
        return batch

    async def _fill_gap(self, room_id: str, prev_batch: str, since: str) -> list[dict[str, Any]]:
        """Fetch what a limited timeline left out, back to the previous sync."""
        missed: list[dict[str, Any]] = []
        start: str | None = prev_batch
        while start and len(missed) < MAX_GAP_EVENTS:
            try:
                page, start = await self.client.history(room_id, start, since)
            except Exception as exc:
                log.warning("gap in %s not filled: %s", room_id, exc)
                break
            missed.extend(page)
        log.info("filled a gap of %d events in %s", len(missed), room_id)
        return list(reversed(missed))

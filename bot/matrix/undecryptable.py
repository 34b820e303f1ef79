"""Messages the bot cannot decrypt yet: kept, their key asked for, retried, never lost."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiohttp import ClientError
from nio.exceptions import LocalProtocolError

from bot.domain.clock import Clock
from bot.matrix.client import MatrixClient
from bot.matrix.decryption import Notice, notices_due, to_retry
from storage.store import Store

log = logging.getLogger(__name__)

# A room key later than this will not come: the event is given up (its sender was told).
GIVE_UP_AFTER = timedelta(days=30)

Handle = Callable[[str, str, dict[str, Any]], Awaitable[None]]
Notify = Callable[[Notice], Awaitable[None]]


class UndecryptableEvents:
    """Hold undecryptable events in the database and hand them over once readable."""

    def __init__(
        self,
        client: MatrixClient,
        store: Store,
        clock: Clock,
        timeout: timedelta,
        handle: Handle,
        notify: Notify,
    ) -> None:
        self.client = client
        self.store = store
        self.clock = clock
        self.timeout = timeout
        self.handle = handle
        self.notify = notify
        self._retried_all = False
        # False once the table was found empty, until `hold` stores something:
        # spares `notify_due` a query on every sync.
        self._maybe_waiting = True

    async def hold(self, room_id: str, room_kind: str, source: dict[str, Any]) -> None:
        """Keep an event that could not be decrypted, and ask for its key."""
        event_id = source.get("event_id")
        if not isinstance(event_id, str) or await self.store.state.is_handled(event_id):
            return
        self._maybe_waiting = True
        if not await self.store.undecryptable.hold(source, room_id, room_kind, self.clock.now()):
            return
        content = source.get("content", {})
        log.warning(
            "event %s from %s in %s cannot be decrypted yet (session %s, device %s); "
            "kept until its key comes",
            event_id,
            source.get("sender"),
            room_id,
            content.get("session_id"),
            content.get("device_id"),
        )
        try:
            await self.client.request_key(source, room_id)
        except (ClientError, TimeoutError, OSError, LocalProtocolError) as exc:
            log.warning("room key request for %s failed: %s", event_id, type(exc).__name__)

    async def retry(self, session_ids: set[str]) -> int:
        """Decrypt what the new keys open (everything, the first time); return how many."""
        if not self._retried_all:
            # A key may have come just before a crash, after its event was kept.
            self._retried_all = True
            given_up = await self.store.undecryptable.purge(self.clock.now() - GIVE_UP_AFTER)
            if given_up:
                log.info("gave up %d undecryptable event(s) older than %s", given_up, GIVE_UP_AFTER)
            candidates = await self.store.undecryptable.waiting()
        elif session_ids:
            candidates = to_retry(await self.store.undecryptable.waiting(session_ids), session_ids)
        else:
            return 0
        opened = 0
        for waiting in candidates:
            decrypted = self.client.decrypt_source(waiting.source, waiting.room_id)
            if decrypted is None:
                continue
            log.info("event %s in %s decrypted after waiting", waiting.event_id, waiting.room_id)
            await self.handle(waiting.room_id, waiting.room_kind, decrypted)
            await self.store.undecryptable.settle(waiting.event_id)
            opened += 1
        return opened

    async def notify_due(self) -> int:
        """Tell, once, each sender whose messages stayed unreadable too long."""
        if not self._maybe_waiting:
            return 0
        waiting = await self.store.undecryptable.waiting()
        self._maybe_waiting = bool(waiting)
        notices = notices_due(waiting, self.clock.now(), self.timeout)
        for notice in notices:
            log.warning(
                "%d event(s) from %s in %s still undecryptable after %s; telling the sender",
                len(notice.event_ids),
                notice.sender,
                notice.room_id,
                self.timeout,
            )
            await self.notify(notice)
        return len(notices)

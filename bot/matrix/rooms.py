"""The rooms the bot serves: the configured ones (followed through upgrades), DMs,
and the invitations it accepts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bot.config import Config
from bot.domain.clock import Clock
from bot.matrix.client import MatrixClient, MatrixError
from storage.store import Store

log = logging.getLogger(__name__)

# Key in `bot_state` of the room that replaced an upgraded room.
UPGRADED = "room_upgraded:"


class ServedRooms:
    """Which room is which part of the bot; kept current when rooms are upgraded."""

    def __init__(
        self,
        config: Config,
        client: MatrixClient,
        store: Store,
        clock: Clock,
        on_facilitators_room: Callable[[str | None], None] = lambda room: None,
    ) -> None:
        self.config = config
        self.client = client
        self.store = store
        self.clock = clock
        self.on_facilitators_room = on_facilitators_room
        self.request_rooms: set[str] = set()
        self.facilitators_room: str | None = None
        self.mission_rooms: set[str] = set()

    async def join_configured(self) -> None:
        """Join the requests rooms and the facilitators room of the configuration."""
        rooms = self.config.rooms
        for reference in rooms.requests:
            room_id = await self._join(reference)
            if room_id:
                self.request_rooms.add(room_id)
        if rooms.facilitators:
            self.facilitators_room = await self._join(rooms.facilitators)
            self.on_facilitators_room(self.facilitators_room)

    async def follow_upgrade(self, old: str, tombstone: dict[str, Any]) -> None:
        """A configured room was upgraded: serve its replacement instead, from now on."""
        new = tombstone.get("content", {}).get("replacement_room")
        if not isinstance(new, str) or not new.startswith("!"):
            return
        if not self.config.matrix.is_allowed(str(tombstone.get("sender", ""))):
            log.warning("ignoring the upgrade of %s by %s", old, tombstone.get("sender"))
            return
        joined = await self._join(new)
        if joined is None:
            return
        await self.store.state.put(f"{UPGRADED}{old}", joined)
        self._replace_room(old, joined)
        log.info("room %s was upgraded to %s: following it", old, joined)

    def _replace_room(self, old: str, new: str) -> None:
        if old in self.request_rooms:
            self.request_rooms.discard(old)
            self.request_rooms.add(new)
        if self.facilitators_room == old:
            self.facilitators_room = new
            self.on_facilitators_room(new)

    async def _current(self, room_id: str) -> str:
        """The room that replaced a room (after upgrades), or the room itself."""
        seen = {room_id}
        while (newer := await self.store.state.get(f"{UPGRADED}{room_id}")) and newer not in seen:
            seen.add(newer)
            room_id = newer
        return room_id

    async def _join(self, reference: str) -> str | None:
        try:
            room_id = await self._current(await self.client.resolve_room(reference))
            await self.client.join(room_id)
        except MatrixError as exc:
            log.error("cannot join configured room %s: %s", reference, exc)
            # Keep serving: an id is still recognised once someone invites the bot.
            return reference if reference.startswith("!") else None
        return room_id

    async def load_mission_rooms(self) -> None:
        """Serve the mission rooms the bot created and has not left."""
        self.mission_rooms = set(await self.store.mission_rooms.served())

    def mission_room(self, room_id: str, served: bool) -> None:
        """A mission room was created (served) or left."""
        if served:
            self.mission_rooms.add(room_id)
        else:
            self.mission_rooms.discard(room_id)

    def kind(self, room_id: str) -> str | None:
        """Which part of the bot a room is: requests, facilitators, a mission, a DM, or none."""
        if room_id in self.request_rooms:
            return "requests"
        if room_id == self.facilitators_room:
            return "facilitators"
        if room_id in self.mission_rooms:
            return "mission"
        room = self.client.nio.rooms.get(room_id)
        if room is not None and room.member_count <= 2:
            return "dm"
        return None

    async def on_invite(self, room_id: str, state: list[dict[str, Any]]) -> None:
        """Accept an invitation from an allowed server (a DM is recorded as such)."""
        me = self.config.matrix.user_id
        invite = next(
            (
                e
                for e in state
                if e.get("type") == "m.room.member"
                and e.get("state_key") == me
                and e.get("content", {}).get("membership") == "invite"
            ),
            None,
        )
        if invite is None:
            return
        inviter = str(invite.get("sender", ""))
        if not self.config.matrix.is_allowed(inviter):
            log.info("declining invite to %s from %s (server not allowed)", room_id, inviter)
            await self.client.leave(room_id)
            return
        try:
            await self.client.join(room_id)
        except MatrixError as exc:
            log.warning("cannot accept invite to %s: %s", room_id, exc)
            return
        if invite.get("content", {}).get("is_direct"):
            await self.store.state.set_dm_room(inviter, room_id, self.clock.now())
        log.info("joined %s on the invite of %s", room_id, inviter)

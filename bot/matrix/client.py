"""The adapter over matrix-nio: rooms, sending, DMs, history and decryption.

Errors become exceptions here (`bot.matrix.errors`); login and recovery are in
`bot.matrix.session`, device trust and room keys in `bot.matrix.keys`.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from aiohttp import ClientError
from nio import (
    ErrorResponse,
    JoinedMembersResponse,
    JoinedRoomsResponse,
    JoinResponse,
    MatrixRoom,
    MegolmEvent,
    MessageDirection,
    RoomCreateResponse,
    RoomGetStateEventResponse,
    RoomInviteResponse,
    RoomKickResponse,
    RoomMessagesResponse,
    RoomPreset,
    RoomPutStateResponse,
    RoomResolveAliasResponse,
    RoomSendResponse,
    SyncResponse,
    UploadFilterResponse,
    UploadResponse,
)
from nio.exceptions import LocalProtocolError, OlmUnverifiedDeviceError

from bot.matrix.errors import MatrixError
from bot.matrix.errors import check as _check
from bot.matrix.session import Session

log = logging.getLogger(__name__)

# A state event the bot puts in every room it creates, naming what the room is
# for ("dm:@user:server", "mission:42"): after a crash between creating a room
# and recording it, the bot finds that room again instead of making another.
ROOM_TAG = "org.facilibot.room"
_ENCRYPTION = {
    "type": "m.room.encryption",
    "state_key": "",
    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
}


class MatrixClient(Session):
    """The bot's Matrix account: the room API the bot uses."""

    async def resolve_room(self, reference: str) -> str:
        """Turn a room alias into its id (ids are returned as they are)."""
        if reference.startswith("!"):
            return reference
        response = await self.nio.room_resolve_alias(reference)
        return _check(f"resolve {reference}", response, RoomResolveAliasResponse).room_id

    async def join(self, room_id: str) -> str:
        """Join a room (or accept its invite); return its id."""
        return _check(f"join {room_id}", await self.nio.join(room_id), JoinResponse).room_id

    async def leave(self, room_id: str) -> None:
        """Leave (or decline the invite of) a room, best effort."""
        response = await self.nio.room_leave(room_id)
        if isinstance(response, ErrorResponse):
            log.warning("leaving %s failed: %s", room_id, response.status_code)

    async def send(
        self, room_id: str, event_type: str, content: dict[str, Any], txn_id: str
    ) -> str:
        """Send one event (encrypted when the room is); return its event id.

        The transaction id makes a retry of the same message a no-op on the server.
        """
        if room_id not in self.nio.rooms:
            await self.load_room(room_id)
        room = self.nio.rooms.get(room_id)
        for attempt in (1, 2):
            if room is not None and room.encrypted and self.nio.olm is not None:
                await self.keys.prepare_room(room)
            try:
                # Unverified devices are never keyed silently: the trust policy
                # has decided for every device just above.
                response = await self.nio.room_send(room_id, event_type, content, tx_id=txn_id)
            except OlmUnverifiedDeviceError as exc:
                # A device appeared between the decision and the sharing.
                log.info("new device %s in %s; deciding again", exc.device.id, room_id)
                if attempt == 2:
                    raise MatrixError(f"send to {room_id}", None, "undecided device") from exc
                continue
            return _check(f"send to {room_id}", response, RoomSendResponse).event_id
        raise AssertionError("unreachable")

    async def upload(
        self, room_id: str, data: bytes, *, name: str, mimetype: str
    ) -> dict[str, Any]:
        """Upload a file for a room; return the content fields that point at it.

        In an encrypted room the file is encrypted and the fields hold its
        key (`file`); elsewhere they hold its plain address (`url`).

        Raises:
            LocalProtocolError: the room is not synced yet (try again later).
        """
        if room_id not in self.nio.rooms:
            await self.load_room(room_id)
        room = self.nio.rooms.get(room_id)
        if room is None:
            # Whether it is encrypted is not known yet: never upload in clear by mistake.
            raise LocalProtocolError(f"room {room_id} is not synced yet")
        encrypt = room.encrypted
        response, keys = await self.nio.upload(
            io.BytesIO(data),
            content_type=mimetype,
            filename=name,
            encrypt=encrypt,
            filesize=len(data),
        )
        uri = _check(f"upload {name}", response, UploadResponse).content_uri
        if encrypt and keys:
            return {"file": {**keys, "url": uri}}
        return {"url": uri}

    async def load_room(self, room_id: str) -> None:
        """Load a room's members (nio needs them before it can encrypt for them)."""
        # A room the bot has not seen in this process's syncs yet (fresh DM):
        # nio needs its members before it can encrypt for them.
        members = await self.nio.joined_members(room_id)
        _check(f"members of {room_id}", members, JoinedMembersResponse)

    async def create_dm(self, user_id: str, *, tag: str | None = None) -> str:
        """Create an encrypted direct chat with a user, as Tchap clients do."""
        response = await self.nio.room_create(
            is_direct=True,
            preset=RoomPreset.trusted_private_chat,
            invite=[user_id],
            initial_state=[_ENCRYPTION, *_tag_state(tag)],
        )
        room_id = _check(f"DM with {user_id}", response, RoomCreateResponse).room_id
        self._know_room(room_id, invited=(user_id,))
        log.info("created DM %s with %s", room_id, user_id)
        return room_id

    async def create_private_room(self, name: str, topic: str, *, tag: str) -> str:
        """Create a private, encrypted room (no one invited yet), tagged with what it is for.

        Under Tchap's access rules it is `restricted` (the default of a room
        that is not a DM): the bot, its creator, invites and removes members.
        """
        response = await self.nio.room_create(
            name=name,
            topic=topic,
            preset=RoomPreset.private_chat,
            initial_state=[_ENCRYPTION, *_tag_state(tag)],
        )
        room_id = _check(f"create room {tag}", response, RoomCreateResponse).room_id
        self._know_room(room_id, invited=())
        log.info("created room %s for %s", room_id, tag)
        return room_id

    async def find_tagged_room(self, tag: str) -> str | None:
        """The joined room this bot created for `tag`, or None (see `ROOM_TAG`)."""
        response = await self.nio.joined_rooms()
        for room_id in _check("joined rooms", response, JoinedRoomsResponse).rooms:
            state = await self.nio.room_get_state_event(room_id, ROOM_TAG, "")
            if isinstance(state, RoomGetStateEventResponse) and state.content.get("key") == tag:
                log.info("found room %s made for %s before a restart", room_id, tag)
                return str(room_id)
        return None

    async def invite(self, room_id: str, user_id: str) -> None:
        """Invite a user (already a member or invited: nothing to do)."""
        room = self.nio.rooms.get(room_id)
        if room is not None and user_id in room.users:
            return
        response = await self.nio.room_invite(room_id, user_id)
        already = isinstance(response, ErrorResponse) and "already" in (response.message or "")
        if not already:
            _check(f"invite {user_id} to {room_id}", response, RoomInviteResponse)
        # The invitee's devices get the room key from the next message on, before
        # they accept (as for a new DM).
        room = self.nio.rooms.get(room_id)
        if room is not None and user_id not in room.users:
            room.add_member(user_id, None, None, invited=True)

    async def kick(self, room_id: str, user_id: str, reason: str) -> None:
        """Remove a member, with a reason shown in the room (not a member: nothing to do)."""
        response = await self.nio.room_kick(room_id, user_id, reason=reason)
        if isinstance(response, ErrorResponse) and response.status_code == "M_FORBIDDEN":
            log.info("not removing %s from %s: %s", user_id, room_id, response.message)
            return
        _check(f"remove {user_id} from {room_id}", response, RoomKickResponse)
        room = self.nio.rooms.get(room_id)
        if room is not None and user_id in room.users:
            room.remove_member(user_id)
        # Messages from now on are keyed for the members who remain only.
        if self.nio.olm is not None:
            self.nio.invalidate_outbound_session(room_id)

    async def set_topic(self, room_id: str, topic: str) -> None:
        """Set a room's topic."""
        response = await self.nio.room_put_state(room_id, "m.room.topic", {"topic": topic})
        _check(f"topic of {room_id}", response, RoomPutStateResponse)

    def _know_room(self, room_id: str, invited: tuple[str, ...]) -> None:
        """A room just created: its members are known exactly (the bot, and those it
        invited, whose devices must get the room key even before they accept)."""
        # A sync may or may not have brought the room yet, and maybe only part of its state.
        room = self.nio.rooms.get(room_id)
        if room is None:
            room = self.nio.rooms[room_id] = MatrixRoom(room_id, self.user_id, encrypted=True)
            room.add_member(self.user_id, None, None)
            room.members_synced = True
        self.nio.encrypted_rooms.add(room_id)
        room.encrypted = True
        for user_id in invited:
            if user_id not in room.users:
                room.add_member(user_id, None, None, invited=True)

    async def history(
        self, room_id: str, start: str, end: str | None, limit: int = 100
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Fetch events backwards from `start` towards `end`; return sources and next token."""
        response = await self.nio.room_messages(
            room_id, start=start, end=end, direction=MessageDirection.back, limit=limit
        )
        page = _check(f"history of {room_id}", response, RoomMessagesResponse)
        sources = []
        for event in page.chunk:
            if isinstance(event, MegolmEvent):
                decrypted = self.decrypt(event)
                sources.append(decrypted if decrypted is not None else event.source)
            else:
                sources.append(event.source)
        return sources, page.end if page.chunk else None

    def decrypt_source(self, source: dict[str, Any], room_id: str) -> dict[str, Any] | None:
        """Decrypt a stored `m.room.encrypted` event; None while its key is missing."""
        event = MegolmEvent.parse_encrypted_event(source)
        if not isinstance(event, MegolmEvent):
            return None
        event.room_id = room_id
        return self.decrypt(event)

    async def request_key(self, source: dict[str, Any], room_id: str) -> bool:
        """Ask for the room key of an undecryptable event; False if already asked.

        nio sends the request to the bot's own other devices, the only ones it
        accepts forwarded keys from; the sender's client usually sends the key
        by itself, late.
        """
        event = MegolmEvent.parse_encrypted_event(source)
        olm = self.nio.olm
        if not isinstance(event, MegolmEvent) or olm is None:
            return False
        if event.session_id in olm.outgoing_key_requests:
            return False
        event.room_id = room_id
        response = await self.nio.request_room_key(event)
        if isinstance(response, ErrorResponse):
            log.warning("room key request for %s failed: %s", event.event_id, response.message)
            return False
        return True

    async def upload_sync_filter(self, definition: dict[str, Any]) -> str | None:
        """The homeserver's id for a sync filter (its `room`, `presence` and `account_data`
        parts), or None if it was refused.

        A filter written into each `/sync` is parsed and checked against its
        schema by the homeserver every time (Synapse: about 2.5 ms of its one
        thread, a sync of the bot's waiting behind it); an uploaded one is
        looked up by its id.
        """
        try:
            response = await self.nio.upload_filter(
                room=definition.get("room"),
                presence=definition.get("presence"),
                account_data=definition.get("account_data"),
            )
        except (ClientError, TimeoutError, OSError) as exc:
            log.warning("sync filter not uploaded (%s); sent with each sync", type(exc).__name__)
            return None
        if isinstance(response, UploadFilterResponse):
            return response.filter_id
        log.warning("sync filter refused (%s); sent with each sync", response)
        return None

    def note_sync(self, response: SyncResponse) -> set[str]:
        """Take what a sync says about keys; return the session ids of room keys received."""
        return self.keys.note_sync(response)

    async def keys_maintenance(self) -> None:
        """Upload, query and claim keys and flush to-device messages, as nio's loop does."""
        await self.keys.maintenance()

    def decrypt(self, event: MegolmEvent) -> dict[str, Any] | None:
        """Decrypt a Megolm event fetched outside a sync; None if the key is missing."""
        try:
            decrypted = self.nio.decrypt_event(event)
        except Exception:  # nio raises EncryptionError and friends
            return None
        source = getattr(decrypted, "source", None)
        return source if isinstance(source, dict) else None


def _tag_state(tag: str | None) -> list[dict[str, Any]]:
    if tag is None:
        return []
    return [{"type": ROOM_TAG, "state_key": "", "content": {"key": tag}}]

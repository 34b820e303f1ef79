"""People played by a script (the demo, the integration tests): real nio clients."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from uuid import uuid4

from nio import (
    AsyncClient,
    AsyncClientConfig,
    MegolmEvent,
    RoomCreateResponse,
    RoomSendResponse,
    SyncResponse,
    UploadResponse,
)
from nio.api import Api

from bot.sandbox.homeserver import RegisteredUser

log = logging.getLogger(__name__)


class Person:
    """A Matrix user with their own client, syncing in the background."""

    def __init__(
        self,
        homeserver: str,
        user: RegisteredUser,
        store_path: Path,
        name: str,
        *,
        poll_ms: int = 2000,
        read_receipts: bool = False,
    ):
        self.user = user
        self.name = name
        self.poll_ms = poll_ms  # how long each sync long-polls
        # Post a read receipt for the last message of each room a sync brings, as
        # Element does for the room on screen.
        self.read_receipts = read_receipts
        store_path.mkdir(parents=True, exist_ok=True)
        self.client = AsyncClient(
            homeserver,
            user.user_id,
            device_id=user.device_id,
            store_path=str(store_path),
            config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False),
        )
        self.client.restore_login(user.user_id, user.device_id, user.access_token)
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.undecryptable: list[dict[str, Any]] = []
        self.encrypted_ids: set[str] = set()
        self._pending: list[tuple[str, MegolmEvent]] = []
        self._task: asyncio.Task[None] | None = None
        self._synced = asyncio.Event()

    @property
    def user_id(self) -> str:
        """This person's Matrix id."""
        return self.user.user_id

    async def start(self) -> None:
        """Start syncing (invites are accepted automatically)."""
        await self.client.set_displayname(self.name)
        self._task = asyncio.create_task(self._sync_forever(), name=f"person-{self.name}")
        await asyncio.wait_for(self._synced.wait(), 30)

    async def stop(self) -> None:
        """Stop syncing and close the client."""
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self.client.close()

    async def _sync_forever(self) -> None:
        first = True
        while True:
            try:
                response = await self.client.sync(
                    timeout=0 if first else self.poll_ms, full_state=first
                )
            except Exception as exc:
                log.debug("%s: sync error %s", self.name, exc)
                await asyncio.sleep(0.5)
                continue
            if not isinstance(response, SyncResponse):
                await asyncio.sleep(0.5)
                continue
            for room_id in response.rooms.invite:
                await self.client.join(room_id)
            self._retry_pending()
            for room_id, room in response.rooms.join.items():
                for event in room.timeline.events:
                    if isinstance(event, MegolmEvent):
                        self._pending.append((room_id, event))
                        self.undecryptable.append(event.source)
                        continue
                    self._record(room_id, event)
                if self.read_receipts and room.timeline.events:
                    last = room.timeline.events[-1].event_id
                    with contextlib.suppress(Exception):
                        await self.client.room_read_markers(room_id, last, last)
            await self._keys()
            first = False
            self._synced.set()

    def _record(self, room_id: str, event: Any) -> None:
        if getattr(event, "decrypted", False):
            self.encrypted_ids.add(event.event_id)
        self.events.append((room_id, event.source))

    def _retry_pending(self) -> None:
        # A room key can come after its message: decrypt what now can be.
        still = []
        for room_id, event in self._pending:
            try:
                decrypted = self.client.decrypt_event(event)
            except Exception:
                still.append((room_id, event))
                continue
            self.undecryptable = [
                e for e in self.undecryptable if e.get("event_id") != event.event_id
            ]
            self._record(room_id, decrypted)
        self._pending = still

    def was_encrypted(self, message: dict[str, Any]) -> bool:
        """Whether a message seen by this person arrived end-to-end encrypted."""
        return message.get("event_id") in self.encrypted_ids

    async def trust(self, user_id: str) -> int:
        """Mark every known device of a user as verified (as after a manual check)."""
        if self.client.should_query_keys:
            await self.client.keys_query()
        devices = list(self.client.device_store.active_user_devices(user_id))
        for device in devices:
            self.client.verify_device(device)
        return len(devices)

    async def cross_sign_own_device(self) -> None:
        """Publish a cross-signing identity and sign this device with it, as after a
        verification in Element (tests of the `cross_signed` trust policy)."""
        import json

        import vodozemac

        from bot.matrix.trust import canonical_json

        client, user_id = self.client, self.user_id
        master, self_signing = vodozemac.Account(), vodozemac.Account()

        def key_object(account: vodozemac.Account, usage: str) -> dict[str, Any]:
            public = account.ed25519_key.to_base64()
            return {"user_id": user_id, "usage": [usage], "keys": {f"ed25519:{public}": public}}

        def sign(obj: dict[str, Any], signer: vodozemac.Account) -> dict[str, Any]:
            payload = {k: v for k, v in obj.items() if k not in ("signatures", "unsigned")}
            public = signer.ed25519_key.to_base64()
            signature = signer.sign(canonical_json(payload)).to_base64()
            signatures = obj.setdefault("signatures", {}).setdefault(user_id, {})
            signatures[f"ed25519:{public}"] = signature
            return obj

        async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
            response = await client.send(
                "POST",
                f"/_matrix/client/v3/{path}",
                json.dumps(body),
                headers={"Authorization": f"Bearer {client.access_token}"},
            )
            answer = await response.json()
            assert response.status in (200, 401), answer
            return answer

        keys = {
            "master_key": key_object(master, "master"),
            "self_signing_key": sign(key_object(self_signing, "self_signing"), master),
        }
        answer = await post("keys/device_signing/upload", keys)
        if "flows" in answer:  # user-interactive auth: the password
            auth = {
                "type": "m.login.password",
                "identifier": {"type": "m.id.user", "user": user_id},
                "password": self.user.password,
                "session": answer.get("session"),
            }
            await post("keys/device_signing/upload", {**keys, "auth": auth})
        query = await post("keys/query", {"device_keys": {user_id: [client.device_id]}})
        device = query["device_keys"][user_id][client.device_id]
        device.pop("unsigned", None)
        signed = sign(device, self_signing)
        await post("keys/signatures/upload", {user_id: {client.device_id: signed}})

    async def _keys(self) -> None:
        client = self.client
        if client.should_upload_keys:
            await client.keys_upload()
        if client.should_query_keys:
            await client.keys_query()
        if client.should_claim_keys:
            await client.keys_claim(client.get_users_for_key_claiming())
        await client.send_to_device_messages()

    async def create_room(
        self, name: str, invite: list[str] = (), *, encrypted: bool = False, direct: bool = False
    ) -> str:
        """Create a room and invite people into it."""
        initial_state = []
        if encrypted:
            initial_state.append(
                {
                    "type": "m.room.encryption",
                    "state_key": "",
                    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
                }
            )
        response = await self.client.room_create(
            name=None if direct else name,
            invite=list(invite),
            is_direct=direct,
            initial_state=initial_state,
        )
        assert isinstance(response, RoomCreateResponse), response
        return response.room_id

    async def send(
        self,
        room_id: str,
        body: str,
        *,
        thread_root: str | None = None,
        edit_of: str | None = None,
        mentions: list[str] | None = None,
        reply_to: str | None = None,
    ) -> str:
        """Send a text message (in a thread, as an edit, or as a Matrix reply); return its id."""
        content: dict[str, Any] = {"msgtype": "m.text", "body": body}
        if reply_to:
            # As Element writes a reply: the relation, and the quoted fallback in the body.
            content["body"] = f"> <{self.user_id}> …\n\n{body}"
            content["m.relates_to"] = {"m.in_reply_to": {"event_id": reply_to}}
        if mentions is not None:
            content["m.mentions"] = {"user_ids": mentions}
        if thread_root:
            content["m.relates_to"] = {
                "rel_type": "m.thread",
                "event_id": thread_root,
                "is_falling_back": True,
                "m.in_reply_to": {"event_id": thread_root},
            }
        if edit_of:
            content = {
                "msgtype": "m.text",
                "body": "* " + body,
                "m.new_content": {"msgtype": "m.text", "body": body},
                "m.relates_to": {"rel_type": "m.replace", "event_id": edit_of},
            }
        if room_id not in self.client.rooms:
            await self.wait_joined(room_id)
        response = await self.client.room_send(
            room_id, "m.room.message", content, ignore_unverified_devices=True
        )
        assert isinstance(response, RoomSendResponse), response
        return response.event_id

    async def share_file(
        self,
        room_id: str,
        name: str,
        data: bytes = b"%PDF-1.4\n",
        mimetype: str = "application/pdf",
    ) -> str:
        """Share a file as Element does (uploaded encrypted, `m.file`); return its event id."""
        response, keys = await self.client.upload(
            io.BytesIO(data), content_type=mimetype, filename=name, encrypt=True, filesize=len(data)
        )
        assert isinstance(response, UploadResponse), response
        content = {
            "msgtype": "m.file",
            "body": name,
            "info": {"mimetype": mimetype, "size": len(data)},
            "file": {**(keys or {}), "url": response.content_uri},
        }
        if room_id not in self.client.rooms:
            await self.wait_joined(room_id)
        sent = await self.client.room_send(
            room_id, "m.room.message", content, ignore_unverified_devices=True
        )
        assert isinstance(sent, RoomSendResponse), sent
        return sent.event_id

    async def send_key_later(
        self, room_id: str, body: str
    ) -> tuple[str, Callable[[], Awaitable[None]]]:
        """Send an encrypted message whose room key is withheld until `release()` is awaited.

        Some clients share keys lazily; a blocked device never gets them. This
        plays both, for tests.
        """
        client = self.client
        assert client.olm is not None
        if not client.rooms[room_id].members_synced:
            await client.joined_members(room_id)
        if client.should_query_keys:
            await client.keys_query()
        olm = client.olm
        olm.create_outbound_group_session(room_id)
        session = olm.outbound_group_sessions[room_id]
        # The key as of message 0: exported before encrypting ratchets it on.
        key_content = {
            "algorithm": "m.megolm.v1.aes-sha2",
            "room_id": room_id,
            "session_id": session.id,
            "session_key": session.session_key,
        }
        session.shared = True  # let nio encrypt with a session nobody has yet
        content = {"msgtype": "m.text", "body": body}
        event_type, encrypted = client.encrypt(room_id, "m.room.message", content)
        del olm.outbound_group_sessions[room_id]  # later messages use a shared session
        method, path, data = Api.room_send(
            client.access_token, room_id, event_type, encrypted, uuid4()
        )
        response = await client._send(RoomSendResponse, method, path, data, (room_id,))
        assert isinstance(response, RoomSendResponse), response

        async def release() -> None:
            missing = client.get_missing_sessions(room_id)
            if missing:
                await client.keys_claim(missing)
            messages: dict[str, dict[str, Any]] = {}
            for user_id in client.rooms[room_id].users:
                for device in client.device_store.active_user_devices(user_id):
                    olm_session = olm.session_store.get(device.curve25519)
                    if device.id == client.device_id or olm_session is None:
                        continue
                    messages.setdefault(user_id, {})[device.id] = olm._olm_encrypt(
                        olm_session, device, "m.room_key", key_content
                    )
            method, path, data = Api.to_device(
                client.access_token, "m.room.encrypted", {"messages": messages}, uuid4()
            )
            answer = await client.send(method, path, data)
            assert answer.status == 200, await answer.text()

        return response.event_id, release

    async def react(self, room_id: str, event_id: str, key: str) -> str:
        """React to an event with an emoji."""
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
        client = self.client
        room = client.rooms.get(room_id)
        if room is None or not room.encrypted:
            response = await client.room_send(room_id, "m.reaction", content)
            assert isinstance(response, RoomSendResponse), response
            return response.event_id
        # Element encrypts reactions (the relation stays in clear); nio does not: by hand.
        assert client.olm is not None
        if not room.members_synced:
            await client.joined_members(room_id)
        if client.should_query_keys:
            await client.keys_query()
        if client.olm.should_share_group_session(room_id):
            await client.share_group_session(room_id, ignore_unverified_devices=True)
        event_type, encrypted = client.encrypt(room_id, "m.reaction", content)
        method, path, data = Api.room_send(
            client.access_token, room_id, event_type, encrypted, uuid4()
        )
        response = await client._send(RoomSendResponse, method, path, data, (room_id,))
        assert isinstance(response, RoomSendResponse), response
        return response.event_id

    async def wait_joined(self, room_id: str, timeout: float = 20) -> None:
        """Wait until this person's client knows the room."""
        await until(lambda: room_id in self.client.rooms, timeout=timeout)

    async def wait_member(self, room_id: str, user_id: str, timeout: float = 30) -> None:
        """Wait until `user_id` has joined the room (not merely been invited), as seen here."""
        await self.wait_joined(room_id, timeout)
        room = self.client.rooms[room_id]
        await until(
            lambda: user_id in room.users and user_id not in room.invited_users, timeout=timeout
        )

    def messages(self, room_id: str | None = None, sender: str | None = None) -> list[dict]:
        """Messages seen so far, optionally from one room and one sender."""
        return [
            source
            for rid, source in self.events
            if (room_id is None or rid == room_id)
            and (sender is None or source.get("sender") == sender)
            and source.get("type") == "m.room.message"
        ]

    async def wait_for_message(
        self,
        predicate: Callable[[dict[str, Any]], bool],
        *,
        room_id: str | None = None,
        sender: str | None = None,
        timeout: float = 20,
    ) -> dict[str, Any]:
        """Wait for a message matching `predicate`; return it."""
        found: list[dict[str, Any]] = []

        def check() -> bool:
            found[:] = [m for m in self.messages(room_id, sender) if predicate(m)]
            return bool(found)

        await until(check, timeout=timeout)
        return found[0]


async def until(condition: Callable[[], bool], *, timeout: float = 20, step: float = 0.05) -> None:
    """Wait until `condition()` is true.

    Raises:
        TimeoutError: it did not become true within `timeout` seconds.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout}s")
        await asyncio.sleep(step)


def body_of(message: dict[str, Any]) -> str:
    """The text of a message, the new text for an edit."""
    content = message.get("content", {})
    new = content.get("m.new_content")
    return str((new or content).get("body", ""))

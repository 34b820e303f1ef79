"""The keys around the bot's device: who may read it, room keys, its own cross-signing.

Works on the nio client of `MatrixClient` (which may replace it after a store
recovery), always through `client.nio`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import ClientError
from nio import AsyncClient, ForwardedRoomKeyEvent, MatrixRoom, RoomKeyEvent, SyncResponse

from bot.matrix.errors import MatrixError
from bot.matrix.identity import Identity
from bot.matrix.trust import Decision, TrustPolicy, cross_signed_devices, plan

if TYPE_CHECKING:
    from bot.matrix.client import MatrixClient

log = logging.getLogger(__name__)


class DeviceKeys:
    """Trust decisions, room-key sharing and key maintenance for one bot device."""

    def __init__(self, client: MatrixClient) -> None:
        self.client = client
        self.config = client.config
        self.policy = TrustPolicy(client.config.trust)
        # Trust decisions taken in this process; a device-list change forgets a user's.
        self._decided: dict[tuple[str, str], Decision] = {}
        # Key queries and claims from the sync loop and the sender must not interleave.
        self._lock = asyncio.Lock()
        self._cross_signing_done = False

    @property
    def nio(self) -> AsyncClient:
        """The current nio client."""
        return self.client.nio

    @property
    def user_id(self) -> str:
        """The bot's user id."""
        return self.config.user_id

    async def maintenance(self) -> None:
        """Upload, query and claim keys and flush to-device messages, as nio's loop does."""
        if self.nio.olm is None:
            return
        async with self._lock:
            if self.nio.should_upload_keys:
                await self.nio.keys_upload()
            if not self._cross_signing_done and self.nio.olm.account.shared:
                # Once per start: Element then shows the bot's messages as verified,
                # and clients that key only cross-signed devices still key the bot.
                self._cross_signing_done = True
                try:
                    await self.cross_sign_device()
                except (MatrixError, ClientError, OSError, TimeoutError, ValueError) as exc:
                    log.warning("cross-signing the device failed: %s", exc)
            if self.nio.should_query_keys:
                await self.nio.keys_query()
            if self.nio.should_claim_keys:
                await self.nio.keys_claim(self.nio.get_users_for_key_claiming())
            await self.nio.send_to_device_messages()

    def note_sync(self, response: SyncResponse) -> set[str]:
        """Take what a sync says about keys; return the session ids of room keys received."""
        for user_id in response.device_list.changed:
            for pair in [p for p in self._decided if p[0] == user_id]:
                del self._decided[pair]
        return {
            event.session_id
            for event in response.to_device_events
            if isinstance(event, (RoomKeyEvent, ForwardedRoomKeyEvent))
        }

    async def prepare_room(self, room: MatrixRoom) -> None:
        """Know every member's devices and decide their trust before a room key is shared."""
        async with self._lock:
            if not room.members_synced:
                await self.client.load_room(room.room_id)
            self.nio.olm.update_tracked_users(room)  # type: ignore[union-attr]
            if self.nio.should_query_keys:
                await self.nio.keys_query()
            await self._apply_trust(list(room.users))
            await self._rotate_if_keyed_wrong(room)

    async def _rotate_if_keyed_wrong(self, room: MatrixRoom) -> None:
        """Start a new room key when the current one misses a trusted device, or reached a
        blocked one (nio shares a key once and never adds a member's new device to it)."""
        olm = self.nio.olm
        assert olm is not None
        session = olm.outbound_group_sessions.get(room.room_id)
        if session is None or not session.shared:
            return  # the next send shares a fresh key with the devices trusted now
        shared = session.users_shared_with
        missed, leaked = [], False
        for user_id in room.users:
            for device in self.nio.device_store.active_user_devices(user_id):
                decision = self._decided.get((user_id, device.id))
                if decision is Decision.TRUST and (user_id, device.id) not in shared:
                    missed.append(device)
                elif decision is Decision.BLOCK and (user_id, device.id) in shared:
                    leaked = True
        if missed and not leaked:
            missing = self.nio.get_missing_sessions(room.room_id)
            if missing:
                await self.nio.keys_claim(missing)
            # A device without an Olm session cannot be keyed anyway: do not rotate for it.
            missed = [d for d in missed if olm.session_store.get(d.curve25519)]
        if missed or leaked:
            log.info("new room key for %s (trusted devices changed)", room.room_id)
            self.nio.invalidate_outbound_session(room.room_id)

    async def _apply_trust(self, users: list[str]) -> None:
        """Verify or blacklist each undecided device of these users, as the policy says."""
        store = self.nio.device_store
        undecided = [
            (user_id, device.id)
            for user_id in users
            for device in store.active_user_devices(user_id)
            if (user_id, device.id) not in self._decided
            and not (user_id == self.user_id and device.id == self.nio.device_id)
        ]
        if not undecided:
            return
        cross_signed: dict[str, set[str]] = {}
        if self.policy is TrustPolicy.CROSS_SIGNED:
            wanted = sorted({user_id for user_id, _ in undecided})
            try:
                answer = await self.query({user_id: [] for user_id in wanted})
            except (MatrixError, ClientError, OSError, TimeoutError, ValueError) as exc:
                log.warning("cross-signing check failed (%s); no new device trusted", exc)
                answer = {}
            cross_signed = {user_id: cross_signed_devices(answer, user_id) for user_id in wanted}
        decisions = plan(self.policy, undecided, self.config.is_allowed, cross_signed)
        for (user_id, device_id), decision in decisions.items():
            device = store[user_id][device_id]
            if decision is Decision.TRUST:
                self.nio.unblacklist_device(device)
                self.nio.verify_device(device)
            else:
                self.nio.unverify_device(device)
                self.nio.blacklist_device(device)
            self._decided[(user_id, device_id)] = decision
            log.info("device %s of %s: %s (%s)", device_id, user_id, decision, self.policy)

    async def cross_sign_device(self) -> bool:
        """Sign the bot's device with the bot's own cross-signing identity; True if signed.

        The identity is created (and published, with the password if the server
        asks) when the account has none; an identity made elsewhere is left alone.
        """
        user_id, device_id = self.user_id, self.nio.device_id
        answer = await self.query({user_id: []})
        device = answer.get("device_keys", {}).get(user_id, {}).get(device_id)
        if not isinstance(device, dict):
            return False  # device keys not uploaded yet
        published = answer.get("master_keys", {}).get(user_id)
        identity = Identity.load(self.client.store_path)
        if published is None:
            identity = identity or Identity.create()
            identity.save(self.client.store_path)  # before publishing: never a key we do not hold
            if not await self._publish_identity(identity):
                return False
            log.info("published the bot's cross-signing identity %s", identity.master_key)
        elif (
            identity is None
            or published.get("keys", {}).get(f"ed25519:{identity.master_key}")
            != identity.master_key
        ):
            log.warning(
                "the account %s has a cross-signing identity this bot does not hold; "
                "device %s stays unsigned",
                user_id,
                device_id,
            )
            return False
        if device_id in cross_signed_devices(answer, user_id):
            return True
        signed = identity.sign_device(user_id, device)
        status, body = await self.post("keys/signatures/upload", {user_id: {device_id: signed}})
        if status != 200 or body.get("failures"):
            log.warning("signing device %s failed: %s %s", device_id, status, body)
            return False
        log.info("device %s cross-signed by the bot's identity", device_id)
        return True

    async def _publish_identity(self, identity: Identity) -> bool:
        body = identity.upload_body(self.user_id)
        status, answer = await self.post("keys/device_signing/upload", body)
        if status == 401 and "flows" in answer and self.config.password:
            auth = {
                "type": "m.login.password",
                "identifier": {"type": "m.id.user", "user": self.user_id},
                "password": self.config.password,
                "session": answer.get("session"),
            }
            status, answer = await self.post("keys/device_signing/upload", {**body, "auth": auth})
        if status != 200:
            log.warning("publishing the cross-signing identity failed: %s %s", status, answer)
            return False
        return True

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """POST JSON to a client-server endpoint nio has no (complete) method for."""
        response = await self.nio.send(
            "POST",
            f"/_matrix/client/v3/{path}",
            json.dumps(body),
            headers={"Authorization": f"Bearer {self.nio.access_token}"},
        )
        async with response:
            answer = await response.json(content_type=None)
        if not isinstance(answer, dict):
            raise ValueError(f"{path}: not a JSON object")
        return response.status, answer

    async def query(self, devices: dict[str, list[str]]) -> dict[str, Any]:
        """`/keys/query` as JSON, cross-signing keys included (nio keeps only device keys)."""
        status, answer = await self.post("keys/query", {"device_keys": devices})
        if status != 200:
            raise MatrixError("keys query", str(status), str(answer.get("error", "")))
        return answer

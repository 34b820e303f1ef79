"""The adapter over matrix-nio: login and the encryption store, send, DMs, history.

Errors become exceptions here (`bot.matrix.errors`); device trust and room keys are in
`bot.matrix.keys`.
"""

from __future__ import annotations

import io
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import ClientError
from nio import (
    AsyncClient,
    AsyncClientConfig,
    ErrorResponse,
    JoinedMembersResponse,
    JoinResponse,
    LoginResponse,
    MatrixRoom,
    MegolmEvent,
    MessageDirection,
    RoomCreateResponse,
    RoomMessagesResponse,
    RoomPreset,
    RoomResolveAliasResponse,
    RoomSendResponse,
    SyncResponse,
    UploadResponse,
    WhoamiResponse,
)
from nio.exceptions import LocalProtocolError, OlmUnverifiedDeviceError

from bot.config import MatrixConfig
from bot.matrix.errors import CryptoStoreError, MatrixError
from bot.matrix.errors import check as _check
from bot.matrix.keys import DeviceKeys

log = logging.getLogger(__name__)

CREDENTIALS_FILE = "credentials.json"


@dataclass(frozen=True)
class Credentials:
    """What is kept under store_path so every start reuses the same device."""

    user_id: str
    device_id: str
    access_token: str


def load_credentials(store_path: Path) -> Credentials | None:
    """Read the saved credentials, or None when there are none (or they are unreadable)."""
    path = store_path / CREDENTIALS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Credentials(data["user_id"], data["device_id"], data["access_token"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("credentials file %s is unreadable; logging in again", path)
        return None


def save_credentials(store_path: Path, credentials: Credentials) -> None:
    """Write the credentials with 0600 permissions."""
    path = store_path / CREDENTIALS_FILE
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(credentials.__dict__, handle)
    os.replace(tmp, path)


class MatrixClient:
    """The bot's Matrix account, over a persistent, E2EE-capable nio client."""

    def __init__(self, config: MatrixConfig) -> None:
        self.config = config
        store_path = Path(config.store_path)
        store_path.mkdir(parents=True, exist_ok=True)
        os.chmod(store_path, 0o700)
        self.store_path = store_path
        self.nio = self._new_nio()
        self.keys = DeviceKeys(self)
        self.recovered_from: str | None = None
        self._store_existed = False

    def _new_nio(self) -> AsyncClient:
        return AsyncClient(
            self.config.homeserver,
            self.config.user_id,
            store_path=str(self.store_path),
            config=AsyncClientConfig(
                encryption_enabled=True,
                store_sync_tokens=False,
                # Connection errors are retried by our own loops, with jitter, so
                # that a stop is never stuck inside nio. 429s stay nio's job: it
                # honours retry_after_ms.
                max_timeouts=0,
                request_timeout=60,
            ),
        )

    @property
    def user_id(self) -> str:
        """The bot's user id."""
        return self.config.user_id

    async def login(self) -> None:
        """Log in, reusing the saved device, token and encryption store when there are some.

        A lost or broken encryption store is detected here: with a password the
        bot moves it aside and starts over on a new device; without one it stops.

        Raises:
            MatrixError: the homeserver refused the login.
            CryptoStoreError: the encryption store is unusable and no password is set.
        """
        saved = load_credentials(self.store_path)
        if self.config.access_token:
            self.nio.access_token = self.config.access_token
            whoami = _check("whoami", await self.nio.whoami(), WhoamiResponse)
            if whoami.user_id != self.config.user_id:
                raise MatrixError("whoami", None, f"the token belongs to {whoami.user_id}")
            device_id = whoami.device_id or (saved.device_id if saved else None)
            if not device_id:
                raise MatrixError("whoami", None, "the access token has no device")
            credentials = Credentials(self.config.user_id, device_id, self.config.access_token)
        elif saved and saved.user_id == self.config.user_id:
            credentials = saved
        else:
            credentials = await self._password_login()
        problem = self._open_store(credentials)
        if problem is None:
            problem = await self._check_device_keys()
        if problem is not None:
            credentials = await self._recover(credentials, problem)
        save_credentials(self.store_path, credentials)
        log.info("using device %s for %s", credentials.device_id, credentials.user_id)

    async def _password_login(self) -> Credentials:
        response = await self.nio.login(
            password=self.config.password, device_name=self.config.device_name
        )
        login = _check("login", response, LoginResponse)
        log.info("logged in as %s on new device %s", login.user_id, login.device_id)
        return Credentials(login.user_id, login.device_id, login.access_token)

    def crypto_store_file(self, device_id: str) -> Path:
        """Where nio keeps the encryption store of a device."""
        return self.store_path / f"{self.config.user_id}_{device_id}.db"

    def _open_store(self, credentials: Credentials) -> str | None:
        """Load the device's encryption store; describe what is wrong with it, if anything."""
        path = self.crypto_store_file(credentials.device_id)
        existed = path.exists()
        try:
            self.nio.restore_login(
                credentials.user_id, credentials.device_id, credentials.access_token
            )
        except Exception as exc:  # sqlite, peewee or pickle errors: the file is damaged
            return f"the encryption store {path} is unreadable ({type(exc).__name__})"
        self._store_existed = existed
        _skip_empty_room_saves(self.nio)
        return None

    async def _check_device_keys(self) -> str | None:
        """Compare the device's published identity key with the local one."""
        olm = self.nio.olm
        if olm is None:
            return None
        device_id = self.nio.device_id
        try:
            answer = await self.keys.query({self.user_id: [device_id]})
        except MatrixError as exc:
            if exc.code == "401":
                return f"the access token of device {device_id} was revoked"
            log.warning("could not check the device keys at start: %s", exc)
            return None
        except (ClientError, OSError, TimeoutError, ValueError) as exc:
            log.warning("could not check the device keys at start: %s", exc)
            return None
        published = answer.get("device_keys", {}).get(self.user_id, {}).get(device_id)
        if not isinstance(published, dict):
            return None  # never uploaded: this store is the device's first one
        key = published.get("keys", {}).get(f"ed25519:{device_id}")
        if key == olm.account.identity_keys["ed25519"]:
            return None
        path = self.crypto_store_file(device_id)
        if not self._store_existed:
            return f"the encryption store {path} of device {device_id} is missing"
        return f"the encryption store {path} does not belong to device {device_id}"

    async def _recover(self, credentials: Credentials, problem: str) -> Credentials:
        """Set the broken store aside and start over on a new device (password needed)."""
        if self.config.access_token or not self.config.password:
            # An access token is bound to its device: only a password makes a new one.
            fix = (
                "remove the access token (matrix.access_token / FACILIBOT_ACCESS_TOKEN) so "
                "that the bot logs in with its password as a new device"
                if self.config.password
                else "set FACILIBOT_PASSWORD (or matrix.password) so that the bot logs in "
                "as a new device"
            )
            raise CryptoStoreError(
                f"{problem}. The device {credentials.device_id} cannot be used any more. "
                f"Recovery: {fix}, then restart; or create a new access token (a new "
                f"device), set it, and delete {self.store_path / CREDENTIALS_FILE}. Messages "
                "encrypted for the old device cannot be read any more."
            )
        log.error(
            "%s: starting over on a new device. Messages encrypted for device %s before now "
            "cannot be read; their senders will be asked to send them again.",
            problem,
            credentials.device_id,
        )
        aside = self.store_path / f"broken-{credentials.device_id}"
        n = 1
        while aside.exists():
            n += 1
            aside = self.store_path / f"broken-{credentials.device_id}-{n}"
        aside.mkdir(mode=0o700)
        await self._close_nio()
        for path in self.store_path.glob(f"{self.config.user_id}_{credentials.device_id}.db*"):
            path.rename(aside / path.name)
        self.nio = self._new_nio()
        # New device first, saved at once: a failure from here on restarts cleanly.
        fresh = await self._password_login()
        save_credentials(self.store_path, fresh)
        problem = self._open_store(fresh)
        if problem is not None:
            raise CryptoStoreError(f"{problem} (even on the new device {fresh.device_id})")
        # Logging the old device out removes its keys: clients stop encrypting for it.
        old = self._new_nio()
        old.access_token = credentials.access_token
        try:
            await old.logout()
        except Exception as exc:
            log.warning("could not log out the old device %s: %s", credentials.device_id, exc)
        finally:
            await old.close()
        self.recovered_from = credentials.device_id
        log.error("now on new device %s; the old store is in %s", fresh.device_id, aside)
        return fresh

    async def _close_nio(self) -> None:
        await self.nio.close()
        store = self.nio.store
        if store is not None:
            store.database.close()

    async def close(self) -> None:
        """Close the HTTP session and the encryption store (written as it goes)."""
        await self._close_nio()

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

    async def create_dm(self, user_id: str) -> str:
        """Create an encrypted direct chat with a user, as Tchap clients do."""
        response = await self.nio.room_create(
            is_direct=True,
            preset=RoomPreset.trusted_private_chat,
            invite=[user_id],
            initial_state=[
                {
                    "type": "m.room.encryption",
                    "state_key": "",
                    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
                }
            ],
        )
        room_id = _check(f"DM with {user_id}", response, RoomCreateResponse).room_id
        # A sync may or may not have brought the room yet, and maybe only part of
        # its state. Its members are known exactly: the bot, and the invitee, whose
        # devices must get the room key even before they accept.
        room = self.nio.rooms.get(room_id)
        if room is None:
            room = self.nio.rooms[room_id] = MatrixRoom(room_id, self.user_id, encrypted=True)
            room.add_member(self.user_id, None, None)
            room.members_synced = True
        self.nio.encrypted_rooms.add(room_id)
        room.encrypted = True
        if user_id not in room.users:
            room.add_member(user_id, None, None, invited=True)
        log.info("created DM %s with %s", room_id, user_id)
        return room_id

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


def _skip_empty_room_saves(client: AsyncClient) -> None:
    """Spare the encryption store a transaction after every sync that found no new encrypted room.

    nio calls `store.save_encrypted_rooms(new_rooms)` after each sync; the
    set is almost always empty, and the empty call still opens a store
    transaction and looks the account up: about a tenth of the bot's CPU
    per request, on the path from a sync to its answers (bench/bench_bot.py).
    """
    store = client.store
    if store is None:
        return
    save = store.save_encrypted_rooms

    def save_new(rooms: Any) -> None:
        if rooms:
            save(rooms)

    store.save_encrypted_rooms = save_new

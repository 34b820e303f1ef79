"""The one adapter over matrix-nio: login, send, DMs, history. Errors become exceptions here."""

from __future__ import annotations

import io
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    ErrorResponse,
    JoinedMembersResponse,
    JoinResponse,
    LoginResponse,
    MegolmEvent,
    MessageDirection,
    RoomCreateResponse,
    RoomMessagesResponse,
    RoomPreset,
    RoomResolveAliasResponse,
    RoomSendResponse,
    UploadResponse,
    WhoamiResponse,
)

from bot.config import MatrixConfig

log = logging.getLogger(__name__)

CREDENTIALS_FILE = "credentials.json"
# Errors that will not go away by sending again.
PERMANENT_ERRORS = frozenset(
    {"M_FORBIDDEN", "M_NOT_FOUND", "M_BAD_JSON", "M_NOT_JSON", "M_TOO_LARGE", "M_INVALID_PARAM"}
)


class MatrixError(Exception):
    """The homeserver refused a call; `code` is the Matrix errcode when there is one."""

    def __init__(self, what: str, code: str | None, message: str) -> None:
        super().__init__(f"{what}: {code or 'error'} {message}")
        self.code = code

    @property
    def permanent(self) -> bool:
        """Whether retrying the same call cannot succeed."""
        return self.code in PERMANENT_ERRORS


def _check(what: str, response: Any, expected: type) -> Any:
    if isinstance(response, expected):
        return response
    if isinstance(response, ErrorResponse):
        raise MatrixError(what, response.status_code, response.message or "")
    raise MatrixError(what, None, repr(response)[:200])


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
        self.nio = AsyncClient(
            config.homeserver,
            config.user_id,
            store_path=str(store_path),
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
        """Log in, reusing the saved device and token when there are some.

        Raises:
            MatrixError: the homeserver refused the login.
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
            response = await self.nio.login(
                password=self.config.password, device_name=self.config.device_name
            )
            login = _check("login", response, LoginResponse)
            credentials = Credentials(login.user_id, login.device_id, login.access_token)
            log.info("logged in as %s on new device %s", login.user_id, login.device_id)
        self.nio.restore_login(credentials.user_id, credentials.device_id, credentials.access_token)
        save_credentials(self.store_path, credentials)
        log.info("using device %s for %s", credentials.device_id, credentials.user_id)

    async def close(self) -> None:
        """Close the HTTP session (the crypto store is written as it goes)."""
        await self.nio.close()

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
            await self._load_room(room_id)
        response = await self.nio.room_send(
            room_id, event_type, content, tx_id=txn_id, ignore_unverified_devices=True
        )
        return _check(f"send to {room_id}", response, RoomSendResponse).event_id

    async def upload(
        self, room_id: str, data: bytes, *, name: str, mimetype: str
    ) -> dict[str, Any]:
        """Upload a file for a room; return the content fields that point at it.

        In an encrypted room the file is encrypted and the fields hold its
        key (`file`); elsewhere they hold its plain address (`url`).
        """
        if room_id not in self.nio.rooms:
            await self._load_room(room_id)
        room = self.nio.rooms.get(room_id)
        encrypt = bool(room and room.encrypted)
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

    async def _load_room(self, room_id: str) -> None:
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

    def decrypt(self, event: MegolmEvent) -> dict[str, Any] | None:
        """Decrypt a Megolm event fetched outside a sync; None if the key is missing."""
        try:
            decrypted = self.nio.decrypt_event(event)
        except Exception:  # nio raises EncryptionError and friends
            return None
        source = getattr(decrypted, "source", None)
        return source if isinstance(source, dict) else None

    async def keys_maintenance(self) -> None:
        """Upload, query and claim keys and flush to-device messages, as nio's loop does."""
        if self.nio.olm is None:
            return
        if self.nio.should_upload_keys:
            await self.nio.keys_upload()
        if self.nio.should_query_keys:
            await self.nio.keys_query()
        if self.nio.should_claim_keys:
            await self.nio.keys_claim(self.nio.get_users_for_key_claiming())
        await self.nio.send_to_device_messages()

"""The bot's Matrix session: login, the saved device and the encryption store, recovery."""

from __future__ import annotations

import functools
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout
from nio import (
    AsyncClient,
    AsyncClientConfig,
    LoginResponse,
    WhoamiResponse,
)

try:  # how nio sets its connections up (a small write buffer)
    from nio.client.async_client import connect_wrapper
except ImportError:  # a nio without it makes its own session, traced
    connect_wrapper = None

from bot.config import MatrixConfig
from bot.matrix import validation
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


def _skip_own_decryption(client: AsyncClient) -> None:
    """Leave the bot's own encrypted messages undecrypted when its sync brings them back.

    Each answer and ping comes back in the bot's next sync, and nio decrypts
    the encrypted ones (the pings, in DMs) only for the bot to skip them: it
    never reads its own events. The megolm session stays as it was, so they
    could still be decrypted later.
    """
    olm = client.olm
    if olm is None:
        return
    decrypt = olm._decrypt_megolm_no_error
    me = client.user_id

    def decrypt_others(event: Any) -> Any:
        return None if event.sender == me else decrypt(event)

    olm._decrypt_megolm_no_error = decrypt_others


def _untraced_http(client: AsyncClient) -> None:
    """Give nio its HTTP session before its first request, made as nio makes it but for
    the trace of every request and chunk that feeds nio's upload progress monitors,
    which the bot does not use (about 30 µs of CPU a request)."""
    if client.client_session is not None or client.proxy or connect_wrapper is None:
        return
    session = ClientSession(timeout=ClientTimeout(total=client.config.request_timeout))
    session.connector.connect = functools.partial(connect_wrapper, session.connector)  # type: ignore[method-assign]
    client.client_session = session


class Session:
    """The bot's account on its homeserver, over a persistent, E2EE-capable nio client."""

    def __init__(self, config: MatrixConfig) -> None:
        self.config = config
        store_path = Path(config.store_path)
        store_path.mkdir(parents=True, exist_ok=True)
        os.chmod(store_path, 0o700)
        self.store_path = store_path
        validation.install()  # nio checks what it reads with compiled schemas
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
        _untraced_http(self.nio)
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
        _skip_own_decryption(self.nio)
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
        _untraced_http(self.nio)
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

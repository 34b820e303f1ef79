"""A throwaway Synapse homeserver on loopback, for the demo and the integration tests.

It runs the `matrix-synapse` package in a subprocess with SQLite in a
temporary folder; users are created through the shared-secret admin
registration API, exactly as an operator would.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

SERVER_NAME = "facilibot.test"

_CONFIG = """
server_name: "{server_name}"
pid_file: "{dir}/homeserver.pid"
public_baseurl: "http://127.0.0.1:{port}/"
listeners:
  - port: {port}
    bind_addresses: ["127.0.0.1"]
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
{database}
log_config: "{dir}/log.config"
media_store_path: "{dir}/media"
signing_key_path: "{dir}/signing.key"
registration_shared_secret: "{secret}"
report_stats: false
trusted_key_servers: []
suppress_key_server_warning: true
enable_registration: false
# Throwaway accounts: cheap password hashing keeps registrations and logins fast.
bcrypt_rounds: 4
presence:
  enabled: false
url_preview_enabled: false
enable_metrics: false
rc_message: {rc_message}
rc_registration: {{per_second: 1000, burst_count: 1000}}
rc_login:
  address: {{per_second: 1000, burst_count: 1000}}
  account: {{per_second: 1000, burst_count: 1000}}
  failed_attempts: {{per_second: 1000, burst_count: 1000}}
rc_joins:
  local: {{per_second: 1000, burst_count: 1000}}
  remote: {{per_second: 1000, burst_count: 1000}}
rc_joins_per_room: {{per_second: 1000, burst_count: 1000}}
rc_invites:
  per_room: {{per_second: 1000, burst_count: 1000}}
  per_user: {{per_second: 1000, burst_count: 1000}}
  per_issuer: {{per_second: 1000, burst_count: 1000}}
rc_3pid_validation: {{per_second: 1000, burst_count: 1000}}
rc_room_creation: {{per_second: 1000, burst_count: 1000}}
rc_key_requests: {{per_second: 1000, burst_count: 1000}}
rc_admin_redaction: {{per_second: 1000, burst_count: 1000}}
rc_delayed_event_mgmt: {{per_second: 1000, burst_count: 1000}}
federation_rc_window_size: 1000
federation_rc_sleep_limit: 1000
federation_rc_sleep_delay: 0
federation_rc_reject_limit: 1000
federation_rc_concurrent: 100
"""

# Tchap's room access rules (the `synapse-room-access-rules` package), as its
# homeservers load them; the module predates room version 12's rules for room
# creators, hence version 10.
_ACCESS_RULES = """
default_room_version: "10"
modules:
  - module: room_access_rules.RoomAccessRules
    config:
      id_server: "identity.invalid"
      domains_forbidden_when_restricted: ["externe.invalid"]
"""

_SQLITE = """database:
  name: sqlite3
  args:
    database: "{dir}/homeserver.db"
"""

_LOG_CONFIG = """
version: 1
formatters:
  precise:
    format: '%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(message)s'
handlers:
  file:
    class: logging.FileHandler
    formatter: precise
    filename: "{dir}/homeserver.log"
    encoding: utf8
loggers:
  synapse.storage.SQL:
    level: WARNING
  synapse.access:
    level: {access_level}
root:
  level: WARNING
  handlers: [file]
disable_existing_loggers: false
"""


def free_port() -> int:
    """Return a TCP port free on loopback right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class RegisteredUser:
    """A user created on the throwaway homeserver."""

    user_id: str
    password: str
    access_token: str
    device_id: str


class SynapseError(Exception):
    """The homeserver could not be started or did not answer."""


class Synapse:
    """One Synapse process; `start()` / `stop()`, or use it as an async context manager."""

    def __init__(
        self,
        directory: Path | None = None,
        *,
        server_name: str = SERVER_NAME,
        messages_per_second: float | None = None,
        access_rules: bool = False,
        access_log: bool = False,
        database: str | None = None,
    ) -> None:
        self._own_dir = directory is None
        self.dir = Path(directory or tempfile.mkdtemp(prefix="facilibot-synapse-"))
        self.dir.mkdir(parents=True, exist_ok=True)
        self.server_name = server_name
        self.port = free_port()
        self.secret = secrets.token_hex(16)
        self.messages_per_second = messages_per_second
        self.access_rules = access_rules
        # Every request in homeserver.log with its processing time (the benchmarks).
        self.access_log = access_log
        # The `database:` block of homeserver.yaml (default: SQLite in the folder).
        self.database = database
        self.process: subprocess.Popen[bytes] | None = None
        self._configured = False

    @property
    def url(self) -> str:
        """The client-server API base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def config_path(self) -> Path:
        """Where the generated homeserver.yaml lives."""
        return self.dir / "homeserver.yaml"

    def _write_config(self) -> None:
        if self.messages_per_second is None:
            rc_message = "{per_second: 1000, burst_count: 1000}"
        else:
            rate = self.messages_per_second
            rc_message = f"{{per_second: {rate}, burst_count: {max(1, int(rate * 2))}}}"
        text = _CONFIG.format(
            server_name=self.server_name,
            dir=self.dir,
            port=self.port,
            secret=self.secret,
            rc_message=rc_message,
            database=(self.database or _SQLITE.format(dir=self.dir)).rstrip(),
        )
        if self.access_rules:
            text += _ACCESS_RULES
        self.config_path.write_text(text, encoding="utf-8")
        (self.dir / "log.config").write_text(
            _LOG_CONFIG.format(dir=self.dir, access_level="INFO" if self.access_log else "WARNING"),
            encoding="utf-8",
        )
        subprocess.run(
            [*self._command(), "--generate-keys"],
            check=True,
            capture_output=True,
            cwd=self.dir,
        )
        self._configured = True

    def _command(self) -> list[str]:
        return [sys.executable, "-m", "synapse.app.homeserver", "-c", str(self.config_path)]

    def _spawn(self) -> subprocess.Popen[bytes]:
        with open(self.dir / "stdout.log", "ab") as log_file:
            return subprocess.Popen(
                self._command(),
                cwd=self.dir,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )

    async def start(self, wait_seconds: float = 60) -> None:
        """Start the homeserver and wait until it answers.

        Raises:
            SynapseError: it exited or did not answer in time.
        """
        if not self._configured:
            await asyncio.to_thread(self._write_config)
        self.process = await asyncio.to_thread(self._spawn)
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SynapseError(f"Synapse exited at start:\n{self.tail_log()}")
            if await asyncio.to_thread(self._answers):
                log.info("Synapse ready on %s", self.url)
                return
            await asyncio.sleep(0.2)
        raise SynapseError(f"Synapse did not answer within {wait_seconds:.0f}s:\n{self.tail_log()}")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/_matrix/client/versions", timeout=2):
                return True
        except (urllib.error.URLError, OSError):
            return False

    def tail_log(self, lines: int = 40) -> str:
        """The last lines Synapse wrote, for error messages."""
        chunks = []
        for name in ("stdout.log", "homeserver.log"):
            path = self.dir / name
            if path.exists():
                chunks += path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
        return "\n".join(chunks)

    async def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                await asyncio.to_thread(self.process.wait, 15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                await asyncio.to_thread(self.process.wait)
        self.process = None

    async def restart(self) -> None:
        """Stop and start again on the same port and data."""
        await self.stop()
        await self.start()

    def cleanup(self) -> None:
        """Remove the temporary folder (when this object created it)."""
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    async def __aenter__(self) -> Synapse:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
        self.cleanup()

    async def register(
        self, localpart: str, password: str | None = None, *, admin: bool = False
    ) -> RegisteredUser:
        """Create a user with the shared-secret admin registration API."""
        password = password or secrets.token_urlsafe(12)
        return await asyncio.to_thread(self._register, localpart, password, admin)

    def _register(self, localpart: str, password: str, admin: bool) -> RegisteredUser:
        endpoint = f"{self.url}/_synapse/admin/v1/register"
        with urllib.request.urlopen(endpoint, timeout=10) as response:
            nonce = json.load(response)["nonce"]
        body: dict[str, object] = {
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
        }
        # The MAC covers the four fields separated by NUL, with no trailing NUL.
        mac = hmac.new(
            self.secret.encode(),
            b"\x00".join(
                p.encode("utf8")
                for p in (nonce, localpart, password, "admin" if admin else "notadmin")
            ),
            digestmod=hashlib.sha1,
        )
        body["mac"] = mac.hexdigest()
        request = urllib.request.Request(
            endpoint,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answer = json.load(response)
        except urllib.error.HTTPError as exc:
            raise SynapseError(f"registration of {localpart} failed: {exc.read()!r}") from exc
        return RegisteredUser(
            user_id=answer["user_id"],
            password=password,
            access_token=answer["access_token"],
            device_id=answer["device_id"],
        )

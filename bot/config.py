"""Configuration: a TOML file read into frozen pydantic models.

Every key added after the first release has a default, so a file that
worked keeps working. Secrets may come from the environment instead of the
file (`FACILIBOT_PASSWORD`, `FACILIBOT_ACCESS_TOKEN`).
"""

from __future__ import annotations

import os
import tomllib
import unicodedata
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.domain.durations import format_duration, parse_duration

ENV_PASSWORD = "FACILIBOT_PASSWORD"
ENV_ACCESS_TOKEN = "FACILIBOT_ACCESS_TOKEN"


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    return parse_duration(value)


Duration = Annotated[
    timedelta, BeforeValidator(_duration), PlainSerializer(format_duration, return_type=str)
]


def _check_user_id(value: str) -> str:
    if not value.startswith("@") or ":" not in value:
        raise ValueError(f"identifiant Matrix invalide {value!r} (attendu : @nom:serveur)")
    return value


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MatrixConfig(_Section):
    homeserver: str
    user_id: str
    password: str | None = Field(default=None, repr=False)
    access_token: str | None = Field(default=None, repr=False)
    device_name: str = "Facilibot"
    store_path: Path = Path("store")
    allowed_servers: tuple[str, ...] = ()
    # Which devices receive the bot's room keys (see bot/trust.py and the README).
    trust: Literal["tofu", "cross_signed"] = "tofu"
    # How long an undecryptable message waits for its key before its sender is told.
    decryption_timeout: Duration = timedelta(minutes=5)

    @field_validator("homeserver")
    @classmethod
    def _homeserver(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("adresse invalide : elle doit commencer par https:// ou http://")
        return value.rstrip("/")

    @field_validator("user_id")
    @classmethod
    def _user_id(cls, value: str) -> str:
        return _check_user_id(value)

    @model_validator(mode="after")
    def _credentials(self) -> MatrixConfig:
        if not self.password and not self.access_token:
            raise ValueError(
                f"ni password ni access_token : renseignez-en un (ou {ENV_PASSWORD} / "
                f"{ENV_ACCESS_TOKEN})"
            )
        return self

    @property
    def server_name(self) -> str:
        """The bot's own server, from its user id."""
        return self.user_id.split(":", 1)[1]

    def is_allowed(self, user_id: str) -> bool:
        """Whether a user belongs to a server the bot serves."""
        server = user_id.split(":", 1)[1] if ":" in user_id else ""
        return server == self.server_name or server in self.allowed_servers


class RoomsConfig(_Section):
    requests: tuple[str, ...] = ()
    facilitators: str | None = None

    @field_validator("requests", mode="before")
    @classmethod
    def _requests(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("requests")
    @classmethod
    def _room_refs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for ref in value:
            _check_room_ref(ref)
        return value

    @field_validator("facilitators")
    @classmethod
    def _facilitators(cls, value: str | None) -> str | None:
        return _check_room_ref(value) if value else value


def _check_room_ref(ref: str) -> str:
    # Room ids of room version 12 and later carry no server name.
    if not (ref.startswith("!") and len(ref) > 1) and not (ref.startswith("#") and ":" in ref):
        raise ValueError(f"salon invalide {ref!r} (attendu : !identifiant ou #alias:serveur)")
    return ref


class BotConfig(_Section):
    command_prefix: str = "!"
    timezone: str = "Europe/Paris"
    coordinators: tuple[str, ...] = ()
    max_message_length: int = Field(default=4000, ge=100, le=65536)
    # Outgoing pace: a burst, then this many messages a second (under the server's limit).
    sends_per_second: float = Field(default=20.0, gt=0, le=1000)
    send_burst: int = Field(default=50, ge=1, le=1000)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"fuseau horaire inconnu {value!r}") from None
        return value

    @field_validator("coordinators")
    @classmethod
    def _coordinators(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_check_user_id(v) for v in value)

    @field_validator("command_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not value or len(value) > 3 or any(c.isspace() for c in value):
            raise ValueError("préfixe invalide (un à trois caractères sans espace, ex. « ! »)")
        return value

    @property
    def tz(self) -> ZoneInfo:
        """The configured time zone."""
        return ZoneInfo(self.timezone)


class StorageConfig(_Section):
    database: Path = Path("facilibot.sqlite3")
    # Closed (réalisée / annulée) requests older than this are purged; 0 keeps them.
    retention_months: int = Field(default=24, ge=0, le=240)


class MatchingConfig(_Section):
    pings_per_slot: int = Field(default=3, ge=1, le=50)
    escalate_after: Duration = timedelta(hours=24)
    ping_in: Literal["dm", "room"] = "dm"
    # A large event is staffed in rounds: never more than this share of the directory at once.
    round_share: float = Field(default=0.25, gt=0, le=1)
    # ... but a round may always reach this many people: small directories are not throttled.
    round_minimum: int = Field(default=10, ge=1)


class RemindersConfig(_Section):
    mission_before: tuple[Duration, ...] = (timedelta(days=2), timedelta(hours=2))
    plenary_before: tuple[Duration, ...] = (
        timedelta(days=7),
        timedelta(days=1),
        timedelta(hours=1),
    )
    feedback_after: Duration = timedelta(days=1)


class MissionsConfig(_Section):
    # A private, encrypted room per mission from its first acceptance; false keeps
    # the request's thread and DMs only.
    room: bool = True
    # Nudges, in working days (weekends and French public holidays not counted):
    # no scoping meeting planned this long before the mission, no déroulé shared
    # this long before it, no restitution this long after it.
    nudge_cadrage_before: int = Field(default=10, ge=0, le=60)
    nudge_deroule_before: int = Field(default=5, ge=0, le=60)
    nudge_restitution_after: int = Field(default=5, ge=0, le=60)
    # The reminder of the scoping meeting, in the mission's room.
    cadrage_reminder_before: Duration = timedelta(hours=1)
    # After a request is closed, the bot leaves its room once the retour is in,
    # or after this long at the latest.
    leave_after: Duration = timedelta(days=14)


class WorkflowConfig(_Section):
    # "none": facilitators are sought as soon as a request is complete;
    # "referents": a referent of its region (or a coordinator) qualifies it first.
    qualification: Literal["none", "referents"] = "none"
    # Unqualified after this many working days, the coordinators are told.
    qualify_within: int = Field(default=2, ge=1, le=30)


# Observability.
def parse_listen(value: str) -> tuple[str, int] | None:
    """Split `host:port` (`[::1]:port` for IPv6); None for "" (disabled).

    Raises:
        ValueError: not a loopback `host:port`.
    """
    if not value:
        return None
    host, sep, port_text = value.rpartition(":")
    host = host.strip("[]")
    if not sep or not port_text.isdigit() or not 0 <= int(port_text) < 65536:
        raise ValueError(f"adresse d'écoute invalide {value!r} (attendu : 127.0.0.1:9464)")
    if host != "localhost" and host != "::1" and not host.startswith("127."):
        raise ValueError(
            f"adresse d'écoute {host!r} refusée : seule la boucle locale est permise "
            "(127.0.0.1 ou ::1 ; exposez-la via un proxy si besoin)"
        )
    return host, int(port_text)


class ObservabilityConfig(_Section):
    # "" (the default) disables the HTTP listener; "127.0.0.1:9464" enables it.
    listen: str = ""
    # /healthz answers 503 when the last successful sync is older than this.
    max_sync_age: Duration = timedelta(minutes=2)

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        parse_listen(value)
        return value

    @property
    def address(self) -> tuple[str, int] | None:
        """Where to listen, or None when disabled."""
        return parse_listen(self.listen)


class NetworkConfig(_Section):
    # How the network is named in attestations and in the yearly report.
    name: str = Field(default="Réseau des facilitateurs", min_length=1, max_length=120)
    # Who signs attestations: a name and a title, one line each ("\n" between).
    signatory: str = Field(default="La coordination du réseau", min_length=1, max_length=240)


class Config(_Section):
    matrix: MatrixConfig
    rooms: RoomsConfig = RoomsConfig()
    bot: BotConfig = BotConfig()
    storage: StorageConfig = StorageConfig()
    matching: MatchingConfig = MatchingConfig()
    reminders: RemindersConfig = RemindersConfig()
    observability: ObservabilityConfig = ObservabilityConfig()
    network: NetworkConfig = NetworkConfig()
    missions: MissionsConfig = MissionsConfig()
    workflow: WorkflowConfig = WorkflowConfig()
    # The referents of each region, keyed by the region as the roster writes it.
    referents: dict[str, tuple[str, ...]] = Field(default_factory=dict)

    @field_validator("referents")
    @classmethod
    def _referents(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        return {region: tuple(_check_user_id(u) for u in users) for region, users in value.items()}

    def referents_of(self, region: str | None) -> tuple[str, ...]:
        """The referents of a region (its name compared without case or accents)."""
        if not region:
            return ()
        wanted = _fold(region)
        for name, users in self.referents.items():
            if _fold(name) == wanted:
                return users
        return ()

    def is_referent(self, user_id: str) -> bool:
        """Whether a user is a referent of some region."""
        return any(user_id in users for users in self.referents.values())

    def is_coordinator(self, user_id: str) -> bool:
        """Whether a user is a coordinator (from config only)."""
        return user_id in self.bot.coordinators


class ConfigError(Exception):
    """The configuration cannot be used; `problems` holds one line per key."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load_config(path: str | Path, env: dict[str, str] | None = None) -> Config:
    """Read, validate and resolve a configuration file.

    Relative paths (store, database) are taken relative to the file's folder.

    Raises:
        ConfigError: one line per problem, each naming its key.
    """
    path = Path(path)
    env = os.environ if env is None else env
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([f"{path}: fichier introuvable"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: illisible ({exc})"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: TOML invalide ({exc})"]) from None
    return config_from_dict(raw, base_dir=path.parent.resolve(), env=env)


def load_offline_config(path: str | Path) -> Config:
    """Read a configuration for a tool that only uses the database (no login: no secret needed).

    Raises:
        ConfigError: one line per problem, each naming its key.
    """
    env = dict(os.environ)
    if not env.get(ENV_PASSWORD) and not env.get(ENV_ACCESS_TOKEN):
        env[ENV_ACCESS_TOKEN] = "offline"  # never used: offline tools do not log in
    return load_config(path, env=env)


def config_from_dict(
    raw: dict[str, Any], *, base_dir: Path, env: dict[str, str] | None = None
) -> Config:
    """Validate a parsed TOML document (secrets from `env` win over the file).

    Raises:
        ConfigError: one line per problem, each naming its key.
    """
    env = {} if env is None else env
    matrix = raw.get("matrix")
    if isinstance(matrix, dict):
        matrix = dict(matrix)
        if env.get(ENV_PASSWORD):
            matrix["password"] = env[ENV_PASSWORD]
        if env.get(ENV_ACCESS_TOKEN):
            matrix["access_token"] = env[ENV_ACCESS_TOKEN]
        raw = {**raw, "matrix": matrix}
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError([_describe(err) for err in exc.errors()]) from None
    return config.model_copy(
        update={
            "matrix": config.matrix.model_copy(
                update={"store_path": _resolve(base_dir, config.matrix.store_path)}
            ),
            "storage": config.storage.model_copy(
                update={"database": _resolve(base_dir, config.storage.database)}
            ),
        }
    )


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("-", " ")


def _resolve(base: Path, path: Path) -> Path:
    path = path.expanduser()
    return path if path.is_absolute() else base / path


_PYDANTIC_MESSAGES = {
    "missing": "clé obligatoire absente",
    "extra_forbidden": "clé inconnue",
    "int_parsing": "nombre entier attendu",
    "int_type": "nombre entier attendu",
    "string_type": "texte attendu",
    "tuple_type": "liste attendue",
    "list_type": "liste attendue",
    "greater_than_equal": "valeur trop petite",
    "less_than_equal": "valeur trop grande",
    "literal_error": "valeur non admise",
    "model_type": "section attendue",
    "string_too_short": "texte vide",
    "string_too_long": "texte trop long",
}


def _describe(error: dict[str, Any]) -> str:
    loc = ".".join(str(part) for part in error["loc"] if not isinstance(part, int))
    message = _PYDANTIC_MESSAGES.get(error["type"])
    if error["type"] == "value_error":
        message = str(error.get("ctx", {}).get("error", error["msg"]))
    elif error["type"] == "literal_error":
        message = f"valeur non admise ({error['ctx']['expected']})"
    elif error["type"] in ("greater_than_equal", "less_than_equal"):
        message = f"{message} ({error['msg'].lower()})"
    return f"{loc or 'configuration'}: {message or error['msg']}"

"""The bot's own cross-signing identity: its keys, their key objects and signatures.

Pure: no I/O but reading and writing one file. Each key is an ed25519 pair,
held by a vodozemac `Account` (used only to sign), so that it can be pickled.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import vodozemac

from bot.matrix.trust import canonical_json

IDENTITY_FILE = "cross_signing.json"
# The file is protected like the encryption store: 0600 in a 0700 folder.
_PICKLE_KEY = b"facilibot-cross-signing-keys-v1!"


@dataclass(frozen=True)
class Identity:
    """A master key, and the self-signing key it certifies (which signs the bot's devices)."""

    master: vodozemac.Account
    self_signing: vodozemac.Account

    @classmethod
    def create(cls) -> Identity:
        """Make new keys."""
        return cls(vodozemac.Account(), vodozemac.Account())

    @property
    def master_key(self) -> str:
        """The public master key."""
        return str(self.master.ed25519_key.to_base64())

    def upload_body(self, user_id: str) -> dict[str, Any]:
        """The body of `/keys/device_signing/upload` (without `auth`)."""
        return {
            "master_key": key_object(user_id, self.master, "master"),
            "self_signing_key": sign(
                key_object(user_id, self.self_signing, "self_signing"), user_id, self.master
            ),
        }

    def sign_device(self, user_id: str, device_keys: dict[str, Any]) -> dict[str, Any]:
        """The device's keys with the self-signing key's signature added."""
        return sign(device_keys, user_id, self.self_signing)

    def save(self, folder: Path) -> None:
        """Write the private keys (0600)."""
        data = {
            "master": self.master.pickle(_PICKLE_KEY),
            "self_signing": self.self_signing.pickle(_PICKLE_KEY),
        }
        path = folder / IDENTITY_FILE
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(tmp, path)

    @classmethod
    def load(cls, folder: Path) -> Identity | None:
        """Read the private keys; None when there are none (or they are unreadable)."""
        try:
            data = json.loads((folder / IDENTITY_FILE).read_text(encoding="utf-8"))
            return cls(
                vodozemac.Account.from_pickle(data["master"], _PICKLE_KEY),
                vodozemac.Account.from_pickle(data["self_signing"], _PICKLE_KEY),
            )
        except (OSError, ValueError, KeyError, TypeError, vodozemac.PickleException):
            return None


def key_object(user_id: str, account: vodozemac.Account, usage: str) -> dict[str, Any]:
    """A cross-signing key object for one public key."""
    public = account.ed25519_key.to_base64()
    return {"user_id": user_id, "usage": [usage], "keys": {f"ed25519:{public}": public}}


def sign(obj: dict[str, Any], user_id: str, signer: vodozemac.Account) -> dict[str, Any]:
    """A copy of `obj` with `signer`'s signature added (other signatures kept)."""
    payload = {k: v for k, v in obj.items() if k not in ("signatures", "unsigned")}
    public = signer.ed25519_key.to_base64()
    signature = signer.sign(canonical_json(payload)).to_base64()
    signatures = {u: dict(s) for u, s in obj.get("signatures", {}).items()}
    signatures.setdefault(user_id, {})[f"ed25519:{public}"] = signature
    return {**payload, "signatures": signatures}

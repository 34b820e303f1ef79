"""Which devices get the bot's room keys: the trust policy, and cross-signing checks.

Pure: it takes plain values (and the JSON of a `/keys/query` answer) and
returns decisions; the client applies them to nio's device store.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import vodozemac


class TrustPolicy(StrEnum):
    """`[matrix] trust`: how the bot decides which devices may read what it sends."""

    # Trust each device of a served user the first time it is seen (its keys
    # are then pinned by nio: a device whose keys change is not re-trusted).
    TOFU = "tofu"
    # Only devices their owner has cross-signed (verified from another session
    # or with the recovery key): a login with the password alone reads nothing.
    CROSS_SIGNED = "cross_signed"


class Decision(StrEnum):
    """What to do with one device."""

    TRUST = "trust"  # verified: it receives room keys
    BLOCK = "block"  # blacklisted: it receives nothing


@dataclass(frozen=True)
class DeviceFacts:
    """What the decision needs to know about one device."""

    user_id: str
    device_id: str
    served: bool  # the user is on the bot's server or on `allowed_servers`
    cross_signed: bool | None = None  # None when not checked (TOFU does not need it)


def decide(policy: TrustPolicy, device: DeviceFacts) -> Decision:
    """Decide whether a device may receive the bot's room keys."""
    if not device.served:
        # The bot serves only allowed servers: others are not sent its messages.
        return Decision.BLOCK
    if policy is TrustPolicy.TOFU:
        return Decision.TRUST
    return Decision.TRUST if device.cross_signed else Decision.BLOCK


def canonical_json(value: Any) -> bytes:
    """The Matrix canonical JSON of a value (what signatures cover)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode(
        "utf-8"
    )


def signed_by(obj: Mapping[str, Any], user_id: str, public_key: str) -> bool:
    """Whether `obj` carries a valid signature by `user_id`'s ed25519 key `public_key`."""
    signature = obj.get("signatures", {}).get(user_id, {}).get(f"ed25519:{public_key}")
    if not isinstance(signature, str):
        return False
    unsigned = {k: v for k, v in obj.items() if k not in ("signatures", "unsigned")}
    try:
        key = vodozemac.Ed25519PublicKey.from_base64(public_key)
        decoded = vodozemac.Ed25519Signature.from_base64(signature)
        key.verify_signature(canonical_json(unsigned), decoded)
    except (vodozemac.SignatureException, vodozemac.KeyException, ValueError, TypeError):
        return False
    return True


def _single_key(cross_signing_key: Any, user_id: str, usage: str) -> str | None:
    if not isinstance(cross_signing_key, Mapping) or cross_signing_key.get("user_id") != user_id:
        return None
    if usage not in cross_signing_key.get("usage", ()):
        return None
    keys = cross_signing_key.get("keys")
    if not isinstance(keys, Mapping) or len(keys) != 1:
        return None
    value = next(iter(keys.values()))
    return value if isinstance(value, str) else None


def cross_signed_devices(keys_query: Mapping[str, Any], user_id: str) -> set[str]:
    """The ids of `user_id`'s devices signed by their self-signing key, itself signed by
    their master key, in a `/keys/query` answer."""
    master = keys_query.get("master_keys", {}).get(user_id)
    self_signing = keys_query.get("self_signing_keys", {}).get(user_id)
    master_key = _single_key(master, user_id, "master")
    ssk = _single_key(self_signing, user_id, "self_signing")
    if master_key is None or ssk is None or not signed_by(self_signing, user_id, master_key):
        return set()
    devices = keys_query.get("device_keys", {}).get(user_id, {})
    return {
        device_id
        for device_id, device in devices.items()
        if isinstance(device, Mapping)
        and device.get("device_id") == device_id
        and signed_by(device, user_id, ssk)
    }


def plan(
    policy: TrustPolicy,
    devices: list[tuple[str, str]],
    is_served: Callable[[str], bool],
    cross_signed: Mapping[str, set[str]] | None = None,
) -> dict[tuple[str, str], Decision]:
    """Decide for each (user id, device id) pair."""
    cross_signed = cross_signed or {}
    return {
        (user_id, device_id): decide(
            policy,
            DeviceFacts(
                user_id,
                device_id,
                served=is_served(user_id),
                cross_signed=device_id in cross_signed.get(user_id, set()),
            ),
        )
        for user_id, device_id in devices
    }

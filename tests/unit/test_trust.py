"""The trust policy: which devices get the bot's room keys, and cross-signing checks."""

from __future__ import annotations

import copy

import pytest
import vodozemac

from bot.config import ConfigError
from bot.matrix.trust import (
    Decision,
    DeviceFacts,
    TrustPolicy,
    canonical_json,
    cross_signed_devices,
    decide,
    plan,
    signed_by,
)
from tests.unit.conftest import make_config

USER = "@alice-dgfip.finances.gouv.fr:agent.finances.tchap.gouv.fr"


@pytest.mark.parametrize(
    ("policy", "served", "cross_signed", "expected"),
    [
        (TrustPolicy.TOFU, True, None, Decision.TRUST),
        (TrustPolicy.TOFU, True, False, Decision.TRUST),
        (TrustPolicy.TOFU, False, True, Decision.BLOCK),
        (TrustPolicy.CROSS_SIGNED, True, True, Decision.TRUST),
        (TrustPolicy.CROSS_SIGNED, True, False, Decision.BLOCK),
        (TrustPolicy.CROSS_SIGNED, True, None, Decision.BLOCK),
        (TrustPolicy.CROSS_SIGNED, False, True, Decision.BLOCK),
    ],
)
def test_decision_table(policy, served, cross_signed, expected):
    device = DeviceFacts(USER, "DEVICE", served=served, cross_signed=cross_signed)
    assert decide(policy, device) is expected


def test_plan_decides_each_device_by_its_server():
    config = make_config(
        matrix={
            "homeserver": "https://matrix.agent.finances.tchap.gouv.fr",
            "user_id": "@facilibot:agent.finances.tchap.gouv.fr",
            "password": "p",
            "allowed_servers": ["agent.dinum.tchap.gouv.fr"],
        }
    )
    devices = [
        (USER, "A"),
        ("@bob:agent.dinum.tchap.gouv.fr", "B"),
        ("@eve:matrix.org", "C"),
    ]
    decisions = plan(TrustPolicy.TOFU, devices, config.matrix.is_allowed)
    assert decisions == {
        (USER, "A"): Decision.TRUST,
        ("@bob:agent.dinum.tchap.gouv.fr", "B"): Decision.TRUST,
        ("@eve:matrix.org", "C"): Decision.BLOCK,
    }
    strict = plan(TrustPolicy.CROSS_SIGNED, devices, config.matrix.is_allowed, {USER: {"A"}})
    assert [d.value for d in strict.values()] == ["trust", "block", "block"]


def test_trust_is_read_from_config_with_tofu_by_default():
    assert make_config().matrix.trust == "tofu"
    with pytest.raises(ConfigError) as error:
        make_config(
            matrix={
                "homeserver": "https://matrix.example.org",
                "user_id": "@bot:example.org",
                "password": "p",
                "trust": "everyone",
            }
        )
    assert error.value.problems[0].startswith("matrix.trust: valeur non admise")


# -- cross-signing, with real ed25519 keys ------------------------------------


def _sign(obj: dict, user_id: str, signer: vodozemac.Account) -> dict:
    key = signer.ed25519_key.to_base64()
    payload = {k: v for k, v in obj.items() if k not in ("signatures", "unsigned")}
    signature = signer.sign(canonical_json(payload)).to_base64()
    signed = copy.deepcopy(obj)
    signed.setdefault("signatures", {}).setdefault(user_id, {})[f"ed25519:{key}"] = signature
    return signed


def _identity(devices: dict[str, vodozemac.Account], signed: set[str]) -> dict:
    """A /keys/query answer for USER: master and self-signing keys, some devices signed."""
    master, ssk = vodozemac.Account(), vodozemac.Account()
    master_key = master.ed25519_key.to_base64()
    ssk_key = ssk.ed25519_key.to_base64()
    self_signing = {
        "user_id": USER,
        "usage": ["self_signing"],
        "keys": {f"ed25519:{ssk_key}": ssk_key},
    }
    device_keys = {}
    for device_id, account in devices.items():
        key = account.ed25519_key.to_base64()
        body = {
            "user_id": USER,
            "device_id": device_id,
            "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
            "keys": {f"ed25519:{device_id}": key},
        }
        device_keys[device_id] = _sign(body, USER, ssk) if device_id in signed else body
    return {
        "device_keys": {USER: device_keys},
        "master_keys": {
            USER: {
                "user_id": USER,
                "usage": ["master"],
                "keys": {f"ed25519:{master_key}": master_key},
            }
        },
        "self_signing_keys": {USER: _sign(self_signing, USER, master)},
    }


def test_only_devices_signed_by_the_self_signing_key_count():
    answer = _identity({"PHONE": vodozemac.Account(), "NEWLOGIN": vodozemac.Account()}, {"PHONE"})
    assert cross_signed_devices(answer, USER) == {"PHONE"}
    assert cross_signed_devices(answer, "@someone-else:example.org") == set()


def test_a_self_signing_key_not_signed_by_the_master_key_trusts_nothing():
    answer = _identity({"PHONE": vodozemac.Account()}, {"PHONE"})
    other_master = vodozemac.Account().ed25519_key.to_base64()
    answer["master_keys"][USER]["keys"] = {f"ed25519:{other_master}": other_master}
    assert cross_signed_devices(answer, USER) == set()


def test_a_tampered_device_is_not_cross_signed():
    answer = _identity({"PHONE": vodozemac.Account()}, {"PHONE"})
    answer["device_keys"][USER]["PHONE"]["keys"]["ed25519:PHONE"] = (
        vodozemac.Account().ed25519_key.to_base64()
    )
    assert cross_signed_devices(answer, USER) == set()


def test_no_cross_signing_identity_means_no_cross_signed_device():
    answer = _identity({"PHONE": vodozemac.Account()}, {"PHONE"})
    del answer["master_keys"]
    assert cross_signed_devices(answer, USER) == set()
    assert cross_signed_devices({}, USER) == set()


def test_signed_by_rejects_garbage():
    assert not signed_by({"signatures": {USER: {"ed25519:xyz": "nope"}}}, USER, "xyz")
    assert not signed_by({}, USER, "xyz")


# -- the bot's own identity ---------------------------------------------------


def test_the_bots_identity_signs_its_device_and_survives_a_restart(tmp_path):
    from bot.matrix.identity import IDENTITY_FILE, Identity

    bot = "@facilibot:agent.finances.tchap.gouv.fr"
    identity = Identity.create()
    identity.save(tmp_path)
    assert oct((tmp_path / IDENTITY_FILE).stat().st_mode & 0o777) == "0o600"
    again = Identity.load(tmp_path)
    assert again is not None and again.master_key == identity.master_key

    device_key = vodozemac.Account().ed25519_key.to_base64()
    device = {
        "user_id": bot,
        "device_id": "BOTDEVICE",
        "keys": {"ed25519:BOTDEVICE": device_key},
        "signatures": {bot: {"ed25519:BOTDEVICE": "self-signature"}},
        "unsigned": {"device_display_name": "Facilibot"},
    }
    body = again.upload_body(bot)
    answer = {
        "master_keys": {bot: body["master_key"]},
        "self_signing_keys": {bot: body["self_signing_key"]},
        "device_keys": {bot: {"BOTDEVICE": again.sign_device(bot, device)}},
    }
    assert cross_signed_devices(answer, bot) == {"BOTDEVICE"}
    signed = answer["device_keys"][bot]["BOTDEVICE"]
    assert signed["signatures"][bot]["ed25519:BOTDEVICE"] == "self-signature"
    assert "unsigned" not in signed


def test_an_unreadable_identity_file_is_no_identity(tmp_path):
    from bot.matrix.identity import IDENTITY_FILE, Identity

    assert Identity.load(tmp_path) is None
    (tmp_path / IDENTITY_FILE).write_text("{not json", encoding="utf-8")
    assert Identity.load(tmp_path) is None

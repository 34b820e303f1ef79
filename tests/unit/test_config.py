"""Configuration: the example file validates, broken files name their keys."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, config_from_dict, load_config
from bot.domain.durations import format_duration, parse_duration

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = {"matrix": {"homeserver": "https://matrix.example.org", "user_id": "@bot:example.org"}}


def test_example_config_is_valid():
    config = load_config(ROOT / "config.example.toml", env={})
    assert config.bot.timezone == "Europe/Paris"
    assert config.matching.escalate_after > timedelta(0)
    assert config.reminders.plenary_before[0] == timedelta(days=7)
    assert config.storage.database.is_absolute()


def test_secrets_come_from_the_environment():
    config = config_from_dict(
        MINIMAL, base_dir=Path("/srv"), env={"FACILIBOT_ACCESS_TOKEN": "syt_secret"}
    )
    assert config.matrix.access_token == "syt_secret"
    assert "syt_secret" not in repr(config)


def test_missing_credentials_are_reported():
    with pytest.raises(ConfigError) as caught:
        config_from_dict(MINIMAL, base_dir=Path("."), env={})
    assert caught.value.problems[0].startswith("matrix: ")
    assert "password" in caught.value.problems[0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"matrix": {**MINIMAL["matrix"], "homeserver": "matrix.org"}}, "matrix.homeserver: "),
        ({"matrix": {**MINIMAL["matrix"], "user_id": "bot"}}, "matrix.user_id: "),
        ({**MINIMAL, "bot": {"timezone": "Mars/Olympus"}}, "bot.timezone: "),
        ({**MINIMAL, "bot": {"prefixe": "!"}}, "bot.prefixe: clé inconnue"),
        ({**MINIMAL, "matching": {"escalate_after": "soon"}}, "matching.escalate_after: "),
        ({**MINIMAL, "matching": {"pings_per_slot": 0}}, "matching.pings_per_slot: "),
        ({**MINIMAL, "rooms": {"requests": ["general"]}}, "rooms.requests: "),
        ({**MINIMAL, "reminders": {"mission_before": ["2d", "x"]}}, "reminders.mission_before: "),
        ({}, "matrix: clé obligatoire absente"),
    ],
)
def test_each_problem_names_its_key(raw, expected):
    env = {"FACILIBOT_PASSWORD": "p"}
    with pytest.raises(ConfigError) as caught:
        config_from_dict(raw, base_dir=Path("."), env=env)
    assert any(p.startswith(expected) for p in caught.value.problems), caught.value.problems


def test_check_config_exit_codes(tmp_path, capsys):
    good = tmp_path / "good.toml"
    good.write_text(
        '[matrix]\nhomeserver = "https://m.example.org"\nuser_id = "@b:example.org"\n'
        'password = "p"\n',
        encoding="utf-8",
    )
    assert main(["check-config", "--config", str(good)]) == 0
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[matrix]\nhomeserver = "m.example.org"\nuser_id = "@b:example.org"\npassword = "p"\n'
        '[bot]\ntimezone = "Nowhere"\n',
        encoding="utf-8",
    )
    assert main(["check-config", "--config", str(bad)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["matrix.homeserver", "bot.timezone"]
    broken = tmp_path / "broken.toml"
    broken.write_text("[matrix\n", encoding="utf-8")
    assert main(["check-config", "--config", str(broken)]) == 2
    assert main(["check-config", "--config", str(tmp_path / "absent.toml")]) == 2


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("30s", timedelta(seconds=30)),
        ("15m", timedelta(minutes=15)),
        ("2h", timedelta(hours=2)),
        ("7d", timedelta(days=7)),
        ("1h30m", timedelta(minutes=90)),
        ("1w", timedelta(days=7)),
    ],
)
def test_durations_round_trip(text, delta):
    assert parse_duration(text) == delta
    assert parse_duration(format_duration(delta)) == delta


@pytest.mark.parametrize("text", ["", "2", "h", "2 heures", "-1h", "0s", "1.5h"])
def test_bad_durations_are_refused(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_network_section_has_defaults_and_is_checked(tmp_path, capsys):
    assert load_config(ROOT / "config.example.toml", env={}).network.signatory.startswith(
        "Camille Martin\n"
    )
    plain = config_from_dict({**MINIMAL, "matrix": {**MINIMAL["matrix"], "password": "x"}},
                             base_dir=tmp_path)  # fmt: skip
    assert plain.network.name == "Réseau des facilitateurs"
    assert plain.network.signatory == "La coordination du réseau"
    path = tmp_path / "bad.toml"
    path.write_text(
        '[matrix]\nhomeserver = "https://m.example.org"\nuser_id = "@b:example.org"\n'
        'password = "x"\n[network]\nname = ""\nsigle = "x"\n',
        encoding="utf-8",
    )
    assert main(["check-config", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "network.name: texte vide" in err and "network.sigle: clé inconnue" in err

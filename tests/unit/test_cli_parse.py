"""`facilibot parse`: one message, or a batch of JSON lines, as DESIGN.md says."""

from __future__ import annotations

import io
import json

from bot.cli import main, parse_command
from tests.unit.conftest import CONTRACT_KEYS, make_config


def test_single_message(capsys):
    text = "Quelqu'un dispo pour faciliter un codev le 24/09 de 9h30 à 12h ? On sera 8, en visio."
    assert main(["parse", "--now", "2026-09-10T16:40:00+02:00", text]) == 0
    result = json.loads(capsys.readouterr().out)
    assert list(result) == CONTRACT_KEYS
    assert result["event_date"] == "2026-09-24"
    assert (result["start_time"], result["end_time"]) == ("09:30", "12:00")
    assert result["modality"] == "distanciel" and result["participants"] == 8


def test_batch_keeps_the_order_and_reports_bad_lines():
    lines = [
        {"now": "2026-09-10T16:40:00+02:00", "text": "atelier demain 14h à Lyon"},
        {"now": "2026-09-10T16:40:00+02:00", "text": "Merci pour hier !"},
        "not json",
        {"now": "2026-12-28T09:00:00+01:00", "text": "séminaire le 5 janvier à Bercy"},
    ]
    stdin = io.StringIO("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    stdout = io.StringIO()
    assert parse_command(None, None, True, stdin, stdout) == 1
    out = [json.loads(line) for line in stdout.getvalue().splitlines()]
    assert len(out) == 4
    assert out[0]["event_date"] == "2026-09-11" and out[0]["location"] == "Lyon"
    assert out[1]["is_request"] is False and out[1]["facilitators_needed"] == 0
    assert out[2]["error"].startswith("ligne 3")
    assert out[3]["event_date"] == "2027-01-05"


def test_bad_now_is_refused(capsys):
    assert main(["parse", "--now", "hier", "atelier"]) == 2
    assert "--now" in capsys.readouterr().err


def test_allowed_servers():
    config = make_config(
        matrix={
            "homeserver": "https://matrix.agent.finances.tchap.gouv.fr",
            "user_id": "@facilibot:agent.finances.tchap.gouv.fr",
            "password": "p",
            "allowed_servers": ["agent.dinum.tchap.gouv.fr"],
        }
    )
    assert config.matrix.is_allowed("@a-finances.gouv.fr:agent.finances.tchap.gouv.fr")
    assert config.matrix.is_allowed("@b-numerique.gouv.fr:agent.dinum.tchap.gouv.fr")
    assert not config.matrix.is_allowed("@spam:matrix.org")
    assert not config.matrix.is_allowed("@nocolon")

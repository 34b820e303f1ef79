"""Observability: listen addresses, health judgement, database counts, Prometheus text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.config import ConfigError, config_from_dict, parse_listen
from bot.domain.requests import RequestDetails
from bot.observability import Observability, assess, outcome_class
from storage.metrics import read_snapshot
from storage.store import Store

from .conftest import REQUESTER, ROOM, make_config

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


def samples(text: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus exposition, by name and sorted labels."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text.decode())
        for s in family.samples
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", None),
        ("127.0.0.1:9464", ("127.0.0.1", 9464)),
        ("localhost:9000", ("localhost", 9000)),
        ("[::1]:9464", ("::1", 9464)),
    ],
)
def test_listen_addresses(value, expected):
    assert parse_listen(value) == expected


@pytest.mark.parametrize("value", ["0.0.0.0:9464", "10.0.0.5:80", "127.0.0.1", "127.0.0.1:x"])
def test_bad_listen_addresses_are_refused(value):
    with pytest.raises(ValueError):
        parse_listen(value)


def test_the_section_is_optional_and_disabled_by_default():
    config = make_config()
    assert config.observability.listen == ""
    assert config.observability.address is None
    assert config.observability.max_sync_age == timedelta(minutes=2)


def test_a_public_listen_address_names_its_key():
    with pytest.raises(ConfigError) as caught:
        make_config(observability={"listen": "0.0.0.0:9464"})
    assert caught.value.problems[0].startswith("observability.listen: ")


def test_enabled_listener_and_sync_age_are_read():
    raw = {
        "matrix": {"homeserver": "https://m.example.org", "user_id": "@b:example.org"},
        "observability": {"listen": "127.0.0.1:9464", "max_sync_age": "5m"},
    }
    config = config_from_dict(raw, base_dir=Path("/srv"), env={"FACILIBOT_PASSWORD": "p"})
    assert config.observability.address == ("127.0.0.1", 9464)
    assert config.observability.max_sync_age == timedelta(minutes=5)


def test_health_is_ok_with_a_fresh_sync_and_a_database():
    health = assess(
        now=NOW,
        last_sync=NOW - timedelta(seconds=10),
        max_sync_age=timedelta(minutes=2),
        database_ok=True,
        checks={"scheduler": True},
    )
    assert health.healthy
    assert health.body["status"] == "ok"
    assert health.body["last_sync_age_seconds"] == 10


@pytest.mark.parametrize(
    ("last_sync", "database_ok", "checks", "status"),
    [
        (None, True, {}, "starting"),
        (NOW - timedelta(minutes=3), True, {}, "unhealthy"),
        (NOW, False, {}, "unhealthy"),
        (NOW, True, {"scheduler": False}, "unhealthy"),
    ],
)
def test_health_fails_on_each_missing_part(last_sync, database_ok, checks, status):
    health = assess(
        now=NOW,
        last_sync=last_sync,
        max_sync_age=timedelta(minutes=2),
        database_ok=database_ok,
        checks=checks,
    )
    assert not health.healthy
    assert health.body["status"] == status


def test_outcomes_become_bounded_labels():
    assert outcome_class("request:42") == "request"
    assert outcome_class("command:aide") == "command:aide"
    assert outcome_class("ignored:notice") == "ignored:notice"
    assert outcome_class("refused") == "refused"


async def _request(store: Store, n: int) -> int:
    request = await store.requests.create(
        source_event_id=f"$e{n}",
        room_id=ROOM,
        thread_root=f"$e{n}",
        requester=REQUESTER,
        text="atelier",
        details=RequestDetails(),
        at=NOW,
    )
    return request.id


async def test_snapshot_counts_requests_pings_acceptances_and_outbox(store):
    first = await _request(store, 1)
    await _request(store, 2)
    await store.missions.record_ping(first, "@f1:x", round_=1, outbox_key="ping:1:f1", at=NOW)
    await store.missions.record_ping(first, "@f2:x", round_=1, outbox_key="ping:1:f2", at=NOW)
    assert await store.missions.take_slot(first, "@f1:x", actor="@f1:x", at=NOW)
    async with store.db.transaction():
        await store.outbox.queue(key="k1", content={"body": "x"}, at=NOW, room_id=ROOM)

    snap = await read_snapshot(store.db)

    assert (
        snap.requests_by_state["ouverte"]
        + snap.requests_by_state["partiellement pourvue"]
        + snap.requests_by_state["pourvue"]
        == 2
    )
    assert snap.requests_by_state["annulee"] == 0
    assert snap.pings == 2
    assert snap.acceptances == 1
    assert snap.outbox_by_state == {"pending": 1, "sent": 0, "failed": 0}
    assert snap.reminders == {}  # the jobs table exists, empty


async def test_snapshot_counts_reminders_by_kind_and_state(store):
    rows = [("mission_reminder", "sent"), ("mission_reminder", "skipped")]
    rows += [("mission_reminder", "pending"), ("feedback", "sent")]
    for n, (kind, state) in enumerate(rows):
        await store.db.execute(
            "INSERT INTO jobs (kind, target, due_at, state, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (kind, f"request:{n}", NOW.isoformat(), state, NOW.isoformat(), NOW.isoformat()),
        )
    snap = await read_snapshot(store.db)
    assert snap.reminders == {
        ("mission_reminder", "sent"): 1,
        ("mission_reminder", "skipped"): 1,
        ("mission_reminder", "pending"): 1,
        ("feedback", "sent"): 1,
    }


async def test_metrics_text_has_every_family(store):
    await _request(store, 1)
    await store.db.execute(
        "INSERT INTO jobs (kind, target, due_at, state, created_at, updated_at) "
        "VALUES ('mission_reminder', 'request:1', ?, 'sent', ?, ?)",
        (NOW.isoformat(), NOW.isoformat(), NOW.isoformat()),
    )
    obs = Observability(
        db=lambda: store.db,
        last_sync=lambda: NOW - timedelta(seconds=4),
        now=lambda: NOW,
        max_sync_age=timedelta(minutes=2),
        live=lambda: {"send_retries": 3, "sent": 7},
    )
    obs.observe_handled("message", "request:1", 0.004)
    obs.observe_handled("message", "command:aide", 0.002)

    found = samples(await obs.render_metrics())

    assert found[("facilibot_requests", (("state", "ouverte"),))] == 1
    assert found[("facilibot_pings_total", ())] == 0
    assert found[("facilibot_send_retries_total", ())] == 3
    assert found[("facilibot_messages_sent_total", ())] == 7
    assert found[("facilibot_last_sync_age_seconds", ())] == 4
    assert found[("facilibot_handler_seconds_count", (("kind", "message"),))] == 2
    key = ("facilibot_events_handled_total", (("kind", "message"), ("outcome", "request")))
    assert found[key] == 1
    sent = (("kind", "mission_reminder"), ("outcome", "sent"))
    assert found[("facilibot_jobs_total", sent)] == 1
    assert found[("facilibot_jobs_pending", (("kind", "mission_reminder"),))] == 0


async def test_health_reports_a_failing_check_and_a_closed_database(tmp_path):
    store = await Store.open(tmp_path / "h.sqlite3")
    obs = Observability(
        db=lambda: store.db,
        last_sync=lambda: NOW,
        now=lambda: NOW,
        max_sync_age=timedelta(minutes=2),
    )
    assert (await obs.health()).healthy
    obs.checks["scheduler"] = lambda: False
    assert (await obs.health()).body["checks"] == {"scheduler": False}
    obs.checks.clear()
    await store.close()
    health = await obs.health()
    assert not health.healthy and health.body["database_ok"] is False

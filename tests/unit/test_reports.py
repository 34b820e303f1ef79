"""The coordinators' figures: pure aggregation, `!stats`, `facilibot export`."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, date, datetime, time, timedelta

from bot.cli import main
from bot.domain.reports import (
    MissionFact,
    RequestFact,
    mission_minutes,
    missions_csv,
    per_facilitator,
    period_stats,
)
from handlers.reports import format_delay
from tests.unit.conftest import COORDINATOR, PEOPLE, answers, message, new_request

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_mission_minutes():
    assert mission_minutes(time(9), time(12, 30), None) == 210
    assert mission_minutes(time(14), None, 90) == 90
    assert mission_minutes(None, None, None) is None
    assert mission_minutes(time(14), time(13), 60) == 60


def test_period_stats_counts_rates_delays_and_formats():
    requests = [
        RequestFact(1, "pourvue", T0, T0 + timedelta(hours=2), "atelier"),
        RequestFact(2, "realisee", T0, T0 + timedelta(hours=6), "atelier"),
        RequestFact(3, "ouverte", T0, None, "seminaire"),
        RequestFact(4, "annulee", T0, None, None),
    ]
    missions = [
        MissionFact(1, "@a:x", date(2026, 11, 5), 120, "atelier", rating=5),
        MissionFact(2, "@a:x", date(2026, 11, 6), 180, "atelier", rating=4),
        MissionFact(2, "@b:x", date(2026, 11, 6), 180, "atelier", rating=4),
    ]
    s = period_stats(requests, missions)
    assert (s.requests, s.cancelled, s.staffed) == (4, 1, 2)
    assert s.staffing_rate == 2 / 3
    assert s.median_time_to_staff == timedelta(hours=4)
    assert (s.missions, s.facilitators) == (3, 2)
    assert s.busiest == (("@a:x", 2), ("@b:x", 1))
    assert s.mean_rating == 4.5  # per request, not per facilitator
    assert s.formats == (("atelier", 2), ("seminaire", 1))


def test_empty_period():
    s = period_stats([], [])
    assert s.staffing_rate is None and s.median_time_to_staff is None
    assert s.mean_rating is None and s.busiest == ()


def test_csv_has_one_line_per_facilitator_most_missions_first():
    missions = [
        MissionFact(1, "@b:x", date(2026, 1, 5), 90, "codeveloppement"),
        MissionFact(2, "@a:x", date(2026, 1, 6), 120, "atelier", rating=4, reported_minutes=150),
        MissionFact(3, "@a:x", date(2026, 1, 7), None, "atelier"),
    ]
    rows = list(csv.reader(io.StringIO(missions_csv(per_facilitator(missions, {"@a:x": "Ana"})))))
    assert rows[0] == [
        "matrix_id",
        "nom",
        "missions",
        "heures",
        "heures_declarees",
        "formats",
        "note_moyenne",
    ]
    assert rows[1] == ["@a:x", "Ana", "2", "2.00", "2.50", "atelier:2", "4.00"]
    assert rows[2] == ["@b:x", "", "1", "1.50", "0.00", "codeveloppement:1", ""]


def test_format_delay():
    assert format_delay(timedelta(minutes=12)) == "12 min"
    assert format_delay(timedelta(hours=5, minutes=20)) == "5 h 20 min"
    assert format_delay(timedelta(days=3, hours=4, minutes=5)) == "3 j 4 h"


async def test_stats_command_for_coordinators(missions, staffed_store):
    await new_request(missions)
    for who in PEOPLE[:2]:
        await missions.handle(message("!accepte 1", sender=who), "dm")
    await new_request(missions, "Un facilitateur pour un atelier le 5 mars 2027 à 14h en visio.")
    await missions.handle(message("!stats", sender=COORDINATOR), "requests")
    text = (await answers(staffed_store))[-1]
    assert text.startswith("Statistiques de novembre 2026 :")
    assert "• Demandes reçues : 2 (dont 0 annulée(s))" in text
    assert "• Pourvues : 1 sur 2 (50 %), en 0 min (médiane)" in text
    assert "• Formats demandés : atelier 1, séminaire 1" in text
    await missions.handle(message("!stats mars", sender=COORDINATOR), "requests")
    march = (await answers(staffed_store))[-1]
    assert march.startswith("Statistiques de mars 2027 :")
    assert f"• Missions : 2, par 2 personne(s) ; les plus présentes : {PEOPLE[0]}" in march
    assert await missions.handle(message("!stats demain", sender=COORDINATOR), "requests") == (
        "refused"
    )
    assert await missions.handle(message("!stats", sender=PEOPLE[0]), "requests") == "refused"


async def test_export_cli_writes_the_csv(missions, staffed_store, tmp_path, capsys):
    await new_request(missions)
    for who in PEOPLE[:2]:
        await missions.handle(message("!accepte 1", sender=who), "dm")
    now = datetime(2027, 3, 13, tzinfo=UTC)
    await staffed_store.feedback.rate(1, "@alice:agent.finances.tchap.gouv.fr", 5, "top", at=now)
    await staffed_store.feedback.time_spent(1, sorted(PEOPLE[:2])[0], 240, at=now)
    config = tmp_path / "config.toml"
    config.write_text(
        '[matrix]\nhomeserver = "https://matrix.example.org"\nuser_id = "@bot:example.org"\n'
        f'password = "x"\n[storage]\ndatabase = "{staffed_store.db.path}"\n',
        encoding="utf-8",
    )
    out = tmp_path / "missions.csv"
    code = await asyncio.to_thread(
        main,
        ["export", "--config", str(config), "--from", "2027-03-01", "--to", "2027-03-31",
         "--output", str(out)]
    )  # fmt: skip
    assert code == 0
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert [r[0] for r in rows[1:]] == sorted(PEOPLE[:2])
    assert rows[1][2:5] == ["1", "3.50", "4.00"]
    assert rows[1][5:] == ["seminaire:1", "5.00"]
    assert rows[2][2:] == ["1", "3.50", "0.00", "seminaire:1", "5.00"]
    backwards = ["export", "--config", str(config), "--from", "2027-03-31", "--to", "2027-03-01"]
    bad = await asyncio.to_thread(main, backwards)
    assert bad == 2
    assert "est avant --from" in capsys.readouterr().err

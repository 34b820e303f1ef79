"""The coordinators' figures: pure aggregation, `!stats`, `facilibot export`."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.cli import main
from bot.domain.reports import (
    MissionFact,
    RequestFact,
    mission_minutes,
    missions_csv,
    monthly,
    months_ending,
    per_facilitator,
    period_stats,
)
from handlers.features import build_dispatcher
from handlers.reports import format_delay
from tests.unit.conftest import (
    COORDINATOR,
    PEOPLE,
    make_config,
    message,
    new_request,
    queued,
)
from tests.unit.craft_world import build_network

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
        # Staffed once, then someone withdrew: not staffed now.
        RequestFact(5, "partiellement pourvue", T0, T0 + timedelta(hours=1), "atelier"),
    ]
    missions = [
        MissionFact(1, "@a:x", date(2026, 11, 5), 120, "atelier", rating=5, directorate="DGFiP"),
        MissionFact(2, "@a:x", date(2026, 11, 6), 180, "atelier", rating=4),
        MissionFact(2, "@b:x", date(2026, 11, 6), 180, "atelier", rating=4),
    ]
    s = period_stats(requests, missions)
    assert (s.requests, s.cancelled, s.staffed) == (5, 1, 2)
    assert s.staffing_rate == 2 / 4
    assert s.median_time_to_staff == timedelta(hours=4)
    # Two missions (requests facilitated), three places, two people, 8 hours.
    assert (s.missions, s.places, s.facilitators, s.minutes) == (2, 3, 2, 480)
    assert s.busiest == (("@a:x", 2), ("@b:x", 1))
    assert s.mean_rating == 4.5 and s.ratings == 2  # per request, not per facilitator
    assert s.formats == (("atelier", 3), ("seminaire", 1))
    assert s.mission_formats == (("atelier", 2),)
    assert s.mission_directorates == (("DGFiP", 1), ("inconnue", 1))


def test_months_ending_and_monthly_buckets():
    assert months_ending(2026, 2, 3) == [(2025, 12), (2026, 1), (2026, 2)]
    paris = ZoneInfo("Europe/Paris")
    late = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)  # already February in Paris
    requests = [
        RequestFact(1, "pourvue", late, late + timedelta(hours=3), None),
        RequestFact(2, "ouverte", datetime(2026, 1, 10, tzinfo=UTC), None, None),
    ]
    figures = monthly(requests, months_ending(2026, 2, 2), paris)
    assert [(f.month, f.requests, f.staffed) for f in figures] == [(1, 1, 0), (2, 1, 1)]
    assert figures[0].staffing_rate == 0 and figures[1].median_time_to_staff == timedelta(hours=3)


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
    text = (await texts(staffed_store))[-1]
    assert text.startswith("Statistiques de novembre 2026 :")
    assert "• Demandes reçues en novembre 2026 : 2 (dont 0 annulée(s))" in text
    assert "• Pourvues : 1 sur 2 (50 %), délai médian 0 min" in text
    # Both requests are for March: no mission is dated in November.
    assert "• Missions datées de novembre 2026 : 0 (0 place(s)" in text
    assert "• Formats demandés : atelier 1, séminaire 1" in text
    chart = (await queued(staffed_store))[-1]
    assert chart.content["msgtype"] == "m.image"
    assert chart.attachment is not None and chart.attachment.data.startswith(b"\x89PNG")
    await missions.handle(message("!stats mars", sender=COORDINATOR), "requests")
    march = (await texts(staffed_store))[-1]
    assert march.startswith("Statistiques de mars 2027 :")
    assert "• Missions datées de mars 2027 : 1 (2 place(s) tenue(s) par 2 personne(s)" in march
    assert "• Les plus présentes : Fac 0 (1), Fac 1 (1)" in march
    assert await missions.handle(message("!stats demain", sender=COORDINATOR), "requests") == (
        "refused"
    )
    assert await missions.handle(message("!stats", sender=PEOPLE[0]), "requests") == "refused"


async def test_stats_figure_by_figure(store, clock):
    await build_network(store)
    bot = build_dispatcher(make_config(), store, clock, _anyone)
    await bot.handle(message("!stats", sender=COORDINATOR), "requests")
    lines = (await texts(store))[-1].splitlines()
    assert lines == [
        "Statistiques de novembre 2026 :",
        # #4, #5, #6, #7 (cancelled); #8, discarded by its author, counts nowhere.
        "• Demandes reçues en novembre 2026 : 4 (dont 1 annulée(s))",
        # #4 in 2 h, #5 in 6 h; #6 still open.
        "• Pourvues : 2 sur 3 (67 %), délai médian 4 h 00 min",
        # Only #5 is dated in November (#4 is for December, #7 cancelled).
        "• Missions datées de novembre 2026 : 1 (1 place(s) tenue(s) par 1 personne(s), "
        "1 h 30 de facilitation)",
        "• Les plus présentes : Chloé Petit (1)",
        "• Note moyenne des équipes : 3,0 / 5 (1 note(s))",
        "• Formats demandés : atelier 3, séminaire 1",
        "Le graphique suit : demandes par mois, taux et délai, missions par format et par "
        "direction.",
    ]
    await bot.handle(message("!stats 2026", sender=COORDINATOR), "requests")
    lines = (await texts(store))[-1].splitlines()
    assert lines[:8] == [
        "Statistiques de l'année 2026 :",
        "• Demandes reçues en 2026 : 8 (dont 1 annulée(s))",
        # Staffed in 4, 24, 48, 2, 6 and 24 hours: the median is 15 hours; #6 is open.
        "• Pourvues : 6 sur 7 (86 %), délai médian 15 h 00 min",
        # #1 (2 people), #2, #3 (3 people), #4, #5, #9: 3 h 30 × 2 + 2 h + 2 h + 1 h 30 + 1 h.
        "• Missions datées de 2026 : 6 (9 place(s) tenue(s) par 3 personne(s), "
        "13 h 30 de facilitation)",
        "• Les plus présentes : Ana Lopez (4), Ben Martin (3), Chloé Petit (2)",
        "• Note moyenne des équipes : 4,0 / 5 (3 note(s))",
        "• Formats demandés : atelier 4, séminaire 2, codéveloppement 1, world café 1",
        "Le graphique suit : demandes par mois, taux et délai, missions par format et par "
        "direction.",
    ]
    image = (await queued(store))[-1]
    assert image.content["msgtype"] == "m.image"
    assert image.content["info"]["mimetype"] == "image/png"
    assert image.content["info"]["w"] == 1100 and image.content["info"]["h"] == 750
    assert image.content["m.relates_to"]["rel_type"] == "m.thread"


async def texts(store) -> list[str]:
    """The answers written to rooms, without the images."""
    return [
        m.content["body"]
        for m in await queued(store)
        if m.room_id and m.content["msgtype"] != "m.image"
    ]


async def _anyone(user_id: str) -> bool:
    return True


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

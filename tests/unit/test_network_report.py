"""`facilibot report`: the network's year, figure by figure, and as a PDF read back."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pypdf

from bot.cli import main
from bot.domain.network_year import NO_COHORT, year_report
from storage.store import Store
from tests.unit.craft_world import REQUESTER, build_network

PARIS = ZoneInfo("Europe/Paris")


async def _year(store: Store, year: int):
    start, end = datetime(year, 1, 1, tzinfo=PARIS), datetime(year + 1, 1, 1, tzinfo=PARIS)
    return year_report(
        year,
        await store.reports.requests_created(start, end),
        await store.reports.missions_between(date(year, 1, 1), date(year, 12, 31)),
        await store.reports.directory(),
        comments=await store.reports.comments(date(year, 1, 1), date(year, 12, 31)),
        tz=PARIS,
    )


async def test_year_figures(store):
    await build_network(store)
    await store.feedback.rate(5, REQUESTER, 3, "Bien, un peu court", at=datetime.now(UTC))
    report = await _year(store, 2026)
    s = report.stats
    assert (s.requests, s.cancelled, s.staffed, s.missions, s.places) == (8, 1, 6, 6, 9)
    assert s.minutes == 810  # 13 h 30 of sessions given
    assert report.declared_minutes == 360  # Ana: 5 h on #1, 1 h on #3
    # Ana, Ben and Chloé facilitated; Dora did not.
    assert (report.members, report.active, report.active_share) == (4, 3, 0.75)
    seven, nine = report.cohorts
    assert (seven.cohort, seven.members, seven.active, seven.places) == ("7", 2, 2, 7)
    assert (nine.cohort, nine.members, nine.active, nine.places) == ("9", 2, 1, 2)
    assert round(seven.share, 3) == 0.778 and round(nine.share, 3) == 0.222
    # #1, #4, #9 in Paris; #3, #5 in Lille; #2 in Lyon.
    assert report.regions == (
        ("Île-de-France", 3),
        ("Hauts-de-France", 2),
        ("Auvergne-Rhône-Alpes", 1),
    )
    assert report.ratings == (0, 0, 1, 1, 1) and report.comments == 1
    assert [m.requests for m in report.months] == [0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 4, 0]
    assert [m.staffed for m in report.months] == [0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 2, 0]


async def test_a_cohort_unknown_is_named_so(store):
    await build_network(store)
    await store.db.execute("UPDATE facilitators SET cohort = NULL WHERE matrix_id LIKE '@ben%'")
    report = await _year(store, 2026)
    assert report.cohorts[-1].cohort == NO_COHORT and report.cohorts[-1].places == 3


async def test_report_cli_writes_a_pdf_that_reads_back(store, tmp_path, capsys):
    await build_network(store)
    config = tmp_path / "config.toml"
    config.write_text(
        '[matrix]\nhomeserver = "https://matrix.example.org"\nuser_id = "@bot:example.org"\n'
        f'[storage]\ndatabase = "{store.db.path}"\n'
        '[network]\nname = "Réseau des facilitateurs de Bercy"\n',
        encoding="utf-8",
    )
    out = tmp_path / "rapport.pdf"
    args = ["report", "--config", str(config), "--year", "2026", "--out", str(out)]
    assert await asyncio.to_thread(main, args) == 0
    reader = pypdf.PdfReader(io.BytesIO(out.read_bytes()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in (
        "Réseau des facilitateurs de Bercy — l'année 2026 en",
        "Demandes reçues : 8 (dont 1 annulée(s))",
        "Demandes pourvues : 6 sur 7 (86 %), délai médian 15 h 00 min",
        "Missions datées de l'année : 6, soit 9 place(s) tenue(s)",
        "Heures de facilitation données par le réseau : 13 h 30",
        "préparation comprise) : 6 h",
        "Personnes actives : 3 sur 4 dans l'annuaire (75 %)",
        "7 2 2 7 78 %",
        "9 2 1 2 22 %",
        "Note moyenne : 4,0 / 5 (3 note(s))",
        "Répartition des notes : 1 : 0, 2 : 0, 3 : 1, 4 : 1, 5 : 1",
    ):
        assert expected in text, expected
    assert len(reader.pages[0].images) >= 1  # the charts are there
    bad = ["report", "--config", str(config), "--year", "26", "--out", str(out)]
    assert await asyncio.to_thread(main, bad) == 2
    assert "année invalide" in capsys.readouterr().err

"""A re-imported roster that no longer lists someone: they leave, keep their history, and the
coordinators hear of their upcoming missions; `--dry-run` shows it all and changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from bot.cli import main
from bot.domain.roster import parse_roster
from handlers.enrollment import import_roster
from storage.store import Store
from tests.unit.conftest import COORDINATOR, direct_messages
from tests.unit.craft_world import ANA, BEN, add_request

AT = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
HEADER = "matrix_id,display_name,site,region,directorate,cohort\n"
ANA_ROW = f"{ANA},Ana Lopez,Paris,,DGFiP,7\n"
BEN_ROW = f"{BEN},Ben Martin,Paris,,DGDDI,7\n"


async def _import(store: Store, text: str, **kwargs):
    return await import_roster(
        store, parse_roster(text), at=AT, coordinators=(COORDINATOR,), **kwargs
    )


async def test_someone_no_longer_listed_leaves_and_comes_back(store):
    await _import(store, HEADER + ANA_ROW + BEN_ROW)
    enrolled = "@room:agent.finances.tchap.gouv.fr"
    await store.facilitators.enroll(enrolled, "Membre du salon", at=AT)
    await add_request(
        store, 1, created="2026-11-20T09:00:00+00:00", day="2026-12-10", fmt="atelier",
        facilitators=(BEN,),
    )  # fmt: skip
    report = await _import(store, HEADER + ANA_ROW)
    assert report.left == ("Ben Martin",)
    assert "Retiré(s) de l'annuaire (plus listés par le fichier ; historique conservé, plus " in (
        report.summary()
    )
    ben = await store.facilitators.get(BEN)
    assert ben is not None and ben.display_name == "Ben Martin"  # the record stays
    assert await store.missions.accepted(1) == [BEN]  # and so does the history
    # A member of the facilitators room never came from the roster: they stay.
    assert (await store.facilitators.from_roster()) == {ANA}
    # No more matching: the prefilter does not bring them, even with paused people.
    found = await store.candidates.prefilter(date(2026, 12, 20), available_only=False)
    assert {p.matrix_id for p in found} == {ANA, enrolled}
    # Still on an upcoming mission: the coordinators are told.
    [(to, text)] = await direct_messages(store)
    assert to == COORDINATOR
    assert text.startswith("Ben Martin ne figure plus dans l'annuaire importé, mais reste sur la ")
    assert "demande #1 à venir" in text and "`!retire <numéro> <personne>`" in text
    # Listed again: back.
    report = await _import(store, HEADER + ANA_ROW + BEN_ROW)
    assert report.returned == ("Ben Martin",) and report.left == ()
    found = await store.candidates.prefilter(date(2026, 12, 20), available_only=False)
    assert BEN in {p.matrix_id for p in found}


async def test_nobody_leaves_when_rows_are_rejected(store):
    await _import(store, HEADER + ANA_ROW + BEN_ROW)
    report = await _import(store, HEADER + ANA_ROW + "pas-un-identifiant,Ben,Paris,,,\n")
    assert report.left == () and report.left_skipped
    assert "Personne n'a été retiré de l'annuaire" in report.summary()
    assert await store.facilitators.from_roster() == {ANA, BEN}


async def test_dry_run_reports_and_changes_nothing(store):
    await _import(store, HEADER + ANA_ROW + BEN_ROW)
    before = await store.db.fetchall("SELECT * FROM facilitators ORDER BY matrix_id")
    report = await _import(
        store, HEADER + f"{ANA},Ana Lopez,Lyon,,DGFiP,7\n", dry_run=True
    )  # fmt: skip
    assert report.updated == 1 and report.left == ("Ben Martin",)
    assert report.changes == (
        f"  mise à jour : Ana Lopez ({ANA})",
        f"  retrait : Ben Martin ({BEN})",
    )
    after = await store.db.fetchall("SELECT * FROM facilitators ORDER BY matrix_id")
    assert [tuple(r) for r in after] == [tuple(r) for r in before]


def test_cli_dry_run(tmp_path: Path, capsys):
    config = tmp_path / "config.toml"
    config.write_text(
        '[matrix]\nhomeserver = "https://matrix.agent.finances.tchap.gouv.fr"\n'
        'user_id = "@facilibot:agent.finances.tchap.gouv.fr"\npassword = "x"\n'
        '[storage]\ndatabase = "facilibot.sqlite3"\n',
        encoding="utf-8",
    )
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(HEADER + ANA_ROW + BEN_ROW, encoding="utf-8")
    second.write_text(HEADER + ANA_ROW, encoding="utf-8")
    assert main(["import-facilitators", "--config", str(config), str(first)]) == 0
    capsys.readouterr()
    args = ["import-facilitators", "--config", str(config), "--dry-run", str(second)]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Simulation : rien n'a été enregistré. Voici ce que l'import changerait :"
    assert lines[1] == f"  retrait : Ben Martin ({BEN})"
    assert lines[2].startswith("Import terminé : 0 ajouté(s), 0 mis à jour, 0 rejeté(s), 1 inch")
    # Nothing changed: a real import still finds Ben to retire.
    assert main(["import-facilitators", "--config", str(config), str(second)]) == 0
    assert "Retiré(s) de l'annuaire" in capsys.readouterr().out

"""`facilibot import-facilitators`: rows loaded, rows rejected with their line, exit codes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import main
from storage.store import Store

SERVER = "agent.finances.tchap.gouv.fr"
ROSTER = (
    "matrix_id,display_name,site,region,directorate,cohort,skills,languages,remote_ok,"
    "max_missions_per_month\n"
    f"@claire:{SERVER},Claire,Lyon,,DGFiP,3,atelier;codev,fr,yes,2\n"
    f"@bob:{SERVER},Bob,Paris,,,,,,maybe,\n"
    f"@eve:other.example.org,Eve,Paris,,,,,,,\n"
)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        "[matrix]\n"
        'homeserver = "https://matrix.agent.finances.tchap.gouv.fr"\n'
        f'user_id = "@facilibot:{SERVER}"\n'
        'password = "x"\n'
        "[storage]\n"
        'database = "facilibot.sqlite3"\n',
        encoding="utf-8",
    )
    return path


def run(capsys, *args: str) -> tuple[int, list[str], str]:
    code = main(["import-facilitators", *args])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def count_profiles(database: Path) -> int:
    async def go() -> int:
        store = await Store.open(database)
        try:
            return await store.facilitators.count()
        finally:
            await store.close()

    return asyncio.run(go())


def test_import_reports_each_rejected_row_and_a_summary(tmp_path, config, capsys):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    code, lines, _ = run(capsys, "--config", str(config), str(roster))
    assert code == 1
    assert lines == [
        "ligne 3 : colonne remote_ok : « maybe » : répondez oui ou non.",
        "ligne 4 : le serveur other.example.org n'est pas servi par le bot "
        "(matrix.allowed_servers).",
        "Import terminé : 1 ajouté(s), 0 mis à jour, 2 rejeté(s), 0 inchangé(s).",
    ]
    assert count_profiles(tmp_path / "facilibot.sqlite3") == 1
    good = tmp_path / "good.csv"
    good.write_text("\n".join(ROSTER.splitlines()[:2]) + "\n", encoding="utf-8")
    code, lines, _ = run(capsys, "--config", str(config), str(good))
    assert code == 0
    assert lines == ["Import terminé : 0 ajouté(s), 0 mis à jour, 0 rejeté(s), 1 inchangé(s)."]


def test_unusable_files_exit_2_with_one_line(tmp_path, config, capsys):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("matrix_id,site\n@a:s,Orléans\n".encode("latin-1"))
    code, _, err = run(capsys, "--config", str(config), str(latin))
    assert code == 2
    assert "n'est pas en UTF-8" in err
    code, _, err = run(capsys, "--config", str(config), str(tmp_path / "missing.csv"))
    assert code == 2
    assert "fichier illisible" in err
    semicolons = tmp_path / "semi.csv"
    semicolons.write_text("matrix_id;site\n@a:s;Paris\n", encoding="utf-8")
    code, _, err = run(capsys, "--config", str(config), str(semicolons))
    assert code == 2
    assert "séparé par des points-virgules" in err
    code, _, err = run(capsys, "--config", str(tmp_path / "nope.toml"), str(semicolons))
    assert code == 2
    assert "fichier introuvable" in err


def test_a_database_from_a_newer_facilibot_is_left_alone(tmp_path, config, capsys):
    import sqlite3

    with sqlite3.connect(tmp_path / "facilibot.sqlite3") as conn:
        conn.execute("PRAGMA user_version = 99")
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    code, lines, err = run(capsys, "--config", str(config), str(roster))
    assert code == 2 and lines == []
    assert "newer than this Facilibot" in err

"""Pure roster and profile values: the CSV rows, each value's checks, absence ranges."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.absences import parse_absence
from bot.domain.roster import (
    Invalid,
    clean_display_name,
    effective_timezone,
    parse_cap,
    parse_directorate,
    parse_languages,
    parse_matrix_id,
    parse_region,
    parse_roster,
    parse_site,
    parse_skills,
    parse_timezone,
    parse_yes_no,
)

SERVER = "agent.finances.tchap.gouv.fr"
HEADER = (
    "matrix_id,display_name,site,region,directorate,cohort,skills,languages,remote_ok,"
    "max_missions_per_month\n"
)
TODAY = date(2026, 11, 29)


def codes(error: pytest.ExceptionInfo[Invalid]) -> str:
    return error.value.code


def test_a_full_row_is_read_and_normalised():
    text = (
        "\ufeff"
        + HEADER
        + f"@Claire.Martin-dgfip.finances.gouv.fr:{SERVER},Claire Martin [Finances],"
        "bercy,,finances publiques,P3,atelier;codev;World Café,fr;anglais,oui,2\n"
    )
    roster = parse_roster(text)
    assert roster.rejected == ()
    [entry] = roster.entries
    assert entry.line == 2
    assert entry.matrix_id == f"@claire.martin-dgfip.finances.gouv.fr:{SERVER}"
    assert entry.values == {
        "display_name": "Claire Martin",
        "site": "Paris",
        "region": "Île-de-France",  # from the site
        "directorate": "DGFiP",
        "cohort": 3,
        "skills": ("atelier", "codeveloppement", "world_cafe"),
        "languages": ("fr", "en"),
        "remote_ok": True,
        "max_missions_per_month": 2,
    }


def test_empty_cells_are_left_out_and_unknown_columns_ignored():
    text = "Matrix_ID, Site ,notes\n" + f"@bob:{SERVER},,anything\n@eve:{SERVER},Lille,\n"
    roster = parse_roster(text)
    assert [e.values for e in roster.entries] == [
        {},
        {"site": "Lille", "region": "Hauts-de-France"},
    ]


def test_each_bad_row_is_rejected_with_its_line_and_every_problem():
    text = (
        HEADER
        + f"@ok:{SERVER},Ok,Paris,,,,,,,\n"
        + "\n"  # a blank line still counts
        + "bob@finances.gouv.fr,Bob,,,,,,,,\n"
        + f"@dan:{SERVER},Dan,Paris,Narnia,,0,yoga,français,peut-être,0\n"
        + ",nobody,,,,,,,,\n"
        + f"@ok:{SERVER},Again,,,,,,,,\n"
        + f"@wide:{SERVER},W,,,,,,,,,,extra\n"
    )
    roster = parse_roster(text)
    assert [e.matrix_id for e in roster.entries] == [f"@ok:{SERVER}"]
    rejected = {row.line: [p.code for p in row.problems] for row in roster.rejected}
    assert rejected == {
        4: ["matrix_id"],
        5: ["region", "cohort", "skill", "yes_no", "cap"],
        6: ["matrix_id_missing"],
        7: ["duplicate"],
        8: ["columns"],
    }
    dan = roster.rejected[1].problems
    assert [p.values["column"] for p in dan] == [
        "region",
        "cohort",
        "skills",
        "remote_ok",
        "max_missions_per_month",
    ]
    assert roster.rejected[3].problems[0].values == {"value": f"@ok:{SERVER}", "line": 2}


def test_line_numbers_follow_quoted_multiline_cells():
    text = HEADER + f'@a:{SERVER},"Anne\nMarie",,,,,,,,\n@b:{SERVER},,,,,,,,,nope\n'
    roster = parse_roster(text)
    assert [e.line for e in roster.entries] == [2]
    assert [r.line for r in roster.rejected] == [4]


def test_servers_not_served_are_rejected():
    roster = parse_roster(
        HEADER + f"@a:{SERVER}\n@b:evil.example.org\n", is_allowed=lambda u: u.endswith(SERVER)
    )
    assert [e.matrix_id for e in roster.entries] == [f"@a:{SERVER}"]
    assert roster.rejected[0].problems[0].values == {"server": "evil.example.org"}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("\n\n", "empty"),
        ("id,site\n@a:s,Paris\n", "header"),
        ("matrix_id;site;skills\n@a:s;Paris;atelier\n", "header_semicolon"),
    ],
)
def test_a_file_without_a_matrix_id_column_is_refused_whole(text, code):
    with pytest.raises(Invalid) as error:
        parse_roster(text)
    assert codes(error) == code


# -- values --------------------------------------------------------------------------------------


def test_matrix_ids():
    assert (
        parse_matrix_id(" @A.B-x.gouv.fr:Agent.Tchap.gouv.fr ")
        == "@a.b-x.gouv.fr:agent.tchap.gouv.fr"
    )
    assert parse_matrix_id("@bot:localhost:8008") == "@bot:localhost:8008"
    for bad in ("a.b@x.fr", "@nobody", "@a b:s", ""):
        with pytest.raises(Invalid):
            parse_matrix_id(bad)


def test_skills_in_every_spelling_and_unknown_ones():
    assert parse_skills("atelier, codev") == ("atelier", "codeveloppement")
    assert parse_skills("Séminaire;world_cafe;Design Sprint", ";") == (
        "seminaire",
        "world_cafe",
        "design_sprint",
    )
    assert parse_skills("atelier codev atelier") == ("atelier", "codeveloppement")
    assert parse_skills("workshop, plénière, rétro") == ("atelier", "pleniere", "retrospective")
    with pytest.raises(Invalid) as error:
        parse_skills("atelier, yoga")
    assert error.value.values["value"] == "yoga"
    assert "world café" in error.value.values["known"]


def test_places_directorates_languages_and_yes_no():
    assert parse_site("  saint-etienne ") == "Saint-Étienne"
    assert parse_site("Trifouilly") == "Trifouilly"  # unknown cities are kept as written
    assert parse_region("idf") == "Île-de-France"
    assert parse_region("provence-alpes-cote d'azur") == "Provence-Alpes-Côte d'Azur"
    assert parse_directorate("Douanes") == "DGDDI"
    assert parse_directorate("DITP") == "DITP"
    assert parse_languages("FR, English; es") == ("fr", "en", "es")
    assert [parse_yes_no(v) for v in ("yes", "Oui", "1", "no", "NON", "false")] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]
    for parse, bad in (
        (parse_region, "Narnia"),
        (parse_languages, "klingon"),
        (parse_yes_no, "bof"),
    ):
        with pytest.raises(Invalid):
            parse(bad)
    with pytest.raises(Invalid) as error:
        parse_site("x" * 101)
    assert codes(error) == "too_long"


def test_caps_and_time_zones():
    assert parse_cap("3") == 3
    for bad in ("0", "32", "-1", "deux", "2.5"):
        with pytest.raises(Invalid):
            parse_cap(bad)
    assert parse_timezone("america/cayenne") == "America/Cayenne"
    for bad in ("Mars/Olympus", "../../etc/passwd", "UTC+2", ""):
        with pytest.raises(Invalid):
            parse_timezone(bad)


def test_time_zone_default_comes_from_config_or_overseas_region():
    assert effective_timezone(None, "Île-de-France", "Europe/Paris") == "Europe/Paris"
    assert effective_timezone(None, "Guyane", "Europe/Paris") == "America/Cayenne"
    assert effective_timezone("Europe/London", "Guyane", "Europe/Paris") == "Europe/London"


def test_display_names_lose_the_tchap_label():
    assert clean_display_name("Claire Martin [Finances]") == "Claire Martin"
    assert clean_display_name("Bob [Externe] ") == "Bob"
    assert clean_display_name("Plain") == "Plain"


# -- absences ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("du 20/12 au 04/01", date(2026, 12, 20), date(2027, 1, 4)),
        ("Du 20/12/2026 au 4/1/2027", date(2026, 12, 20), date(2027, 1, 4)),
        ("from 20/12 to 04/01", date(2026, 12, 20), date(2027, 1, 4)),
        ("20 décembre - 4 janvier", date(2026, 12, 20), date(2027, 1, 4)),
        ("le 24/12", date(2026, 12, 24), date(2026, 12, 24)),
        ("3/2", date(2027, 2, 3), date(2027, 2, 3)),
        ("du 1er mars au 2 mars 2027", date(2027, 3, 1), date(2027, 3, 2)),
        ("du 20/11 au 30/11", date(2026, 11, 20), date(2026, 11, 30)),  # already begun
        ("du 01/11 au 05/11", date(2027, 11, 1), date(2027, 11, 5)),  # next one
        ("du 28/12/26 au 02/01", date(2026, 12, 28), date(2027, 1, 2)),
        ("du 28/12 au 02/01/2027", date(2026, 12, 28), date(2027, 1, 2)),
    ],
)
def test_absence_ranges(text, start, end):
    assert parse_absence(text, TODAY) == (start, end)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("demain", "absence_format"),
        ("du 20/12 au", "absence_format"),
        ("du 10/12 au 05/12", "absence_order"),
        ("du 04/01/2027 au 20/12/2026", "absence_order"),
        ("du 01/11/2026 au 05/11/2026", "absence_past"),
        ("du 01/01/2027 au 05/02/2028", "absence_too_long"),
        ("du 31/02 au 03/03", "date"),
        ("du 3 brumaire au 4 brumaire", "date"),
    ],
)
def test_bad_absences_say_why(text, code):
    with pytest.raises(Invalid) as error:
        parse_absence(text, TODAY)
    assert codes(error) == code

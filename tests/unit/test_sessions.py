"""Several sessions in one request: the labelled development rows and a few hand cases."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from pathlib import Path

import pytest

from bot.parsing import parse

CORPUS = Path(__file__).resolve().parent.parent / "data" / "cycles.jsonl"
# Rows whose number is a multiple of 3 are held out: scored in aggregate, never tuned on.
DEV = [
    row
    for row in map(json.loads, CORPUS.read_text(encoding="utf-8").splitlines())
    if int(row["id"].split("-")[1]) % 3
]
NOW = datetime.fromisoformat("2027-01-11T10:00:00+01:00")


@pytest.mark.parametrize("row", DEV, ids=[row["id"] for row in DEV])
def test_development_rows_get_their_sessions(row):
    got = parse(row["text"], datetime.fromisoformat(row["now"])).to_json()
    expected = row["expected"]
    for key in ("event_date", "start_time", "end_time", "sessions"):
        assert got[key] == expected[key], key


def days(text: str) -> list[date]:
    return [s.day for s in parse(text, NOW, assume_request=True).sessions]


def test_a_single_event_has_no_sessions():
    result = parse("Atelier le 4 février de 9h à 12h à Lyon, 10 personnes.", NOW)
    assert result.sessions == () and result.to_json()["sessions"] is None


def test_a_day_list_with_weekdays():
    assert days("codev les jeudis 4, 11 et 18 février, 14h-16h, en visio") == [
        date(2027, 2, 4),
        date(2027, 2, 11),
        date(2027, 2, 18),
    ]


def test_a_range_gives_one_session_a_day_and_drops_weekends_when_said():
    assert len(days("séminaire du lundi 15 au jeudi 18 mars, 9h-17h, à Lyon")) == 4
    assert days("séminaire du jeudi 11 au mardi 16 février, week-end exclu, 9h-17h")[2] == date(
        2027, 2, 15
    )


def test_a_window_leaves_the_date_open():
    result = parse("Rétro à faciliter entre le 3 et le 10 février, en visio, 8 personnes", NOW)
    assert result.event_date is None and result.sessions == ()


def test_an_alternative_is_one_event_on_the_first_option():
    result = parse("Atelier le 3 ou le 4 février, 14h-17h, à Bercy, 20 personnes", NOW)
    assert result.event_date == date(2027, 2, 3) and result.sessions == ()


def test_one_weekday_a_month_is_the_first_one_still_to_come():
    got = days("5 séances, un jeudi par mois de janvier à mai, 14h-16h, en visio")
    assert got == [
        date(2027, 1, 14),
        date(2027, 2, 4),
        date(2027, 3, 4),
        date(2027, 4, 1),
        date(2027, 5, 6),
    ]


def test_every_three_weeks_for_a_count():
    got = days("codev toutes les 3 semaines à partir du 12 janvier, 4 séances, 9h30-12h, Rennes")
    assert got == [date(2027, 1, 12), date(2027, 2, 2), date(2027, 2, 23), date(2027, 3, 16)]


def test_every_other_weekday_in_english():
    got = days("a retro every other Tuesday from March 2, 3 sessions, 10-11am, remote")
    assert got == [date(2027, 3, 2), date(2027, 3, 16), date(2027, 3, 30)]


def test_two_half_days_with_their_own_times():
    result = parse(
        "un facilitateur pour deux demi-journées les 3 et 4 février : 9h-12h le 3, 14h-17h le 4,"
        " à Bercy",
        NOW,
    )
    assert [(s.start, s.end) for s in result.sessions] == [
        (time(9), time(12)),
        (time(14), time(17)),
    ]
    assert result.duration_minutes == 180


def test_half_days_without_times_last_four_hours():
    result = parse("séminaire en deux demi-journées, les 14 et 15 janvier, à Orléans", NOW)
    assert result.duration_minutes == 240 and len(result.sessions) == 2


def test_a_deadline_is_no_session():
    result = parse(
        "world café le jeudi 8 octobre, 9h30-12h, à Paris. Merci de répondre avant le 18/09",
        datetime.fromisoformat("2026-09-09T09:00:00+02:00"),
    )
    assert result.sessions == () and result.event_date == date(2026, 10, 8)


def test_every_weekday_of_a_month():
    assert days("un atelier tous les lundis de mars, 9h-11h, à Lille") == [
        date(2027, 3, 1),
        date(2027, 3, 8),
        date(2027, 3, 15),
        date(2027, 3, 22),
        date(2027, 3, 29),
    ]

"""Table-driven parser cases, one table per family of expressions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from bot.parsing import parse
from tests.unit import parsing_cases as cases

FIELD_TABLES = {
    "relative": cases.RELATIVE_DATES,
    "absolute": cases.ABSOLUTE_DATES,
    "several": cases.SEVERAL_DATES,
    "times": cases.TIMES,
    "people": cases.PEOPLE,
    "formats": cases.FORMATS,
    "places": cases.PLACES,
    "directorates": cases.DIRECTORATES,
    "dst": cases.DST,
}


def _params(tables: dict[str, list[cases.Case]]) -> list[Any]:
    return [
        pytest.param(text, now, expected, id=f"{name}-{index}")
        for name, table in tables.items()
        for index, (text, now, expected) in enumerate(table)
    ]


def _subset(result: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    return {key: result[key] for key in expected}


@pytest.mark.parametrize(("text", "now", "expected"), _params(FIELD_TABLES))
def test_fields(text: str, now: str, expected: dict[str, Any]) -> None:
    result = parse(text, datetime.fromisoformat(now), assume_request=True).to_json()
    assert _subset(result, expected) == expected


@pytest.mark.parametrize(("text", "now", "expected"), _params(FIELD_TABLES))
def test_requests_are_recognised(text: str, now: str, expected: dict[str, Any]) -> None:
    """Every field case names an event, so it reads as a request without being told."""
    result = parse(text, datetime.fromisoformat(now))
    assert result.is_request, text


@pytest.mark.parametrize("text", cases.NON_REQUESTS)
def test_non_requests(text: str) -> None:
    result = parse(text, datetime.fromisoformat(cases.WED))
    assert result.to_json() == {
        "is_request": False,
        "event_date": None,
        "start_time": None,
        "end_time": None,
        "duration_minutes": None,
        "facilitators_needed": 0,
        "format": None,
        "modality": None,
        "location": None,
        "participants": None,
        "directorate": None,
        "topic": None,
        "missing": [],
        "sessions": None,
    }


@pytest.mark.parametrize("text", cases.REQUESTS_WITHOUT_CUE)
def test_terse_requests(text: str) -> None:
    assert parse(text, datetime.fromisoformat(cases.WED)).is_request


@pytest.mark.parametrize(("text", "now", "expected"), _params({"assumed": cases.ASSUMED}))
def test_assume_request(text: str, now: str, expected: dict[str, Any]) -> None:
    result = parse(text, datetime.fromisoformat(now), assume_request=True).to_json()
    assert _subset(result, expected) == expected


def test_missing_lists_what_a_request_lacks() -> None:
    result = parse("Besoin d'un facilitateur pour un atelier", datetime.fromisoformat(cases.WED))
    assert result.missing == ("event_date", "start_time", "place")

"""Property tests: the parser returns a well-formed result for any text and never raises."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.parsing import ParseResult, parse
from tests.unit.conftest import CONTRACT_KEYS

FORMATS = {
    "atelier",
    "seminaire",
    "pleniere",
    "codeveloppement",
    "world_cafe",
    "forum_ouvert",
    "design_sprint",
    "hackathon",
    "retrospective",
    "reunion",
}
DIRECTORATES = {"DGFiP", "DGE", "DG Trésor", "SG", "DGDDI", "INSEE", "DAJ", "DNLF", "DAE", "DGCCRF"}
WORDS = (
    "atelier séminaire plénière codev world café forum ouvert hackathon rétro réunion "
    "demain après-demain mardi prochain jeudi 12/12 1er octobre Dec 4th dans deux semaines "
    "la semaine prochaine de 9h30 à 12h 14h-16h30 midi noon 2 to 4pm demi-journée toute la "
    "journée pendant 2h à partir de 10h binôme deux facilitateurs une trentaine participants "
    "en visio Teams hybride Bercy Lyon au Havre Paris 13e DGFiP Douane SNUM Trésor merci "
    "annulé d'ici lundi reporté du 3 au 10 mars suite à notre atelier du , . ; : ? ! \n 0 99 "
    "31/02 29 février 24h 25:99 -5 ~ ¤ 🎄 \x00 \u202f"
).split(" ")

NOWS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
) | st.builds(
    lambda d, h: d.replace(tzinfo=timezone(timedelta(hours=h))),
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31)),
    st.integers(min_value=-12, max_value=14),
)


def _check(result: ParseResult) -> None:
    data = result.to_json()
    assert list(data) == CONTRACT_KEYS
    assert isinstance(data["is_request"], bool)
    for key in ("event_date",):
        assert data[key] is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", data[key])
    for key in ("start_time", "end_time"):
        assert data[key] is None or re.fullmatch(r"\d{2}:\d{2}", data[key])
    for key in ("duration_minutes", "participants"):
        assert data[key] is None or (isinstance(data[key], int) and data[key] > 0)
    assert data["format"] is None or data["format"] in FORMATS
    assert data["modality"] in (None, "presentiel", "distanciel", "hybride")
    assert data["directorate"] is None or data["directorate"] in DIRECTORATES
    assert data["location"] is None or isinstance(data["location"], str)
    assert set(data["missing"]) <= {"event_date", "start_time", "place"}
    if data["is_request"]:
        assert data["facilitators_needed"] >= 1
    else:
        assert data["facilitators_needed"] == 0
        assert all(
            data[k] in (None, [])
            for k in CONTRACT_KEYS
            if k not in ("is_request", "facilitators_needed")
        )


# 5,000 + 5,000 generated messages: no exception escapes, the contract always holds.
@settings(max_examples=5_000, deadline=None, derandomize=bool(os.environ.get("CI")))
@given(text=st.text(), now=NOWS, assume=st.booleans())
def test_any_text(text: str, now: datetime, assume: bool) -> None:
    _check(parse(text, now, assume_request=assume))


@settings(max_examples=5_000, deadline=None, derandomize=bool(os.environ.get("CI")))
@given(words=st.lists(st.sampled_from(WORDS), max_size=40), now=NOWS, assume=st.booleans())
def test_vocabulary_mixes(words: list[str], now: datetime, assume: bool) -> None:
    _check(parse(" ".join(words), now, assume_request=assume))


def test_huge_text_is_parsed() -> None:
    """A pathological message still parses (its speed is measured by bench/, not here)."""
    text = "atelier le 12/12 de 9h à 12h à Lyon, " * 20_000
    _check(parse(text, datetime(2026, 9, 9, tzinfo=UTC)))

"""Load the parser's vocabulary (vocabulary.toml) once and compile its patterns."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bot.parsing.alternation import join
from bot.parsing.normalize import fold_plain

_PATH = Path(__file__).with_name("vocabulary.toml")


def _alternation(words: list[str]) -> str:
    """Build a regex alternation, longest words first so prefixes do not win."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def _place_key(name: str) -> str:
    """Fold a place name for matching: hyphens and apostrophes become spaces."""
    key = re.sub(r"[-']", " ", fold_plain(name))
    key = re.sub(r"\bste\b", "sainte", re.sub(r"\bst\b", "saint", key))
    return re.sub(r"\s+", " ", key).strip()


@dataclass(frozen=True)
class Vocabulary:
    """Compiled tables and patterns."""

    raw: dict[str, Any]
    number_words: dict[str, int]
    approx_words: dict[str, int]
    number_re: str
    weekdays: dict[str, int]
    months: dict[str, int]
    weekday_re: str
    month_re: str
    cities: dict[str, str]
    city_re: re.Pattern[str]
    ambiguous_cities: frozenset[str]
    formats: tuple[tuple[re.Pattern[str], str, int], ...]
    directorates: tuple[tuple[re.Pattern[str], str], ...]
    any_directorate: re.Pattern[str]  # where the first directorate named starts

    def pattern(self, section: str, key: str) -> re.Pattern[str]:
        """Return the compiled pattern `section.key`."""
        return _compiled(section, key)


@cache
def _compiled(section: str, key: str) -> re.Pattern[str]:
    """Compile one pattern of the vocabulary (cached)."""
    return re.compile(join([vocabulary().raw[section][key]]))  # its branches, by first character


@cache
def vocabulary() -> Vocabulary:
    """Load and compile the vocabulary (once per process)."""
    with _PATH.open("rb") as handle:
        raw = tomllib.load(handle)
    numbers = dict(raw["numbers"]["words"])
    word_alt = _alternation(list(numbers))
    number_re = rf"(?:\d{{1,4}}|(?:{word_alt})(?:(?:-|\s+et\s+|\s+and\s+|\s+)(?:{word_alt}))*)"
    places = raw["places"]
    cities = {_place_key(name): name for name in places["cities"]}
    cities.update({_place_key(alias): name for alias, name in places["aliases"].items()})
    cities.update({_place_key(alias): "Paris" for alias in places["paris_aliases"]})
    city_alt = _alternation(list(cities)).replace(r"sainte\ ", r"(?:sainte|ste)\ ")
    city_alt = city_alt.replace(r"saint\ ", r"(?:saint|st)\ ")
    city_re = re.compile(rf"\b(?:{join([city_alt])})\b")
    return Vocabulary(
        raw=raw,
        number_words=numbers,
        approx_words=dict(raw["numbers"]["approx"]),
        number_re=number_re,
        weekdays=dict(raw["dates"]["weekdays"]),
        months=dict(raw["dates"]["months"]),
        weekday_re=_alternation(list(raw["dates"]["weekdays"])),
        month_re=_alternation(list(raw["dates"]["months"])),
        cities=cities,
        city_re=city_re,
        ambiguous_cities=frozenset(places["ambiguous"]),
        formats=tuple(
            (re.compile(join([p])), name, rank) for p, name, rank in raw["formats"]["patterns"]
        ),
        directorates=tuple(
            (re.compile(join([p])), name) for p, name in raw["directorates"]["patterns"]
        ),
        any_directorate=re.compile(join([p for p, _ in raw["directorates"]["patterns"]])),
    )


def place_key(text: str) -> str:
    """Fold already-normalised text for place matching."""
    return _place_key(text)

"""Alternations grouped by first character match exactly what the plain ones match."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.parsing.alternation import branches, by_first_char, join
from bot.parsing.normalize import fold
from bot.parsing.vocabulary import vocabulary

DATA = Path(__file__).resolve().parents[1] / "data"


def plain(alternatives: list[str]) -> str:
    return "|".join(f"(?:{a})" for a in alternatives)


def found(pattern: re.Pattern[str], text: str) -> list:
    """Every match of a scan, and the match tried at each position, with their groups."""
    scan = [(m.span(), m.group(0), m.groups()) for m in pattern.finditer(text)]
    at = []
    for pos in range(len(text) + 1):
        m = pattern.match(text, pos)
        at.append(None if m is None else (m.span(), m.groups()))
    return [scan, at]


def test_branches_split_only_the_top_level():
    assert branches(r"a|(b|c)|[|]|\|d|[]|]|[^]|]e") == [
        "a",
        "(b|c)",
        "[|]",
        r"\|d",
        "[]|]",
        "[^]|]e",
    ]
    assert branches("solo") == ["solo"]


@pytest.mark.parametrize(
    "alternatives",
    [
        ["a?", "b", "c", "d"],  # may match nothing: could match at any character
        ["(a)", "b", "c", "d"],  # a capturing group would be numbered twice
        ["(?i:a)", "b", "c", "d"],  # flags
    ],
)
def test_kept_plain_when_grouping_is_not_safe(alternatives):
    assert by_first_char(alternatives, always=True) == plain(alternatives)


def test_grouped_where_it_pays():
    words = ["ab", "ac", "ad", "ba", "bb", "bc"]
    assert by_first_char(words) == plain(words)  # the engine skips these at once
    bounded = [f"\\b{w}" for w in words]
    assert by_first_char(bounded).startswith("(?=a)")
    assert by_first_char(["\\bab", "b", "[ac]x", ".z"], always=True).startswith("(?=a)")


TOKENS = [
    "a", "b", "ab", "ba", " ", "\\b", "[ab]", "[^a]", "(?:a|b)", "(?:ab|a)", "a?", "b*", "\\d",
    ".", "(?<!a)", "(?=b)", "(?!a)", "(?:a b|b)", "1", "\\w+", "x{0,2}", "(?i:a)", "A",
]  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(
    alternatives=st.lists(
        st.lists(st.sampled_from(TOKENS), min_size=1, max_size=4).map("".join),
        min_size=4,
        max_size=9,
    ),
    context=st.sampled_from(["{}", "\\b(?:{})\\b", "(?:^|\\b)(?:{})", "(?:{})+a", "x?(?:{}) ?(b)"]),
    texts=st.lists(st.text(alphabet="abA 1x.", max_size=14), min_size=1, max_size=5),
)
def test_grouped_alternations_match_the_same(alternatives, context, texts):
    before = re.compile(context.format(plain(alternatives)))
    after = re.compile(context.format(by_first_char(alternatives, always=True)))
    for text in texts:
        assert found(after, text) == found(before, text)


def corpus_texts() -> list[str]:
    texts = []
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and "text" in (row := json.loads(line)):
                texts.append(fold(row["text"]).text)
    return texts


def test_the_parsers_cues_match_the_same_on_every_labelled_message():
    speech = vocabulary().raw["speech"]
    lists = [speech[key] for key in ("covered", "update", "offer", "meta", "someone", "relay")]
    places = vocabulary().raw["places"]
    texts = corpus_texts()
    assert len(texts) > 4000
    cities = [re.escape(w) for w in sorted(set(vocabulary().cities), key=len, reverse=True)]
    pairs = [(f"(?:^|\\b)(?:{plain(cues)})", f"(?:^|\\b)(?:{join(cues)})") for cues in lists] + [
        (f"\\b(?:{plain(cities)})\\b", f"\\b(?:{by_first_char(cities)})\\b")
    ]
    assert places["cities"]
    for before, after in pairs:
        old, new = re.compile(before), re.compile(after)
        assert old.pattern != new.pattern
        for text in texts:
            assert [(m.span(), m.group(0)) for m in new.finditer(text)] == [
                (m.span(), m.group(0)) for m in old.finditer(text)
            ]

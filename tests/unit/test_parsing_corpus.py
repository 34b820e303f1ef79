"""The labelled corpora: the development corpus item by item, the room streams by floors."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from bot.parsing import parse
from tests.unit.conftest import CONTRACT_KEYS

DATA = Path(__file__).resolve().parent.parent / "data"


def _load(name: str) -> list[dict[str, Any]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


ITEMS = _load("requests_dev.jsonl")

# Room streams written blind by others and used to tune the parser. Each floor sits a little
# under what the parser scores, so a change that loses ground on real conversation fails.
# holdout_a/b, then c/d, e/f, g/h, i/j, k/l and m/n, were measured untuned and are tuning data
# since (g and h untuned: conversation taken 2.2% each, missed 1.8% each, all right 93.6% and
# 94.5%, field accuracy 0.983 and 0.980; i and j: 3.3% and 1.1%, 0.9% each, 96.4% and 93.6%,
# 0.987 and 0.993; k and l: 4.4% and 3.3%, 1.8% and 3.7%, 93.6% and 89.8%, 0.978 and 0.970;
# m and n: 2.2% and 0.0%, 3.7% and 0.9%, 96.3% and 98.2%, 0.977 and 0.995). The never-tuned
# files (holdout_o/p) are measured by bench/bench_parse.py, never tested here.
STREAMS = {
    "requests_stream_dev.jsonl": {"false": 0.01, "missed": 0.01, "all_right": 0.98},
    "stream_tune_a.jsonl": {"false": 0.01, "missed": 0.01, "all_right": 0.98},
    "stream_tune_b.jsonl": {"false": 0.01, "missed": 0.01, "all_right": 0.98},
    "stream_holdout_a.jsonl": {"false": 0.01, "missed": 0.01, "all_right": 0.98},
    "stream_holdout_b.jsonl": {"false": 0.01, "missed": 0.01, "all_right": 0.98},
    "stream_holdout_c.jsonl": {"false": 0.02, "missed": 0.01, "all_right": 0.97},
    "stream_holdout_d.jsonl": {"false": 0.01, "missed": 0.01, "all_right": 0.98},
    "stream_holdout_e.jsonl": {"false": 0.01, "missed": 0.01, "all_right": 0.98},
    "stream_holdout_f.jsonl": {"false": 0.01, "missed": 0.01, "all_right": 0.97},
    "stream_holdout_g.jsonl": {"false": 0.01, "missed": 0.01, "all_right": 0.98},
    "stream_holdout_h.jsonl": {"false": 0.01, "missed": 0.01, "all_right": 0.98},
    "stream_holdout_i.jsonl": {"false": 0.01, "missed": 0.01, "all_right": 0.98},
    "stream_holdout_j.jsonl": {"false": 0.01, "missed": 0.01, "all_right": 0.98},
    "stream_holdout_k.jsonl": {"false": 0.02, "missed": 0.01, "all_right": 0.98},
    "stream_holdout_l.jsonl": {"false": 0.01, "missed": 0.01, "all_right": 0.98},
    "stream_holdout_m.jsonl": {"false": 0.01, "missed": 0.01, "all_right": 0.98},
    "stream_holdout_n.jsonl": {"false": 0.01, "missed": 0.01, "all_right": 0.98},
}
MIN_FIELD_ACCURACY = 0.99


@pytest.mark.parametrize("item", ITEMS, ids=[item["id"] for item in ITEMS])
def test_dev_corpus_item(item: dict[str, Any]) -> None:
    result = parse(item["text"], datetime.fromisoformat(item["now"])).to_json()
    expected = item["expected"]
    assert {key: result[key] for key in expected} == expected
    assert list(result)[: len(expected)] == list(expected)


@cache
def _scores(name: str) -> dict[str, float]:
    """Parse a stream once: false-request and miss rates, requests all right, field accuracy."""
    items = _load(name)
    conversation = requests = false = missed = all_right = 0
    correct: dict[str, int] = {}
    for item in items:
        expected = item["expected"]
        got = parse(item["text"], datetime.fromisoformat(item["now"])).to_json()
        assert list(got) == CONTRACT_KEYS
        wrong = [key for key in expected if got[key] != expected[key]]
        for key in expected:
            correct[key] = correct.get(key, 0) + (key not in wrong)
        if expected["is_request"]:
            requests += 1
            missed += not got["is_request"]
            all_right += not wrong
        else:
            conversation += 1
            false += got["is_request"]
    return {
        "false": false / conversation,
        "missed": missed / requests,
        "all_right": all_right / requests,
        "fields": min(count / len(items) for count in correct.values()),
    }


@pytest.mark.parametrize("name", list(STREAMS))
def test_stream_conversation_is_not_taken_for_requests(name: str) -> None:
    assert _scores(name)["false"] <= STREAMS[name]["false"]


@pytest.mark.parametrize("name", list(STREAMS))
def test_stream_requests_are_not_missed(name: str) -> None:
    assert _scores(name)["missed"] <= STREAMS[name]["missed"]


@pytest.mark.parametrize("name", list(STREAMS))
def test_stream_requests_have_every_field_right(name: str) -> None:
    assert _scores(name)["all_right"] >= STREAMS[name]["all_right"]


@pytest.mark.parametrize("name", list(STREAMS))
def test_stream_each_field_is_accurate(name: str) -> None:
    assert _scores(name)["fields"] >= STREAMS[name].get("fields", MIN_FIELD_ACCURACY)

"""Every item of the labelled development corpus, field by field."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.parsing import parse

CORPUS = Path(__file__).resolve().parent.parent / "data" / "requests_dev.jsonl"
ITEMS = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.parametrize("item", ITEMS, ids=[item["id"] for item in ITEMS])
def test_dev_corpus_item(item: dict[str, Any]) -> None:
    result = parse(item["text"], datetime.fromisoformat(item["now"])).to_json()
    expected = item["expected"]
    assert {key: result[key] for key in expected} == expected
    assert list(result)[: len(expected)] == list(expected)

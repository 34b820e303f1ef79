"""Measure the request parser: throughput and per-field accuracy on the dev corpus."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.parsing import parse  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "requests_dev.jsonl"


def load(path: Path) -> list[dict]:
    """Read a JSON-lines corpus."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def accuracy(items: list[dict], verbose: bool) -> dict[str, float]:
    """Return the fraction of correct values per field, printing mismatches if asked.

    The fields are those the corpus labels (the parse contract's eleven).
    """
    fields = list(items[0]["expected"])
    correct = dict.fromkeys(fields, 0)
    for item in items:
        got = parse(item["text"], datetime.fromisoformat(item["now"])).to_json()
        for field in fields:
            if got[field] == item["expected"][field]:
                correct[field] += 1
            elif verbose:
                expected = item["expected"][field]
                print(f"{item['id']} {field}: got {got[field]!r}, expected {expected!r}")
    return {field: correct[field] / len(items) for field in fields}


def throughput(items: list[dict], repeat: int) -> float:
    """Return messages parsed per second over the corpus repeated `repeat` times."""
    batch = [(item["text"], datetime.fromisoformat(item["now"])) for item in items] * repeat
    parse(batch[0][0], batch[0][1])  # load the vocabulary before timing
    start = time.perf_counter()
    for text, now in batch:
        parse(text, now)
    return len(batch) / (time.perf_counter() - start)


def main() -> None:
    """Print the accuracy table and the throughput."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("-v", "--verbose", action="store_true", help="print every mismatch")
    args = parser.parse_args()
    items = load(args.corpus)
    scores = accuracy(items, args.verbose)
    rate = throughput(items, args.repeat)
    print(f"{'field':<22}{'accuracy':>10}")
    print("-" * 32)
    for field, score in scores.items():
        print(f"{field:<22}{score:>10.3f}")
    print("-" * 32)
    print(f"{'overall':<22}{sum(scores.values()) / len(scores):>10.3f}")
    print(f"\n{len(items)} messages x {args.repeat}: {rate:,.0f} messages/second")


if __name__ == "__main__":
    main()

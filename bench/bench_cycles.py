"""Score the parser on the multi-session corpus, per split (dev: rows not a multiple of 3)."""

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.parsing import parse  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "cycles.jsonl"
# The headcount too: a number of sessions (« 3 world cafés », "two half-days") is no headcount.
FIELDS = (
    "is_request",
    "event_date",
    "start_time",
    "end_time",
    "duration_minutes",
    "participants",
    "sessions",
)


def rows(split: str) -> list[dict]:
    """The rows of one split: dev (number not a multiple of 3) or held-out (a multiple of 3)."""
    out = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        held_out = int(item["id"].split("-")[1]) % 3 == 0
        if held_out == (split == "heldout"):
            out.append(item)
    return out


def compare(item: dict) -> list[str]:
    """Names of the labelled fields the parser gets wrong on one row."""
    got = parse(item["text"], datetime.fromisoformat(item["now"])).to_json()
    expected = item["expected"]
    return [name for name in expected if (got.get(name) or None) != (expected[name] or None)]


def main() -> None:
    """Print the share of rows with sessions right and with every field right."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", choices=("dev", "heldout"), default="dev")
    parser.add_argument("-v", "--verbose", action="store_true", help="dev only: each mismatch")
    args = parser.parse_args()
    items = rows(args.split)
    sessions_right = all_right = 0
    per_field = dict.fromkeys(FIELDS, 0)
    for item in items:
        wrong = compare(item)
        sessions_right += "sessions" not in wrong
        all_right += not wrong
        for name in FIELDS:
            per_field[name] += name not in wrong
        if args.verbose and args.split == "dev" and wrong:
            got = parse(item["text"], datetime.fromisoformat(item["now"])).to_json()
            for name in wrong:
                print(f"{item['id']} {name}: got {got.get(name)!r}")
                print(f"    expected {item['expected'][name]!r}")
    n = len(items)
    print(f"== cycles {args.split}: {n} rows")
    print(f"sessions right        {sessions_right / n:6.1%}  ({sessions_right}/{n})")
    print(f"every field right     {all_right / n:6.1%}  ({all_right}/{n})")
    for name, count in per_field.items():
        print(f"  {name:<20}{count / n:7.3f}")


if __name__ == "__main__":
    main()

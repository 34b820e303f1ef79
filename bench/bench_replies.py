"""Measure the reply reader on its labelled table: intent accuracy, exact changes and time."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.parsing.replies import read_reply  # noqa: E402
from tests.unit.reply_table import COMMANDS, HELD_OUT, TABLE, as_json, rows, view  # noqa: E402


def main() -> None:
    """Print per-intent accuracy of one split and the time per reply."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--held-out",
        action="store_true",
        help="score the never-tuned table (replies_b.jsonl): aggregates only",
    )
    parser.add_argument("--rounds", type=int, default=20, help="timing rounds over the split")
    args = parser.parse_args()
    split = rows(HELD_OUT if args.held_out else TABLE)
    inputs = [
        (
            r["text"],
            datetime.fromisoformat(r["now"]),
            r["where"],
            r["who"],
            view(r["request"]),
            tuple(r["pinged"]),
        )
        for r in split
    ]
    right, total = Counter(), Counter()
    changes_right = corrections = 0
    for row, (text, now, where, who, request, pinged) in zip(split, inputs, strict=True):
        reply = read_reply(
            text, now, where=where, who=who, request=request, pinged=pinged, commands=COMMANDS
        )
        expected = row["expected"]
        total[expected["intent"]] += 1
        right[expected["intent"]] += reply.intent == expected["intent"]
        if expected["intent"] == "correct":
            corrections += 1
            got = {k: as_json(v) for k, v in reply.changes.items()}
            changes_right += reply.intent == "correct" and got == expected["changes"]
    name = "held-out table" if args.held_out else "tuning table"
    print(f"{name}: {len(split)} replies")
    print(f"  intent accuracy {sum(right.values()) / len(split):.3f}")
    print(f"  changes exact   {changes_right}/{corrections}")
    for intent in sorted(total):
        print(f"    {intent:10s} {right[intent]:3d}/{total[intent]}")
    durations = []
    # The first round compiled the patterns; the timed rounds measure a running bot.
    for _ in range(args.rounds):
        for text, now, where, who, request, pinged in inputs:
            start = time.perf_counter()
            read_reply(
                text, now, where=where, who=who, request=request, pinged=pinged, commands=COMMANDS
            )
            durations.append(time.perf_counter() - start)
    durations.sort()
    p99 = durations[int(len(durations) * 0.99)]
    print(
        f"  time per reply: median {statistics.median(durations) * 1e3:.3f} ms, "
        f"p99 {p99 * 1e3:.3f} ms, max {durations[-1] * 1e3:.3f} ms"
    )


if __name__ == "__main__":
    main()

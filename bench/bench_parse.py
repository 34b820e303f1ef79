"""Measure the request parser per labelled corpus: request detection, fields and parse time."""

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.parsing import parse  # noqa: E402

DATA = ROOT / "tests" / "data"
# The never-tuned split (stream_holdout_o, _p: every stream_holdout_* file not listed below)
# is scored for its figures only: its mismatches are never printed.
HOLDOUT_DIRS = (DATA, ROOT.parent / "main" / "tests" / "data")
DEFAULT_NAMES = (
    "requests_dev.jsonl",
    "requests_stream_dev.jsonl",
    "stream_tune_a.jsonl",
    "stream_tune_b.jsonl",
    # Measured once before the request model; tuning data since (the model trains on them).
    "stream_holdout_a.jsonl",
    "stream_holdout_b.jsonl",
    # Measured once untuned (2026-11-30), tuning data since.
    "stream_holdout_c.jsonl",
    "stream_holdout_d.jsonl",
    # Measured once untuned (e: conversation taken 1.1%, missed 0.9%, all right 89.9%;
    # f: 2.2%, 1.8%, 95.5%), tuning data since.
    "stream_holdout_e.jsonl",
    "stream_holdout_f.jsonl",
    # Measured once untuned (g: conversation taken 2.2%, missed 1.8%, all right 93.6%,
    # field accuracy 0.983; h: 2.2%, 1.8%, 94.5%, 0.980), tuning data since.
    "stream_holdout_g.jsonl",
    "stream_holdout_h.jsonl",
    # Measured once untuned (i: conversation taken 3.3%, missed 0.9%, all right 96.4%,
    # field accuracy 0.987; j: 1.1%, 0.9%, 93.6%, 0.993), tuning data since.
    "stream_holdout_i.jsonl",
    "stream_holdout_j.jsonl",
    # Measured once untuned (k: conversation taken 4.4%, missed 1.8%, all right 93.6%,
    # field accuracy 0.978; l: 3.3%, 3.7%, 89.8%, 0.970), tuning data since.
    "stream_holdout_k.jsonl",
    "stream_holdout_l.jsonl",
    # Measured once untuned (m: conversation taken 2.2%, missed 3.7%, all right 96.3%,
    # field accuracy 0.977; n: 0.0%, 0.9%, 98.2%, 0.995), tuning data since.
    "stream_holdout_m.jsonl",
    "stream_holdout_n.jsonl",
)


def load(path: Path) -> list[dict]:
    """Read a JSON-lines corpus."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@dataclass
class Scores:
    """What the parser got right on one corpus."""

    messages: int = 0
    requests: int = 0
    conversation: int = 0
    false_requests: int = 0
    missed: int = 0
    requests_all_right: int = 0
    correct: dict[str, int] = field(default_factory=dict)
    mismatches: list[str] = field(default_factory=list)

    @property
    def false_request_rate(self) -> float:
        """Share of non-requests taken for requests."""
        return self.false_requests / self.conversation if self.conversation else 0.0

    @property
    def miss_rate(self) -> float:
        """Share of requests taken for conversation."""
        return self.missed / self.requests if self.requests else 0.0

    @property
    def all_right_rate(self) -> float:
        """Share of requests with every labelled field right."""
        return self.requests_all_right / self.requests if self.requests else 0.0

    def field_accuracy(self) -> dict[str, float]:
        """Fraction of messages with each field right."""
        return {name: count / self.messages for name, count in self.correct.items()}


def score(items: list[dict]) -> Scores:
    """Parse every item once and compare with its labels."""
    out = Scores()
    fields = list(items[0]["expected"])
    out.correct = dict.fromkeys(fields, 0)
    for item in items:
        expected = item["expected"]
        got = parse(item["text"], datetime.fromisoformat(item["now"])).to_json()
        out.messages += 1
        wrong = [name for name in fields if got[name] != expected[name]]
        for name in fields:
            if name not in wrong:
                out.correct[name] += 1
        if expected["is_request"]:
            out.requests += 1
            out.missed += not got["is_request"]
            out.requests_all_right += not wrong
        else:
            out.conversation += 1
            out.false_requests += bool(got["is_request"])
        for name in wrong:
            out.mismatches.append(
                f"{item['id']} {name}: got {got[name]!r}, expected {expected[name]!r}"
            )
    return out


def timings(items: list[dict], repeat: int) -> list[float]:
    """Return the parse time of each message, in seconds, over `repeat` passes."""
    batch = [(item["text"], datetime.fromisoformat(item["now"])) for item in items]
    parse(batch[0][0], batch[0][1])  # load the vocabulary and models before timing
    out = []
    clock = time.perf_counter
    for _ in range(repeat):
        for text, now in batch:
            start = clock()
            parse(text, now)
            out.append(clock() - start)
    return out


def report(path: Path, repeat: int, verbose: bool) -> None:
    """Print one corpus's table."""
    items = load(path)
    s = score(items)
    spent = timings(items, repeat)
    spent.sort()
    median = statistics.median(spent) * 1000
    p99 = spent[min(len(spent) - 1, int(len(spent) * 0.99))] * 1000
    rate = len(spent) / sum(spent)
    print(f"== {path.name}: {s.messages} messages, {s.requests} requests")
    print(
        f"non-requests taken for requests  {s.false_request_rate:6.1%}"
        f"  ({s.false_requests}/{s.conversation})"
    )
    print(f"requests missed                  {s.miss_rate:6.1%}  ({s.missed}/{s.requests})")
    print(
        f"requests with every field right  {s.all_right_rate:6.1%}"
        f"  ({s.requests_all_right}/{s.requests})"
    )
    accuracy = s.field_accuracy()
    for name, value in accuracy.items():
        print(f"  {name:<22}{value:7.3f}")
    print(f"  {'mean field accuracy':<22}{sum(accuracy.values()) / len(accuracy):7.3f}")
    print(
        f"parse time per message: median {median:.3f} ms, p99 {p99:.3f} ms,"
        f" {rate:,.0f} messages/second ({len(spent)} parses)"
    )
    if verbose:
        print("\n".join(s.mismatches))
    print()


def default_paths() -> list[Path]:
    """The tuning corpora present, then the never-tuned holdout files found, once each."""
    paths = [DATA / name for name in DEFAULT_NAMES if (DATA / name).exists()]
    seen = set(DEFAULT_NAMES)
    for folder in HOLDOUT_DIRS:
        for path in sorted(folder.glob("stream_holdout_*.jsonl")):
            if path.name not in seen:
                seen.add(path.name)
                paths.append(path)
    return paths


def main() -> None:
    """Print the scores and parse times of each corpus."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpus", type=Path, nargs="*", help="JSON-lines files (default: all)")
    parser.add_argument("--repeat", type=int, default=5, help="timing passes over each file")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every mismatch")
    args = parser.parse_args()
    for path in args.corpus or default_paths():
        report(path, args.repeat, args.verbose and path.name in DEFAULT_NAMES)


if __name__ == "__main__":
    main()

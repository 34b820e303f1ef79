"""The labelled tables of replies, read the way the tests and `bench/bench_replies.py` read them."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from pathlib import Path

from bot.parsing.replies import Reply, RequestView, read_reply

TABLE = Path(__file__).resolve().parents[1] / "data" / "replies.jsonl"  # tuned on
HELD_OUT = TABLE.with_name("replies_b.jsonl")  # written blind, never tuned on
# Command names and aliases as DESIGN.md names them; the bot passes its own table.
COMMANDS = (
    "accepte", "accept", "refuse", "decline", "desiste", "withdraw", "missions", "mymissions",
    "profil", "profile", "absent", "away", "present", "back", "demandes", "requests",
    "assigne", "assign", "evenement", "event", "stats", "statistics", "aide", "help",
    "langue", "language", "annule", "cancel", "statut", "status", "etapes", "steps",
    "cadrage", "deroule", "valide", "restitution", "qualifie", "oriente", "reserve",
    "parcours", "attestation",
)  # fmt: skip


def view(raw: dict | None) -> RequestView | None:
    """The table's request as the reader takes it."""
    if raw is None:
        return None
    return RequestView(
        id=raw["id"],
        state=raw["state"],
        event_date=date.fromisoformat(raw["event_date"]) if raw["event_date"] else None,
        start_time=time.fromisoformat(raw["start_time"]) if raw["start_time"] else None,
        end_time=time.fromisoformat(raw["end_time"]) if raw["end_time"] else None,
        format=raw["format"],
        modality=raw["modality"],
        location=raw["location"],
        participants=raw["participants"],
        facilitators_needed=raw["facilitators_needed"],
        missing=tuple(raw["missing"]),
    )


def as_json(value: object) -> object:
    """A change's value as the table writes it."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return value


def labelled(reply: Reply) -> dict:
    """The reply in the table's schema."""
    out: dict = {"intent": reply.intent}
    if reply.intent == "correct":
        out["changes"] = {k: as_json(v) for k, v in reply.changes.items()}
    for key in ("note", "request", "lang", "suggestion"):
        if getattr(reply, key) is not None:
            out[key] = getattr(reply, key)
    return out


def run(row: dict) -> dict:
    """Read one row of the table."""
    reply = read_reply(
        row["text"],
        datetime.fromisoformat(row["now"]),
        where=row["where"],
        who=row["who"],
        request=view(row["request"]),
        pinged=tuple(row["pinged"]),
        commands=COMMANDS,
    )
    return labelled(reply)


def rows(path: Path = TABLE) -> list[dict]:
    """A whole table."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]

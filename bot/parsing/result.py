"""The result of parsing one message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.parsing.sessions import Session

FULL_DAY_MINUTES = 420


@dataclass(frozen=True)
class ParseResult:
    """What a message asks for; every field null and 0 facilitators for a non-request."""

    is_request: bool
    event_date: date | None = None
    start_time: time | None = None
    end_time: time | None = None
    duration_minutes: int | None = None
    facilitators_needed: int = 0
    format: str | None = None
    modality: str | None = None
    location: str | None = None
    participants: int | None = None
    directorate: str | None = None
    topic: str | None = None
    missing: tuple[str, ...] = ()
    # An explicit event date already past (the bot refuses it); not in the JSON contract.
    past_date: date | None = None
    # Several dates: every session in order, the first one also the fields above.
    sessions: tuple[Session, ...] = ()

    @classmethod
    def not_a_request(cls) -> ParseResult:
        """Return the result for a message that asks for nothing."""
        return cls(is_request=False)

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object of the contract: the 11 corpus keys, topic, missing."""
        return {
            "is_request": self.is_request,
            "event_date": self.event_date.isoformat() if self.event_date else None,
            "start_time": self.start_time.strftime("%H:%M") if self.start_time else None,
            "end_time": self.end_time.strftime("%H:%M") if self.end_time else None,
            "duration_minutes": self.duration_minutes,
            "facilitators_needed": self.facilitators_needed,
            "format": self.format,
            "modality": self.modality,
            "location": self.location,
            "participants": self.participants,
            "directorate": self.directorate,
            "topic": self.topic,
            "missing": list(self.missing),
            "sessions": [
                {
                    "date": s.day.isoformat(),
                    "start_time": s.start.strftime("%H:%M") if s.start else None,
                    "end_time": s.end.strftime("%H:%M") if s.end else None,
                }
                for s in self.sessions
            ]
            or None,
        }


def missing_fields(
    event_date: date | None, start: time | None, duration: int | None, place: bool
) -> tuple[str, ...]:
    """Return which of event_date, start_time and place a request still lacks."""
    out = []
    if event_date is None:
        out.append("event_date")
    if start is None and duration != FULL_DAY_MINUTES:
        out.append("start_time")
    if not place:
        out.append("place")
    return tuple(out)

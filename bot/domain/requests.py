"""A facilitation request: what was understood of it, and the stored aggregate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

OPEN_STATES = ("ouverte", "partiellement pourvue", "pourvue")


@dataclass(frozen=True)
class Session:
    """One session of a request held on several dates (numbered from 1 as first read)."""

    number: int
    day: date
    start_time: time | None = None
    end_time: time | None = None
    cancelled: bool = False


@dataclass(frozen=True)
class RequestDetails:
    """What was understood of a request (all optional but the staffing need)."""

    event_date: date | None = None
    start_time: time | None = None
    end_time: time | None = None
    duration_minutes: int | None = None
    facilitators_needed: int = 1
    format: str | None = None
    modality: str | None = None
    location: str | None = None
    participants: int | None = None
    directorate: str | None = None
    topic: str | None = None
    # Several sessions: all of them, in order; the fields above are those of the first.
    sessions: tuple[Session, ...] = ()

    @property
    def ends_at(self) -> time | None:
        """The end time: given, or the start plus the duration (23:59 past midnight)."""
        if self.end_time is not None or self.start_time is None or not self.duration_minutes:
            return self.end_time
        day = self.event_date or date(2000, 1, 1)
        finish = datetime.combine(day, self.start_time) + timedelta(minutes=self.duration_minutes)
        return finish.time() if finish.date() == day else time(23, 59)


@dataclass(frozen=True)
class Request:
    """A stored request, with its number and where it was asked."""

    id: int
    source_event_id: str
    room_id: str
    thread_root: str
    requester: str
    text: str
    state: str
    details: RequestDetails
    card_key: str | None
    created_at: datetime
    updated_at: datetime
    # Removed by its author as a mistake: cancelled, and counted nowhere.
    discarded: bool = False
    # The facilitator who leads the mission (named, or the first to accept).
    lead: str | None = None
    lead_name: str | None = None  # the lead's name in the directory, when known
    # Who waits in reserve for a place, first in line first.
    reserve: tuple[str, ...] = ()


@dataclass(frozen=True)
class Note:
    """Something said about a request that changes none of its fields, kept for its facilitators."""

    request_id: int
    author: str
    text: str
    created_at: datetime


# How each format is named in the bot's sentences.
FORMAT_LABELS = {
    "atelier": "atelier",
    "seminaire": "séminaire",
    "pleniere": "plénière",
    "codeveloppement": "codéveloppement",
    "world_cafe": "world café",
    "forum_ouvert": "forum ouvert",
    "design_sprint": "design sprint",
    "hackathon": "hackathon",
    "retrospective": "rétrospective",
    "reunion": "réunion",
}

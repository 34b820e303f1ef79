"""Bookkeeping of messages waiting for their room key: which to retry, whom to tell.

Pure: plain values and a clock reading in, decisions out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol


class Waiting(Protocol):
    """What the bookkeeping reads of a waiting event (storage's `WaitingEvent`)."""

    @property
    def event_id(self) -> str: ...
    @property
    def room_id(self) -> str: ...
    @property
    def room_kind(self) -> str: ...
    @property
    def sender(self) -> str: ...
    @property
    def session_id(self) -> str: ...
    @property
    def source(self) -> dict[str, Any]: ...
    @property
    def received_at(self) -> datetime: ...
    @property
    def notified_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class Notice:
    """One polite message to a sender about their unreadable messages in one room."""

    room_id: str
    room_kind: str
    sender: str
    event_ids: tuple[str, ...]  # oldest first; the notice answers the first
    thread_root: str | None  # the thread the first message was written in, if any

    @property
    def first(self) -> str:
        """The message the notice answers."""
        return self.event_ids[0]


def to_retry(waiting: Iterable[Waiting], session_ids: set[str] | None) -> list[Waiting]:
    """The waiting events worth decrypting again: those whose key just came (or all)."""
    return [w for w in waiting if session_ids is None or w.session_id in session_ids]


def notices_due(waiting: Iterable[Waiting], now: datetime, timeout: timedelta) -> list[Notice]:
    """Group the events waiting longer than `timeout`, and not yet told, by room and sender."""
    groups: dict[tuple[str, str], list[Waiting]] = {}
    for event in waiting:
        if event.notified_at is None and now - event.received_at >= timeout:
            groups.setdefault((event.room_id, event.sender), []).append(event)
    notices = []
    for (room_id, sender), events in groups.items():
        events.sort(key=lambda e: (e.received_at, e.event_id))
        notices.append(
            Notice(
                room_id=room_id,
                room_kind=events[0].room_kind,
                sender=sender,
                event_ids=tuple(e.event_id for e in events),
                thread_root=thread_of(events[0].source),
            )
        )
    notices.sort(key=lambda n: n.first)
    return notices


def thread_of(source: dict[str, Any]) -> str | None:
    """The thread of an encrypted event, from its cleartext relation."""
    relates = source.get("content", {}).get("m.relates_to")
    if isinstance(relates, dict) and relates.get("rel_type") == "m.thread":
        root = relates.get("event_id")
        return root if isinstance(root, str) else None
    return None

"""Timed jobs as the schedule holds them, and the pure diff that keeps a target's jobs
as wanted: what to create, what to move, what to cancel."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

PENDING, SENT, SKIPPED, CANCELLED = "pending", "sent", "skipped", "cancelled"


@dataclass(frozen=True)
class Job:
    """One timed job and where it stands."""

    id: int
    kind: str
    target: str
    recipient: str
    offset: timedelta
    anchor_at: datetime | None
    due_at: datetime
    expires_at: datetime | None
    state: str
    payload: dict[str, Any] = field(default_factory=dict)
    note: str | None = None
    sent_at: datetime | None = None


@dataclass(frozen=True)
class Wanted:
    """A job a target should have: one kind, one recipient, one offset from its anchor."""

    kind: str
    recipient: str
    offset: timedelta
    due_at: datetime
    anchor_at: datetime
    expires_at: datetime | None = None

    @property
    def slot(self) -> tuple[str, str, timedelta]:
        """What identifies it among a target's jobs."""
        return (self.kind, self.recipient, self.offset)


@dataclass(frozen=True)
class JobPlan:
    """How to bring a target's jobs to what is wanted."""

    create: tuple[Wanted, ...] = ()
    move: tuple[tuple[int, Wanted], ...] = ()
    cancel: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.create or self.move or self.cancel)


def plan_jobs(wanted: list[Wanted], existing: list[Job], now: datetime) -> JobPlan:
    """Compare wanted jobs with a target's existing rows.

    Pending rows no longer wanted are cancelled, those whose time changed are
    moved (or cancelled when their new time is already past); a row already
    due but unchanged is left to the runner's grace policy; a job already
    sent (or skipped) for the same anchor is not planned again.
    """
    kept: set[int] = set()
    create: list[Wanted] = []
    move: list[tuple[int, Wanted]] = []
    for want in wanted:
        same = [j for j in existing if (j.kind, j.recipient, j.offset) == want.slot]
        if any(j.anchor_at == want.anchor_at and j.state in (SENT, SKIPPED) for j in same):
            continue  # already done (or deliberately not) for this very anchor
        pending = [j for j in same if j.state == PENDING]
        if pending and (pending[0].due_at, pending[0].anchor_at) == (want.due_at, want.anchor_at):
            kept.add(pending[0].id)  # unchanged, even if already due
        elif pending and want.due_at > now:
            kept.add(pending[0].id)
            move.append((pending[0].id, want))
        elif not pending and want.due_at > now:
            create.append(want)
    cancel = tuple(j.id for j in existing if j.state == PENDING and j.id not in kept)
    return JobPlan(tuple(create), tuple(move), cancel)

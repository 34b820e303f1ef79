"""How people get into the directory: the roster import, and members of the facilitators room."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.domain.clock import Clock
from bot.domain.content import Rendered
from bot.domain.profiles import Facilitator
from bot.domain.roster import Roster, clean_display_name
from handlers import messages
from handlers.core.context import Chat
from storage.store import Store

log = logging.getLogger(__name__)


# -- members of the facilitators room ------------------------------------------------------------


async def enroll_members(
    store: Store, chat: Chat, clock: Clock, members: Mapping[str, str]
) -> list[str]:
    """Give members without a profile an empty one, and invite each once to complete it.

    `members` maps user ids to display names. The invitation's outbox key is
    derived from the user, so it is sent once whatever happens. Someone who
    asked to be forgotten (`!oubliemoi`) is not enrolled again. Returns the
    users enrolled.
    """
    known = await store.facilitators.known(members)
    missing = [
        user
        for user in members
        if user not in known and not await store.privacy.was_forgotten(user)
    ]
    enrolled = []
    async with store.db.transaction():
        for user in missing:
            name = clean_display_name(members[user] or "")
            if not await store.facilitators.enroll(user, name, at=clock.now()):
                continue
            greeting = messages.PROFILE_INVITATION.format(name=f" {name}" if name else "")
            await chat.dm(user, Rendered.text(greeting), key=f"profile-invite:{user}")
            enrolled.append(user)
    if enrolled:
        log.info("enrolled %d members of the facilitators room", len(enrolled))
    return enrolled


# -- roster import -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportReport:
    """How a roster import went: counts, and one French line per rejected row."""

    added: int
    updated: int
    unchanged: int
    rejected: tuple[str, ...]

    def summary(self) -> str:
        """The one-line summary printed at the end."""
        return messages.ROSTER_SUMMARY.format(
            added=self.added,
            updated=self.updated,
            rejected=len(self.rejected),
            unchanged=self.unchanged,
        )


def describe_rejections(roster: Roster) -> tuple[str, ...]:
    """One line per rejected row: its line number and every problem in it."""
    lines = []
    for row in roster.rejected:
        problems = []
        for problem in row.problems:
            values = {k: v for k, v in problem.values.items() if k != "column"}
            text = messages.field_problem(problem.code, values).rstrip(".")
            text = text[0].lower() + text[1:]
            column = problem.values.get("column")
            if column:
                text = messages.ROSTER_COLUMN.format(column=column, problem=text)
            problems.append(text)
        lines.append(messages.ROSTER_REJECTED.format(line=row.line, problems=" ; ".join(problems)))
    return tuple(lines)


async def import_roster(store: Store, roster: Roster, *, at: datetime) -> ImportReport:
    """Upsert every good row of a roster, in one transaction."""
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    async with store.db.transaction():
        for entry in roster.entries:
            person = Facilitator(matrix_id=entry.matrix_id, **entry.values)
            outcome = await store.facilitators.upsert(person, at=at, given=entry.values.keys())
            counts[outcome] += 1
    report = ImportReport(**counts, rejected=describe_rejections(roster))
    log.info(
        "roster imported: %d added, %d updated, %d unchanged, %d rejected",
        report.added,
        report.updated,
        report.unchanged,
        len(report.rejected),
    )
    return report

"""The bot's features, gathered explicitly: their commands, job kinds and passive handlers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.config import Config
from bot.domain.clock import Clock
from handlers import (
    availability,
    candidates,
    conversation,
    craft,
    cycles,
    events,
    feedback,
    help,
    intake,
    language,
    privacy,
    profile,
    reminders,
    reports,
    session_reminders,
)
from handlers.core.commands import Command
from handlers.core.dispatch import Dispatcher
from handlers.core.jobs import JobKinds
from handlers.missions import facilitator, listing, nudges, qualify, room, steering, steps
from handlers.staffing import qualification, rounds, stand_ins
from storage.store import Store

# In the order `!aide` lists them.
COMMANDS: tuple[Command, ...] = (
    *help.commands.commands,
    *intake.commands.commands,
    *listing.commands.commands,
    *facilitator.commands.commands,
    *steering.commands.commands,
    *cycles.commands.commands,
    *stand_ins.commands.commands,
    *steps.commands.commands,
    *room.commands.commands,
    *qualify.commands.commands,
    *reports.commands.commands,
    *craft.commands.commands,
    *privacy.commands.commands,
    *language.commands.commands,
    *profile.commands.commands,
    *availability.commands.commands,
    *candidates.commands.commands,
    *events.commands.commands,
    *feedback.commands.commands,
)
JOB_KINDS = JobKinds(
    rounds.jobs,
    reminders.jobs,
    events.jobs,
    privacy.jobs,
    session_reminders.jobs,
    stand_ins.jobs,
    room.jobs,
    nudges.jobs,
    qualification.jobs,
)


def build_dispatcher(
    config: Config, store: Store, clock: Clock, is_facilitator: Callable[[str], Awaitable[bool]]
) -> Dispatcher:
    """The dispatcher of every feature."""
    return Dispatcher(
        config,
        store,
        clock,
        is_facilitator,
        commands=COMMANDS,
        jobs=JOB_KINDS,
        on_text=conversation.on_text,
        on_edit=intake.on_edit,
        on_room_text=room.on_room_text,
        # A plenary's reminder first, then a request's card (❌ by its author),
        # then a ping or a card (✅ accepts, ❌ on a ping declines).
        on_reaction=(
            events.on_reaction,
            steering.on_reaction,
            stand_ins.on_reaction,
            facilitator.on_reaction,
        ),
    )

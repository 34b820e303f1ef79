"""The dispatcher: each Matrix event handled exactly once, routed to a feature."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable

from bot.config import Config
from bot.domain.clock import Clock
from bot.domain.content import Rendered
from bot.matrix.events import Incoming
from handlers.core import wording
from handlers.core.chat import OutboxChat
from handlers.core.commands import (
    Command,
    Permission,
    closest_command,
    find_command,
    parse_arguments,
)
from handlers.core.context import Context, UserError
from handlers.core.jobs import JobKinds, JobRunner
from handlers.core.language import Say, reader_language
from storage.store import Store

log = logging.getLogger(__name__)


INTERNAL_ERROR = Say(
    "Désolé, un incident m'a empêché de traiter votre message. Il a été signalé ; "
    "réessayez dans un instant.",
    "Sorry, something went wrong while handling your message. It has been reported; "
    "please try again in a moment.",
)

DID_YOU_MEAN = Say(
    "Je ne connais pas la commande `{prefix}{name}`. Vouliez-vous dire `{typed}` ?",
    "I don't know the command `{prefix}{name}`. Did you mean `{typed}`?",
)

UNKNOWN_COMMAND = Say(
    "Je ne connais pas la commande `{prefix}{name}`. Tapez `{prefix}aide` pour la liste.",
    "I don't know the command `{prefix}{name}`. Type `{prefix}help` for the list.",
)

COORDINATORS_ONLY = Say(
    "La commande `{prefix}{name}` est réservée à l'équipe de coordination du réseau.",
    "The command `{prefix}{name}` is for the network's coordinators.",
)

MESSAGE_TOO_LONG = Say(
    "Votre message est trop long ({length} caractères, maximum {limit}). "
    "Résumez votre demande en quelques lignes : date, horaires, lieu, format, nombre de participants.",
    "Your message is too long ({length} characters, at most {limit}). "
    "Sum up your request in a few lines: date, times, place, format, number of participants.",
)


# A passive handler: free text or an edit, answered by a feature; returns the outcome.
Route = Callable[[Context], Awaitable[str]]
_COMMAND_NAME = re.compile(r"^[a-zà-ÿ][a-zà-ÿ_-]*$")


def without_reply_fallback(body: str) -> str:
    """A reply's own text: clients that quote the message replied to put it first, as
    `> ` lines and a blank line (`!deroule` in reply to a file is still a command)."""
    lines = body.split("\n")
    if not lines or not lines[0].startswith(">"):
        return body
    while lines and lines[0].startswith(">"):
        lines.pop(0)
    return "\n".join(lines).strip()


class Dispatcher:
    """Route events to handlers inside one transaction with their effects.

    The handled-event mark, the handler's writes and the outbox rows of its
    answers commit together: a redelivered event is skipped, a crash before
    commit leaves nothing behind, and a `UserError` rolls the effects back
    before its answer is written.
    """

    def __init__(
        self,
        config: Config,
        store: Store,
        clock: Clock,
        is_facilitator: Callable[[str], Awaitable[bool]],
        *,
        commands: tuple[Command, ...],
        jobs: JobKinds,
        on_text: Route,
        on_edit: Route,
        on_reaction: tuple[Callable[[Context], Awaitable[str | None]], ...],
        on_room_text: Route | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.is_facilitator = is_facilitator
        self.commands = commands
        self.on_text = on_text
        self.on_edit = on_edit
        self.on_reaction = on_reaction
        self.on_room_text = on_room_text  # a message in a mission's room that is no command
        self.facilitators_room: str | None = None  # set once the room is joined
        self.jobs = JobRunner(
            config, store, clock, jobs, facilitators_room=lambda: self.facilitators_room
        )
        # Called as (event kind, outcome, seconds) after each handled event (metrics).
        self.on_handled: Callable[[str, str, float], None] | None = None
        # Awaited as soon as an event's answers are committed (the bot wakes its sender).
        self.on_commit: Callable[[], Awaitable[None]] | None = None
        # Whether `handle` settles the jobs an event left due now (the first pings of
        # a new request) itself, once its answers are committed. The bot leaves them
        # to its scheduler instead, which fires them once the answers are sent.
        self.settle_due_now = True

    async def handle(self, event: Incoming, room_kind: str, *, unseen: bool = False) -> str:
        """Handle one event once; return its outcome (for logs and tests).

        `unseen`: the caller knows the event was never handled (a sync that went on
        from a batch handled in full), so the database is not asked; its mark is
        written all the same, for the next start.
        """
        if event.msgtype == "m.notice" or event.from_bot:
            return "ignored:notice"
        started = time.perf_counter()
        ctx = self._context(event, room_kind)
        try:
            async with self.store.db.transaction():
                # Asked inside the transaction, the question goes with its BEGIN.
                if not unseen and await self.store.state.is_handled(event.event_id):
                    return "duplicate"
                ctx.lang = await reader_language(
                    self.store,
                    event.sender,
                    event.body,
                    prefix=self.config.bot.command_prefix,
                    at=self.clock.now(),
                )
                outcome = await self._route(ctx)
                await self._mark(event, outcome)
        except UserError as exc:
            ctx.due_now.clear()  # rolled back with the rest
            outcome = "refused"
            await self._answer(event, room_kind, Rendered.text(exc.text_in(ctx.lang)), outcome)
        except Exception:
            ctx.due_now.clear()
            outcome = "error"
            log.exception("handling %s in %s failed", event.event_id, event.room_id)
            await self._answer(
                event, room_kind, Rendered.text(INTERNAL_ERROR.in_(ctx.lang)), outcome
            )
        if self.on_commit is not None:
            await self.on_commit()  # the answers are committed: on their way before the log line
        elapsed = time.perf_counter() - started
        log.info(
            "event %s kind=%s room=%s outcome=%s duration_ms=%.1f",
            event.event_id,
            event.kind,
            event.room_id,
            outcome,
            elapsed * 1000,
        )
        if self.on_handled is not None:
            self.on_handled(event.kind, outcome, elapsed)
        if ctx.due_now and self.settle_due_now:
            await self.jobs.fire(ctx.due_now)
        return outcome

    def _context(self, event: Incoming, room_kind: str) -> Context:
        return Context(
            event=event,
            config=self.config,
            store=self.store,
            chat=OutboxChat(self.store.outbox, self.clock, threads=room_kind != "mission"),
            clock=self.clock,
            is_facilitator=self.is_facilitator,
            commands=self.commands,
            room_kind=room_kind,
            facilitators_room=self.facilitators_room,
        )

    async def _mark(self, event: Incoming, outcome: str) -> None:
        # Sent with the COMMIT that follows: one hop fewer.
        await self.store.state.mark_handled_later(
            event.event_id, event.room_id, outcome, self.clock.now()
        )

    async def _answer(
        self, event: Incoming, room_kind: str, message: Rendered, outcome: str
    ) -> None:
        async with self.store.db.transaction():
            ctx = self._context(event, room_kind)
            await ctx.chat.reply(event, message)
            await self._mark(event, outcome)

    async def _route(self, ctx: Context) -> str:
        event = ctx.event
        prefix = self.config.bot.command_prefix
        reads_text = ctx.room_kind in ("requests", "dm")
        if event.kind == "reaction":
            for on_reaction in self.on_reaction:  # the first feature the reaction concerns
                if (outcome := await on_reaction(ctx)) is not None:
                    return outcome
            return "ignored:reaction"
        if event.kind == "edit":
            if reads_text and not event.body.lstrip().startswith(prefix):
                self._check_size(event)
                return await self.on_edit(ctx)
            return "ignored:edit"
        body = event.body.strip()
        if event.reply_to is not None:
            body = without_reply_fallback(body)
        if body.startswith(prefix):
            head, _, rest = body[len(prefix) :].partition(" ")
            name = head.lower()
            if _COMMAND_NAME.match(name):
                self._check_size(event)
                return await self._run_command(ctx, name, rest)
        if ctx.room_kind == "mission" and self.on_room_text is not None:
            return await self.on_room_text(ctx)
        if not reads_text or not body:
            return "ignored:chatter"
        self._check_size(event)
        return await self.on_text(ctx)

    def _check_size(self, event: Incoming) -> None:
        limit = self.config.bot.max_message_length
        if len(event.body) > limit:
            raise UserError(MESSAGE_TOO_LONG, length=len(event.body), limit=limit)

    async def _run_command(self, ctx: Context, name: str, rest: str) -> str:
        prefix = self.config.bot.command_prefix
        command = find_command(name, self.commands)
        if command is None:
            meant = closest_command(name, rest, self.commands)
            if meant is not None:
                typed = f"{prefix}{meant.name} {rest.strip()}".strip()
                raise UserError(DID_YOU_MEAN, prefix=prefix, name=name, typed=typed)
            raise UserError(UNKNOWN_COMMAND, prefix=prefix, name=name)
        if command.permission is Permission.COORDINATOR and not ctx.is_coordinator:
            raise UserError(COORDINATORS_ONLY, prefix=prefix, name=command.name)
        if command.permission is Permission.FACILITATOR and not await ctx.may_facilitate():
            raise UserError(wording.FACILITATORS_ONLY, prefix=prefix, name=command.name)
        arguments = parse_arguments(command, rest, ctx)
        await command.handler(ctx, **arguments)
        return f"command:{command.name}"

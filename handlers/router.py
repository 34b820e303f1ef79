"""The command table and the dispatcher that handles each Matrix event exactly once."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable

from bot.config import Config
from bot.domain.clock import Clock
from bot.domain.content import Rendered
from bot.matrix.events import Incoming
from handlers import events as network_events  # schedule (issue 6)
from handlers import feedback as mission_feedback  # schedule (issue 6)
from handlers import help as help_
from handlers import intake, messages, missions, privacy, reports
from handlers.candidates import show_candidates
from handlers.chat import OutboxChat
from handlers.commands import Command, Kind, Param, Permission, parse_arguments
from handlers.context import Context, UserError
from handlers.directory import absent, pause, present, profile, resume
from handlers.jobs import JobRunner
from storage.store import Store

log = logging.getLogger(__name__)
_COMMAND_NAME = re.compile(r"^[a-zà-ÿ][a-zà-ÿ_-]*$")


async def _help(ctx: Context, commande: str | None) -> None:
    await help_.show_help(ctx, COMMANDS, commande)


COMMANDS: tuple[Command, ...] = (
    Command(
        name="aide",
        aliases=("help",),
        handler=_help,
        permission=Permission.ANYONE,
        summary="la liste des commandes, ou l'aide d'une commande",
        example="!aide statut",
        params=(Param("commande", Kind.WORD, "commande", optional=True),),
    ),
    Command(
        name="demandes",
        aliases=("requests",),
        handler=missions.list_requests,
        permission=Permission.ANYONE,
        summary=(
            "vos demandes ouvertes (toutes pour les coordinateurs) ; filtre possible : "
            "ouvertes, pourvues, réalisées, annulées, toutes, ou un mois"
        ),
        example="!demandes décembre",
        params=(Param("filtre", Kind.WORD, "filtre", optional=True),),
    ),
    Command(
        name="statut",
        aliases=("status",),
        handler=missions.status,
        permission=Permission.ANYONE,
        summary="où en est une demande, et qui la facilite",
        example="!statut 42",
        params=(Param("numero", Kind.REQUEST, "numéro"),),
    ),
    Command(
        name="annule",
        aliases=("cancel",),
        handler=missions.cancel,
        permission=Permission.ANYONE,
        summary="annuler votre demande (les facilitateurs sont prévenus)",
        example="!annule 42",
        params=(Param("numero", Kind.REQUEST, "numéro"),),
    ),
    Command(
        name="accepte",
        aliases=("accept",),
        handler=missions.accept,
        permission=Permission.FACILITATOR,
        summary="prendre une place sur une demande (ou réagir ✅ à la sollicitation)",
        example="!accepte 42",
        params=(Param("numero", Kind.REQUEST, "numéro"),),
    ),
    Command(
        name="refuse",
        aliases=("decline",),
        handler=missions.decline,
        permission=Permission.FACILITATOR,
        summary="décliner une sollicitation",
        example="!refuse 42",
        params=(Param("numero", Kind.REQUEST, "numéro"),),
    ),
    Command(
        name="desiste",
        aliases=("withdraw",),
        handler=missions.withdraw,
        permission=Permission.FACILITATOR,
        summary="rendre votre place sur une demande acceptée",
        example="!desiste 42",
        params=(Param("numero", Kind.REQUEST, "numéro"),),
    ),
    Command(
        name="missions",
        aliases=("mymissions",),
        handler=missions.my_missions,
        permission=Permission.FACILITATOR,
        summary="vos missions à venir, la plus proche d'abord",
        example="!missions",
    ),
    Command(
        name="assigne",
        aliases=("assign",),
        handler=missions.assign,
        permission=Permission.COORDINATOR,
        summary="affecter directement un facilitateur à une demande",
        example="!assigne 42 @marie.dupont:finances.gouv.fr",
        params=(
            Param("numero", Kind.REQUEST, "numéro"),
            Param("utilisateur", Kind.USER, "@utilisateur"),
        ),
    ),
    Command(
        name="retire",
        aliases=("remove",),
        handler=missions.remove,
        permission=Permission.COORDINATOR,
        summary="retirer un facilitateur d'une demande (la place se rouvre)",
        example="!retire 42 @marie.dupont:finances.gouv.fr",
        params=(
            Param("numero", Kind.REQUEST, "numéro"),
            Param("utilisateur", Kind.USER, "@utilisateur"),
        ),
    ),
    Command(
        name="cloture",
        aliases=("close",),
        handler=missions.close,
        permission=Permission.COORDINATOR,
        summary="clore une demande réalisée",
        example="!cloture 42",
        params=(Param("numero", Kind.REQUEST, "numéro"),),
    ),
    Command(
        name="stats",
        aliases=("statistics",),
        handler=reports.stats,
        permission=Permission.COORDINATOR,
        summary="les chiffres du mois (ou d'un autre mois) : demandes, taux et délai, missions",
        example="!stats novembre",
        params=(Param("mois", Kind.WORD, "mois", optional=True),),
    ),
    Command(
        name="mesdonnees",
        aliases=("mydata",),
        handler=privacy.my_data,
        permission=Permission.ANYONE,
        summary="recevoir en message privé tout ce que le bot conserve sur vous",
        example="!mesdonnees",
    ),
    Command(
        name="oubliemoi",
        aliases=("forgetme",),
        handler=privacy.forget_me,
        permission=Permission.ANYONE,
        summary="effacer votre profil et pseudonymiser votre historique (avec confirmation)",
        example="!oubliemoi confirmer",
        params=(Param("confirmation", Kind.WORD, "confirmer", optional=True),),
    ),
    # -- directory and matching (issue 4) ---------------------------------------------------------
    Command(
        name="profil",
        aliases=("profile",),
        handler=profile,
        permission=Permission.FACILITATOR,
        summary="votre profil, ou changer un champ (site, competences, distanciel, fuseau…)",
        example="!profil competences atelier, codev",
        params=(Param("modification", Kind.TEXT, "champ valeur", optional=True),),
    ),
    Command(
        name="absent",
        aliases=("away",),
        handler=absent,
        permission=Permission.FACILITATOR,
        summary="ne pas recevoir de mission pendant une période",
        example="!absent du 20/12 au 04/01",
        params=(Param("periode", Kind.TEXT, "période"),),
    ),
    Command(
        name="present",
        aliases=("présent", "back"),
        handler=present,
        permission=Permission.FACILITATOR,
        summary="annuler vos absences en cours et à venir",
        example="!present",
    ),
    Command(
        name="pause",
        aliases=("suspend",),
        handler=pause,
        permission=Permission.FACILITATOR,
        summary="ne plus recevoir de missions jusqu'à nouvel ordre",
        example="!pause",
    ),
    Command(
        name="reprise",
        aliases=("resume",),
        handler=resume,
        permission=Permission.FACILITATOR,
        summary="recevoir de nouveau des missions après une pause",
        example="!reprise",
    ),
    Command(
        name="candidats",
        aliases=("candidates",),
        handler=show_candidates,
        permission=Permission.COORDINATOR,
        summary="les facilitateurs classés pour une demande, avec les raisons",
        example="!candidats 42",
        params=(Param("numero", Kind.REQUEST, "numéro"),),
    ),
    # -- end of directory and matching ------------------------------------------------------------
    # -- schedule: network events and mission feedback (issue 6) --
    Command(
        name="participe",
        aliases=("attend",),
        handler=network_events.attend,
        permission=Permission.FACILITATOR,
        summary="participer à un événement du réseau (ou réagir ✅ à son rappel)",
        example="!participe 3",
        params=(Param("numero", Kind.WORD, "numéro d'événement"),),
    ),
    Command(
        name="temps",
        aliases=("time",),
        handler=mission_feedback.time_spent,
        permission=Permission.FACILITATOR,
        summary="indiquer le temps passé sur une mission que vous avez facilitée",
        example="!temps 42 3h30",
        params=(Param("numero", Kind.REQUEST, "numéro"), Param("duree", Kind.TEXT, "durée")),
    ),
    Command(
        name="avis",
        aliases=("feedback",),
        handler=mission_feedback.rate,
        permission=Permission.ANYONE,
        summary="donner votre note (1 à 5) et un commentaire sur une demande réalisée",
        example="!avis 42 4 très bonne séance",
        params=(
            Param("numero", Kind.REQUEST, "numéro"),
            Param("texte", Kind.TEXT, "note et commentaire"),
        ),
    ),
    Command(
        name="evenement",
        aliases=("event",),
        handler=network_events.event_command,
        permission=Permission.COORDINATOR,
        summary="planifier un événement du réseau et ses rappels, ou l'annuler (`annule N`)",
        example="!evenement Plénière des facilitateurs le 7 décembre à 14h à Bercy",
        params=(Param("texte", Kind.TEXT, "titre, date, heure et lieu"),),
    ),
    Command(
        name="evenements",
        aliases=("events",),
        handler=network_events.list_events,
        permission=Permission.COORDINATOR,
        summary="les événements prévus, avec qui y participe",
        example="!evenements",
    ),
    # -- end schedule --
)


def find_command(name: str, commands: tuple[Command, ...] = COMMANDS) -> Command | None:
    """Return the command called `name` (French name or alias), or None."""
    for command in commands:
        if name == command.name or name in command.aliases:
            return command
    return None


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
        commands: tuple[Command, ...] = COMMANDS,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.is_facilitator = is_facilitator
        self.commands = commands
        self.facilitators_room: str | None = None  # set once the room is joined
        self.jobs = JobRunner(
            config, store, clock, facilitators_room=lambda: self.facilitators_room
        )
        # Called as (event kind, outcome, seconds) after each handled event (metrics).
        self.on_handled: Callable[[str, str, float], None] | None = None
        # Awaited as soon as an event's answers are committed (the bot wakes its sender).
        self.on_commit: Callable[[], Awaitable[None]] | None = None
        # Whether `handle` settles the jobs an event left due now (the first pings of
        # a new request) itself, once its answers are committed. The bot leaves them
        # to its scheduler instead, which fires them once the answers are sent.
        self.settle_due_now = True

    async def handle(self, event: Incoming, room_kind: str) -> str:
        """Handle one event once; return its outcome (for logs and tests)."""
        if event.msgtype == "m.notice" or event.from_bot:
            return "ignored:notice"
        started = time.perf_counter()
        ctx = self._context(event, room_kind)
        try:
            async with self.store.db.transaction():
                # Asked inside the transaction, the question goes with its BEGIN.
                if await self.store.state.is_handled(event.event_id):
                    return "duplicate"
                outcome = await self._route(ctx)
                await self._mark(event, outcome)
        except UserError as exc:
            ctx.due_now.clear()  # rolled back with the rest
            outcome = "refused"
            await self._answer(event, room_kind, Rendered.text(exc.text), outcome)
        except Exception:
            ctx.due_now.clear()
            outcome = "error"
            log.exception("handling %s in %s failed", event.event_id, event.room_id)
            await self._answer(event, room_kind, Rendered.text(messages.INTERNAL_ERROR), outcome)
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
            chat=OutboxChat(self.store.outbox, self.clock),
            clock=self.clock,
            is_facilitator=self.is_facilitator,
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
            # -- schedule (issue 6): ✅ on a plenary reminder --
            if (attended := await network_events.on_reaction(ctx)) is not None:
                return attended
            return await missions.on_reaction(ctx)
        if event.kind == "edit":
            if reads_text and not event.body.lstrip().startswith(prefix):
                self._check_size(event)
                return await intake.on_edit(ctx)
            return "ignored:edit"
        body = event.body.strip()
        if body.startswith(prefix):
            head, _, rest = body[len(prefix) :].partition(" ")
            name = head.lower()
            if _COMMAND_NAME.match(name):
                self._check_size(event)
                return await self._run_command(ctx, name, rest)
        if not reads_text or not body:
            return "ignored:chatter"
        self._check_size(event)
        return await intake.on_text(ctx)

    def _check_size(self, event: Incoming) -> None:
        limit = self.config.bot.max_message_length
        if len(event.body) > limit:
            raise UserError(messages.MESSAGE_TOO_LONG.format(length=len(event.body), limit=limit))

    async def _run_command(self, ctx: Context, name: str, rest: str) -> str:
        prefix = self.config.bot.command_prefix
        command = find_command(name, self.commands)
        if command is None:
            raise UserError(messages.UNKNOWN_COMMAND.format(prefix=prefix, name=name))
        if command.permission is Permission.COORDINATOR and not ctx.is_coordinator:
            raise UserError(messages.COORDINATORS_ONLY.format(prefix=prefix, name=command.name))
        if command.permission is Permission.FACILITATOR and not await ctx.may_facilitate():
            raise UserError(messages.FACILITATORS_ONLY.format(prefix=prefix, name=command.name))
        arguments = parse_arguments(command, rest, ctx)
        await command.handler(ctx, **arguments)
        return f"command:{command.name}"

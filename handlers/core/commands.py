"""Declarative commands: names, aliases, permission, help and typed arguments."""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from bot.domain.profiles import USER_ID
from handlers.core.context import Context, UserError
from handlers.core.language import Say

BAD_ARGUMENTS = Say(
    "{problem} Usage : `{usage}` (exemple : `{example}`).",
    "{problem} Usage: `{usage}` (example: `{example}`).",
)

MISSING_ARGUMENT = Say("Il manque : {what}.", "Missing: {what}.")

NOT_A_NUMBER = Say(
    "« {value} » n'est pas un numéro de demande.", "“{value}” is not a request number."
)

NOT_A_USER = Say(
    "« {value} » n'est pas un identifiant Matrix (exemple : @prenom.nom-dgfip.finances.gouv.fr:agent.finances.tchap.gouv.fr).",
    "“{value}” is not a Matrix id (example: @firstname.lastname-dgfip.finances.gouv.fr:agent.finances.tchap.gouv.fr).",
)

TOO_MANY_ARGUMENTS = Say("Trop d'éléments après la commande.", "Too much after the command.")

TEXT_TOO_LONG = Say(
    "Le texte est trop long (500 caractères maximum).",
    "The text is too long (500 characters at most).",
)

WORD_TOO_LONG = Say("Un des mots est trop long.", "One of the words is too long.")


MAX_ARGUMENT_LENGTH = 500


class Permission(Enum):
    """Who may run a command."""

    ANYONE = "tout le monde"
    FACILITATOR = "facilitateurs"
    COORDINATOR = "coordinateurs"


class Kind(Enum):
    """How an argument is read."""

    REQUEST = "numéro de demande"  # 42 or #42
    USER = "utilisateur"  # @user:server, or a mention pill
    PERSON = "personne"  # @user:server, a mention pill, or a name (the rest of the line)
    WORD = "mot"
    TEXT = "texte"  # the rest of the line


@dataclass(frozen=True)
class Param:
    """One argument of a command."""

    name: str
    kind: Kind
    label: str
    optional: bool = False


Handler = Callable[..., Awaitable[None]]


@dataclass(frozen=True)
class Command:
    """A row of the command table."""

    name: str
    aliases: tuple[str, ...]
    handler: Handler
    permission: Permission
    summary: str
    example: str
    params: tuple[Param, ...] = ()

    def example_for(self, prefix: str) -> str:
        """The example, written with the configured prefix."""
        return f"{prefix}{self.example}"

    def usage(self, prefix: str) -> str:
        """`!accepte <numéro>`, optional arguments in brackets."""
        parts = [f"{prefix}{self.name}"]
        for param in self.params:
            parts.append(f"[{param.label}]" if param.optional else f"<{param.label}>")
        return " ".join(parts)


class CommandSet:
    """The commands one feature declares, next to the functions that answer them."""

    def __init__(self) -> None:
        self.commands: list[Command] = []

    def command(
        self,
        name: str,
        *,
        aliases: tuple[str, ...] = (),
        who: Permission = Permission.ANYONE,
        summary: str,
        example: str,
        params: tuple[Param, ...] = (),
    ) -> Callable[[Handler], Handler]:
        """Declare the decorated function as the command `name` (example without prefix)."""

        def declare(handler: Handler) -> Handler:
            self.commands.append(Command(name, aliases, handler, who, summary, example, params))
            return handler

        return declare


def find_command(name: str, commands: tuple[Command, ...]) -> Command | None:
    """Return the command called `name` (French name or alias), or None."""
    for command in commands:
        if name == command.name or name in command.aliases:
            return command
    return None


def closest_command(name: str, rest: str, commands: tuple[Command, ...]) -> Command | None:
    """The command a mistyped name most likely meant (`acepte 3` → `accepte`), or None.

    Among names equally close, the one whose arguments fit what follows wins
    (`stauts #4` is `statut`, which takes a request number, not `stats`).
    """
    names = {n: c for c in commands for n in (c.name, *c.aliases)}
    close = [names[n] for n in difflib.get_close_matches(name, list(names), n=3, cutoff=0.75)]
    if not close:
        return None
    word = rest.strip().split(" ")[0].removeprefix("#")
    numbered = word.isdigit()
    for command in close:
        takes_number = bool(command.params) and command.params[0].kind is Kind.REQUEST
        if takes_number == numbered or (not word and not command.params):
            return command
    return close[0]


def parse_arguments(command: Command, text: str, ctx: Context) -> dict[str, Any]:
    """Read the words after a command into typed values.

    Raises:
        UserError: an argument is missing, malformed or too long.
    """
    rest = text.strip()
    values: dict[str, Any] = {}
    mentions = list(ctx.event.mentions)
    for param in command.params:
        if not rest:
            if param.kind in (Kind.USER, Kind.PERSON) and mentions:
                values[param.name] = mentions.pop(0)
                continue
            if param.optional:
                values[param.name] = None
                continue
            raise _usage_error(command, ctx, ctx.say(MISSING_ARGUMENT, what=param.label))
        if param.kind is Kind.PERSON and not USER_ID.match(rest.split(" ")[0]):
            # A pill shows a display name in the body: its id is in m.mentions.
            values[param.name] = mentions.pop(0) if mentions else rest[:MAX_ARGUMENT_LENGTH]
            rest = ""
            continue
        if param.kind is Kind.TEXT:
            if len(rest) > MAX_ARGUMENT_LENGTH:
                raise _usage_error(command, ctx, ctx.say(TEXT_TOO_LONG))
            values[param.name], rest = rest, ""
            continue
        word, _, rest = rest.partition(" ")
        rest = rest.strip()
        pill = param.kind is Kind.USER and not USER_ID.match(word) and bool(mentions)
        values[param.name] = _convert(param, word, mentions, command, ctx)
        if pill and param is command.params[-1]:
            rest = ""  # the rest of a display name shown by a mention pill
    if rest:
        raise _usage_error(command, ctx, ctx.say(TOO_MANY_ARGUMENTS))
    return values


def _convert(param: Param, word: str, mentions: list[str], command: Command, ctx: Context) -> Any:
    if param.kind is Kind.REQUEST:
        digits = word.removeprefix("#")
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 9:
            raise _usage_error(command, ctx, ctx.say(NOT_A_NUMBER, value=word[:40]))
        return int(digits)
    if param.kind in (Kind.USER, Kind.PERSON):
        if USER_ID.match(word):
            return word
        if mentions:  # a pill: the body shows a display name, the id is in m.mentions
            return mentions.pop(0)
        raise _usage_error(command, ctx, ctx.say(NOT_A_USER, value=word[:80]))
    if len(word) > 100:
        raise _usage_error(command, ctx, ctx.say(WORD_TOO_LONG))
    return word


def _usage_error(command: Command, ctx: Context, problem: str) -> UserError:
    prefix = ctx.config.bot.command_prefix
    return UserError(
        ctx.say(
            BAD_ARGUMENTS,
            problem=problem,
            usage=command.usage(prefix),
            example=command.example_for(prefix),
        )
    )

"""`!aide`: the command list, generated from the command table."""

from __future__ import annotations

from bot.domain.content import Rendered, escape
from handlers.core.commands import (
    Command,
    CommandSet,
    Kind,
    Param,
    Permission,
    closest_command,
    find_command,
)
from handlers.core.context import Context, UserError

commands = CommandSet()

_SECTIONS = (
    (Permission.ANYONE, "Pour tout le monde"),
    (Permission.FACILITATOR, "Pour les facilitatrices et facilitateurs"),
    (Permission.COORDINATOR, "Pour l'équipe de coordination"),
)


HELP_INTRO = {
    "requester": "Je trouve des facilitatrices et facilitateurs pour vos ateliers, séminaires et plénières : décrivez votre besoin ici ou dans le salon des demandes (date, horaires, lieu, format, nombre de participants).",
    "facilitator": "Je vous sollicite quand une demande vous correspond ; répondez par une commande ou une réaction ✅ / ❌.",
    "coordinator": "Vous pilotez les demandes et le réseau :",
}

HELP_MORE = (
    "Toutes vos commandes : `{prefix}aide tout` ; l'aide d'une commande : `{prefix}aide {example}`."
)

HELP_ALL_INTRO = "Toutes les commandes que vous pouvez utiliser :"

HELP_UNKNOWN = (
    "Je ne connais pas la commande `{prefix}{name}`. Tapez `{prefix}aide tout` pour la liste."
)

HELP_DID_YOU_MEAN = (
    "Je ne connais pas la commande `{prefix}{name}`. Vouliez-vous dire `{prefix}aide {meant}` ?"
)

# What each reader does most, in the order they do it; the rest is `!aide tout`.
ESSENTIALS = {
    "requester": ("demandes", "statut", "annule", "avis"),
    "facilitator": ("demandes", "accepte", "refuse", "desiste", "missions", "absent", "profil"),
    "coordinator": ("demandes", "statut", "candidats", "assigne", "retire", "cloture", "evenement"),
}

# Where a command means something else to this reader, what it means to them.
ROLE_SUMMARIES = {
    ("facilitator", "demandes"): "la bourse aux missions : les demandes que vous pourriez prendre",
    ("coordinator", "demandes"): "toutes les demandes en cours (filtres : `{prefix}aide demandes`)",
    ("requester", "avis"): "votre note de 1 à 5 après la séance",
}

_ALL_WORDS = frozenset({"tout", "toutes", "all", "tous"})


def render_help(commands: tuple[Command, ...], prefix: str, *, role: str) -> Rendered:
    """What the reader does most (ten lines at most), and how to see the rest."""
    lines = [Rendered.text(HELP_INTRO[role])]
    for name in ESSENTIALS[role]:
        command = find_command(name, commands)
        if command is not None:
            special = ROLE_SUMMARIES.get((role, name))
            lines.append(_row(command, prefix, short=True, summary=special))
    example = "assigne" if role == "coordinator" else "statut"
    lines.append(Rendered.text(HELP_MORE.format(prefix=prefix, example=example)))
    return Rendered.join(lines)


def render_all_help(commands: tuple[Command, ...], prefix: str, *, role: str) -> Rendered:
    """Every command the reader may use, grouped by who may use it."""
    allowed = {
        "requester": (Permission.ANYONE,),
        "facilitator": (Permission.ANYONE, Permission.FACILITATOR),
        "coordinator": (Permission.ANYONE, Permission.FACILITATOR, Permission.COORDINATOR),
    }[role]
    lines = [Rendered.text(HELP_ALL_INTRO)]
    for permission, title in _SECTIONS:
        if permission not in allowed:
            continue
        rows = [c for c in commands if c.permission is permission]
        if not rows:
            continue
        lines.append(Rendered(body=f"\n{title} :", html=f"<br><strong>{escape(title)}</strong>"))
        for command in rows:
            lines.append(_row(command, prefix))
    return Rendered.join(lines)


def render_command_help(command: Command, prefix: str) -> Rendered:
    """The help of one command, with its aliases and an example."""
    aliases = ", ".join(f"`{prefix}{alias}`" for alias in command.aliases)
    text = (
        f"`{command.usage(prefix)}` — {command.summary}\nExemple : `{command.example_for(prefix)}`"
    )
    if aliases:
        text += f"\nAussi : {aliases}"
    return Rendered.text(text)


def _row(
    command: Command, prefix: str, *, short: bool = False, summary: str | None = None
) -> Rendered:
    # The short form keeps what the summary says first (before « ; » or « ( »).
    if summary is not None:
        summary = summary.format(prefix=prefix)
    elif short:
        summary = command.summary.split(" ; ")[0].split(" (")[0]
    else:
        summary = command.summary
    return Rendered.text(f"• `{command.usage(prefix)}` — {summary}")


@commands.command(
    "aide",
    aliases=("help",),
    summary="ce que vous pouvez faire ; `tout` pour toutes vos commandes, ou l'aide d'une commande",
    example="aide statut",
    params=(Param("commande", Kind.WORD, "commande ou tout", optional=True),),
)
async def show_help(ctx: Context, commande: str | None) -> None:
    """Answer with what the reader does most, all their commands, or one command's help."""
    prefix = ctx.config.bot.command_prefix
    role = await reader_role(ctx)
    if commande and commande.lower() in _ALL_WORDS:
        await ctx.chat.reply(ctx.event, render_all_help(ctx.commands, prefix, role=role))
        return
    if commande:
        name = commande.removeprefix(prefix).lower()
        command = find_command(name, ctx.commands)
        if command is None:
            meant = closest_command(name, "", ctx.commands)
            if meant is None:
                raise UserError(HELP_UNKNOWN.format(prefix=prefix, name=name[:40]))
            raise UserError(
                HELP_DID_YOU_MEAN.format(prefix=prefix, name=name[:40], meant=meant.name)
            )
        await ctx.chat.reply(ctx.event, render_command_help(command, prefix))
        return
    await ctx.chat.reply(ctx.event, render_help(ctx.commands, prefix, role=role))


async def reader_role(ctx: Context) -> str:
    """« coordinator », « facilitator » or « requester » (anyone else)."""
    if ctx.is_coordinator:
        return "coordinator"
    if await ctx.is_facilitator(ctx.sender):
        return "facilitator"
    return "requester"

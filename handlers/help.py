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
    (Permission.FACILITATOR, "Pour les facilitateurs et facilitatrices"),
    (Permission.COORDINATOR, "Pour les coordinateurs"),
)


def render_help(commands: tuple[Command, ...], prefix: str, *, coordinator: bool) -> Rendered:
    """Every command the reader may use, grouped by who may use it."""
    lines = [
        Rendered.text(
            "Je trouve des facilitateurs et facilitatrices pour vos ateliers, séminaires et "
            "plénières. Décrivez simplement votre besoin dans le salon des demandes ou ici, "
            "en message privé : date, horaires, lieu, format, nombre de participants."
        )
    ]
    for permission, title in _SECTIONS:
        if permission is Permission.COORDINATOR and not coordinator:
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


def _row(command: Command, prefix: str) -> Rendered:
    return Rendered.text(f"• `{command.usage(prefix)}` — {command.summary}")


@commands.command(
    "aide",
    aliases=("help",),
    summary="la liste des commandes, ou l'aide d'une commande",
    example="aide statut",
    params=(Param("commande", Kind.WORD, "commande", optional=True),),
)
async def show_help(ctx: Context, commande: str | None) -> None:
    """Answer with the whole list, or the help of one command."""
    prefix = ctx.config.bot.command_prefix
    if commande:
        name = commande.removeprefix(prefix).lower()
        command = find_command(name, ctx.commands)
        if command is None:
            meant = closest_command(name, "", ctx.commands)
            hint = f" Vouliez-vous dire `{prefix}aide {meant.name}` ?" if meant else ""
            raise UserError(f"Je ne connais pas la commande `{prefix}{name}`.{hint}")
        await ctx.chat.reply(ctx.event, render_command_help(command, prefix))
        return
    await ctx.chat.reply(
        ctx.event, render_help(ctx.commands, prefix, coordinator=ctx.is_coordinator)
    )

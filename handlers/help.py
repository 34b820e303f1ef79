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
from handlers.core.language import Say, pick

commands = CommandSet()

_SECTIONS = (
    (Permission.ANYONE, Say("Pour tout le monde", "For everyone")),
    (Permission.FACILITATOR, Say("Pour les facilitatrices et facilitateurs", "For facilitators")),
    (Permission.COORDINATOR, Say("Pour l'équipe de coordination", "For the coordination team")),
)


HELP_INTRO = {
    "requester": Say(
        "Je trouve des facilitatrices et facilitateurs pour vos ateliers, séminaires et plénières : décrivez votre besoin ici ou dans le salon des demandes (date, horaires, lieu, format, nombre de participants).",
        "I find facilitators for your workshops, seminars and plenaries: describe what you need here or in the requests room (date, times, place, format, number of participants).",
    ),
    "facilitator": Say(
        "Je vous sollicite quand une demande vous correspond ; répondez par une commande ou une réaction ✅ / ❌.",
        "I ask you when a request suits you; answer with a command or a ✅ / ❌ reaction.",
    ),
    "coordinator": Say(
        "Vous pilotez les demandes et le réseau :", "You steer the requests and the network:"
    ),
    "referent": Say(
        "Les demandes de votre région vous arrivent d'abord : qualifiez-les ou orientez-les ; je vous sollicite aussi quand une demande vous correspond.",
        "Your region's requests come to you first: qualify or redirect them; I also ask you when a request suits you.",
    ),
}

HELP_MORE = Say(
    "Toutes vos commandes : `{prefix}aide tout` ; l'aide d'une commande : `{prefix}aide {example}`.",
    "All your commands: `{prefix}help all`; one command's help: `{prefix}help {example}`.",
)

HELP_ALL_INTRO = Say(
    "Toutes les commandes que vous pouvez utiliser :", "All the commands you can use:"
)

HELP_UNKNOWN = Say(
    "Je ne connais pas la commande `{prefix}{name}`. Tapez `{prefix}aide tout` pour la liste.",
    "I don't know the command `{prefix}{name}`. Type `{prefix}help all` for the list.",
)

HELP_DID_YOU_MEAN = Say(
    "Je ne connais pas la commande `{prefix}{name}`. Vouliez-vous dire `{prefix}aide {meant}` ?",
    "I don't know the command `{prefix}{name}`. Did you mean `{prefix}help {meant}`?",
)

COMMAND_HELP = Say(
    "`{usage}` — {summary}\nExemple : `{example}`", "`{usage}` — {summary}\nExample: `{example}`"
)

ALSO = Say("\nAussi : {aliases}", "\nAlso: {aliases}")

# What each reader does most, in the order they do it; the rest is `!aide tout`.
ESSENTIALS = {
    "requester": ("demandes", "statut", "annule", "avis"),
    "facilitator": ("demandes", "accepte", "refuse", "desiste", "missions", "absent", "profil"),
    "coordinator": ("demandes", "statut", "candidats", "assigne", "retire", "cloture", "evenement"),
    "referent": ("qualifie", "oriente", "statut", "demandes", "accepte", "refuse", "missions"),
}

# Where a command means something else to this reader, what it means to them.
ROLE_SUMMARIES = {
    ("facilitator", "demandes"): "la bourse aux missions : les demandes que vous pourriez prendre",
    ("referent", "demandes"): "la bourse aux missions : les demandes que vous pourriez prendre",
    ("coordinator", "demandes"): "toutes les demandes en cours (filtres : `{prefix}aide demandes`)",
    ("requester", "avis"): "votre note de 1 à 5 après la séance",
}

_ALL_WORDS = frozenset({"tout", "toutes", "all", "tous"})


def render_help(
    commands: tuple[Command, ...], prefix: str, *, role: str, lang: str = "fr"
) -> Rendered:
    """What the reader does most (ten lines at most), and how to see the rest."""
    lines = [Rendered.text(HELP_INTRO[role].in_(lang))]
    for name in ESSENTIALS[role]:
        command = find_command(name, commands)
        if command is not None:
            special = ROLE_SUMMARIES.get((role, name))
            lines.append(_row(command, prefix, short=True, summary=special, lang=lang))
    example = "assigne" if role == "coordinator" else "statut"
    lines.append(Rendered.text(HELP_MORE.in_(lang).format(prefix=prefix, example=example)))
    return Rendered.join(lines)


def render_all_help(
    commands: tuple[Command, ...], prefix: str, *, role: str, lang: str = "fr"
) -> Rendered:
    """Every command the reader may use, grouped by who may use it."""
    allowed = {
        "requester": (Permission.ANYONE,),
        "facilitator": (Permission.ANYONE, Permission.FACILITATOR),
        "referent": (Permission.ANYONE, Permission.FACILITATOR),
        "coordinator": (Permission.ANYONE, Permission.FACILITATOR, Permission.COORDINATOR),
    }[role]
    lines = [Rendered.text(HELP_ALL_INTRO.in_(lang))]
    for permission, section in _SECTIONS:
        title = section.in_(lang)
        if permission not in allowed:
            continue
        rows = [c for c in commands if c.permission is permission]
        if not rows:
            continue
        colon = ":" if lang == "en" else " :"
        lines.append(
            Rendered(body=f"\n{title}{colon}", html=f"<br><strong>{escape(title)}</strong>")
        )
        for command in rows:
            lines.append(_row(command, prefix, lang=lang))
    return Rendered.join(lines)


def render_command_help(command: Command, prefix: str, lang: str = "fr") -> Rendered:
    """The help of one command, with its aliases and an example."""
    aliases = ", ".join(f"`{prefix}{alias}`" for alias in command.aliases)
    text = COMMAND_HELP.in_(lang).format(
        usage=command.usage(prefix),
        summary=pick(command.summary, lang),
        example=command.example_for(prefix),
    )
    if aliases:
        text += ALSO.in_(lang).format(aliases=aliases)
    return Rendered.text(text)


def _row(
    command: Command,
    prefix: str,
    *,
    short: bool = False,
    summary: str | None = None,
    lang: str = "fr",
) -> Rendered:
    # The short form keeps what the summary says first (before « ; » or « ( »).
    own = pick(command.summary, lang)
    if summary is not None and lang == "fr":
        summary = summary.format(prefix=prefix)
    elif short:
        summary = own.split(" ; ")[0].split("; ")[0].split(" (")[0]
    else:
        summary = own
    return Rendered.text(f"• `{command.usage(prefix)}` — {summary}")


@commands.command(
    "aide",
    aliases=("help",),
    summary=Say(
        "ce que vous pouvez faire ; `tout` pour toutes vos commandes, ou l'aide d'une commande",
        "what you can do; `all` for all your commands, or one command's help",
    ),
    example="aide statut",
    params=(Param("commande", Kind.WORD, "commande ou tout", optional=True),),
)
async def show_help(ctx: Context, commande: str | None) -> None:
    """Answer with what the reader does most, all their commands, or one command's help."""
    prefix = ctx.config.bot.command_prefix
    role = await reader_role(ctx)
    if commande and commande.lower() in _ALL_WORDS:
        shown = render_all_help(ctx.commands, prefix, role=role, lang=ctx.lang)
        await ctx.chat.reply(ctx.event, shown)
        return
    if commande:
        name = commande.removeprefix(prefix).lower()
        command = find_command(name, ctx.commands)
        if command is None:
            meant = closest_command(name, "", ctx.commands)
            if meant is None:
                raise UserError(HELP_UNKNOWN, prefix=prefix, name=name[:40])
            raise UserError(HELP_DID_YOU_MEAN, prefix=prefix, name=name[:40], meant=meant.name)
        await ctx.chat.reply(ctx.event, render_command_help(command, prefix, ctx.lang))
        return
    await ctx.chat.reply(ctx.event, render_help(ctx.commands, prefix, role=role, lang=ctx.lang))


async def reader_role(ctx: Context) -> str:
    """« coordinator », « referent », « facilitator » or « requester » (anyone else)."""
    if ctx.is_coordinator:
        return "coordinator"
    if ctx.config.is_referent(ctx.sender):
        return "referent"
    if await ctx.is_facilitator(ctx.sender):
        return "facilitator"
    return "requester"

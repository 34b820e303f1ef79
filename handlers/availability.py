"""When a facilitator may be asked: `!absent`, `!present`, `!pause`, `!reprise`."""

from __future__ import annotations

import logging

from bot.domain.absences import parse_absence
from bot.domain.content import Rendered
from bot.domain.roster import (
    Invalid,
)
from handlers.core.commands import CommandSet, Kind, Param, Permission
from handlers.core.context import Context, UserError
from handlers.enrollment import field_problem
from handlers.profile import absence_range, local_today, own_profile

log = logging.getLogger(__name__)
commands = CommandSet()


ABSENCE_ADDED = (
    "C'est noté : absence {range}. Je ne vous proposerai pas de mission ces jours-là "
    "(`{prefix}present` pour l'annuler)."
)


ABSENCE_INVALID = "{problem} Rien n'a changé."


ABSENCE_ALREADY = "Votre absence {range} était déjà enregistrée : rien n'a changé."


ABSENCES_REMOVED = (
    "C'est noté : j'ai retiré {what}. Vous pouvez de nouveau recevoir des missions ces jours-là."
)


NO_ABSENCE_TO_REMOVE = "Vous n'aviez aucune absence en cours ou à venir : rien n'a changé."


PAUSED = (
    "C'est noté : vous êtes en pause, je ne vous propose plus de missions (celles que vous avez "
    "acceptées restent prévues). Tapez `{prefix}reprise` pour revenir."
)


ALREADY_PAUSED = "Vous étiez déjà en pause : rien n'a changé. Tapez `{prefix}reprise` pour revenir."


RESUMED = "C'est noté : vous êtes de nouveau disponible pour des missions."


ALREADY_ACTIVE = "Vous étiez déjà disponible pour des missions : rien n'a changé."


@commands.command(
    "absent",
    aliases=("away",),
    who=Permission.FACILITATOR,
    summary="ne pas recevoir de mission pendant une période",
    example="absent du 20/12 au 04/01",
    params=(Param("periode", Kind.TEXT, "période"),),
)
async def absent(ctx: Context, periode: str) -> None:
    """`!absent du 20/12 au 04/01`: no mission proposed on those days."""
    current = await own_profile(ctx)
    try:
        start, end = parse_absence(periode, local_today(ctx, current))
    except Invalid as exc:
        problem = field_problem(exc.code, exc.values, prefix=ctx.prefix)
        raise UserError(ABSENCE_INVALID.format(problem=problem)) from None
    shown = absence_range(start, end)
    if (start, end) in await ctx.store.absences.of(current.matrix_id):
        await ctx.chat.reply(ctx.event, Rendered.text(ABSENCE_ALREADY.format(range=shown)))
        return
    await ctx.store.absences.add(current.matrix_id, start, end)
    log.info("%s absent from %s to %s", current.matrix_id, start, end)
    text = ABSENCE_ADDED.format(range=shown, prefix=ctx.prefix)
    await ctx.chat.reply(ctx.event, Rendered.text(text.format(prefix=ctx.prefix)))


@commands.command(
    "present",
    aliases=("présent", "back"),
    who=Permission.FACILITATOR,
    summary="annuler vos absences en cours et à venir",
    example="present",
)
async def present(ctx: Context) -> None:
    """`!present`: forget the sender's current and coming absences."""
    current = await own_profile(ctx)
    removed = await ctx.store.absences.end_from(current.matrix_id, local_today(ctx, current))
    if not removed:
        await ctx.chat.reply(ctx.event, Rendered.text(NO_ABSENCE_TO_REMOVE))
        return
    what = " et ".join("votre absence " + absence_range(start, end) for start, end in removed)
    log.info("%s present again (%d absences removed)", current.matrix_id, len(removed))
    await ctx.chat.reply(ctx.event, Rendered.text(ABSENCES_REMOVED.format(what=what)))


@commands.command(
    "pause",
    aliases=("suspend",),
    who=Permission.FACILITATOR,
    summary="ne plus recevoir de missions jusqu'à nouvel ordre",
    example="pause",
)
async def pause(ctx: Context) -> None:
    """`!pause`: stop being proposed missions."""
    await _set_active(ctx, False)


@commands.command(
    "reprise",
    aliases=("resume",),
    who=Permission.FACILITATOR,
    summary="recevoir de nouveau des missions après une pause",
    example="reprise",
)
async def resume(ctx: Context) -> None:
    """`!reprise`: be proposed missions again."""
    await _set_active(ctx, True)


async def _set_active(ctx: Context, active: bool) -> None:
    current = await own_profile(ctx)
    if current.active == active:
        text = ALREADY_ACTIVE if active else ALREADY_PAUSED
    else:
        await ctx.store.facilitators.set_active(current.matrix_id, active, at=ctx.clock.now())
        log.info("%s %s", current.matrix_id, "resumed" if active else "paused")
        text = RESUMED if active else PAUSED
    await ctx.chat.reply(ctx.event, Rendered.text(text.format(prefix=ctx.prefix)))

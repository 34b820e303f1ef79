"""After a mission: `!avis` (the requester's rating) and `!temps` (a facilitator's time spent)."""

from __future__ import annotations

import logging
import re

from bot.domain.content import Rendered
from bot.domain.lifecycle import AssignmentState, RequestState
from bot.domain.requests import Request
from handlers.core import wording
from handlers.core.commands import CommandSet, Kind, Param, Permission
from handlers.core.context import Context, UserError
from handlers.core.language import Say

log = logging.getLogger(__name__)
commands = CommandSet()


FEEDBACK_THANKS = Say(
    "Merci pour votre avis sur la demande #{id} ({rating}/5).",
    "Thank you for your feedback on request #{id} ({rating}/5).",
)

TIME_THANKS = "Merci, c'est noté : {spent} passées sur la demande #{id}."

RATING_INVALID = Say(
    "La note doit être un nombre de 1 à 5 (par exemple `{prefix}avis {id} 4 très bonne séance`).",
    "The rating must be a number from 1 to 5 (for example `{prefix}avis {id} 4 a great session`).",
)

TIME_INVALID = "Je ne comprends pas la durée « {value} ». Écrivez par exemple `{prefix}temps {id} 3h30` ou `{prefix}temps {id} 45min`."

FEEDBACK_NOT_REQUESTER = Say(
    "Seule la personne qui a fait la demande #{id} peut donner son avis dessus.",
    "Only the person who made request #{id} can give feedback on it.",
)

TIME_NOT_FACILITATOR = "Vous ne facilitez pas la demande #{id} : seules les personnes qui la facilitent indiquent leur temps."

FEEDBACK_CANCELLED = Say(
    "La demande #{id} a été annulée : il n'y a pas d'avis à donner.",
    "Request #{id} was cancelled: there is no feedback to give.",
)

FEEDBACK_NOT_HELD = "La demande #{id} est close sans avoir eu lieu : il n'y a rien à noter."

FEEDBACK_TOO_EARLY = "La demande #{id} n'a pas encore eu lieu ({date}) : vous pourrez le faire à partir de ce jour-là."


def format_spent(minutes: int) -> str:
    """« 3h30 », « 45 min »."""
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours}h{rest:02d}" if rest else f"{hours}h"


MAX_MINUTES = 200 * 60
_HOURS_MINUTES = re.compile(
    r"^(\d{1,3})\s*(?:h|heures?|hours?|hrs?)\s*(?:(\d{1,2})\s*(?:min|mn|minutes?)?)?$"
)
_DECIMAL_HOURS = re.compile(r"^(\d{1,3})[.,](\d{1,2})\s*(?:h|heures?|hours?|hrs?)?$")
_MINUTES = re.compile(r"^(\d{1,5})\s*(?:min|mn|mins|minutes?)$")
_BARE = re.compile(r"^(\d{1,3})$")


def read_minutes(text: str) -> int | None:
    """Read « 3h », « 3h30 », « 1,5h », « 45 min », « 3 » (hours) as minutes; None if unreadable."""
    value = text.strip().lower()
    minutes: int | None = None
    if m := _HOURS_MINUTES.match(value):
        minutes = int(m.group(1)) * 60 + int(m.group(2) or 0)
    elif m := _DECIMAL_HOURS.match(value):
        minutes = round(float(f"{m.group(1)}.{m.group(2)}") * 60)
    elif m := _MINUTES.match(value):
        minutes = int(m.group(1))
    elif m := _BARE.match(value):
        minutes = int(m.group(1)) * 60
    if minutes is None or not 0 < minutes <= MAX_MINUTES:
        return None
    return minutes


async def _request(ctx: Context, number: int) -> Request:
    """A request that took place (or whose day has come).

    Raises:
        UserError: it was cancelled, closed unheld, or is still to come.
    """
    request = await ctx.request(number)
    if request.state == RequestState.CANCELLED:
        raise UserError(FEEDBACK_CANCELLED, id=number)
    if request.state == RequestState.NOT_HELD:
        raise UserError(FEEDBACK_NOT_HELD.format(id=number))
    day = request.details.event_date
    today = ctx.clock.now().astimezone(ctx.config.bot.tz).date()
    if request.state != RequestState.DONE and (day is None or day > today):
        when = wording.format_date(day) if day else "sa date n'est pas encore fixée"
        raise UserError(FEEDBACK_TOO_EARLY.format(id=number, date=when))
    return request


@commands.command(
    "avis",
    aliases=("feedback",),
    summary=Say(
        "donner votre note (1 à 5) et un commentaire sur une demande réalisée",
        "give your rating (1 to 5) and a comment on a request that took place",
    ),
    example="avis 42 4 très bonne séance",
    params=(
        Param("numero", Kind.REQUEST, "numéro"),
        Param("texte", Kind.TEXT, "note et commentaire"),
    ),
)
async def rate(ctx: Context, numero: int, texte: str) -> None:
    """`!avis 42 4 très bonne séance`: the requester rates a mission from 1 to 5."""
    prefix = ctx.config.bot.command_prefix
    if (await ctx.request(numero)).requester != ctx.sender:
        raise UserError(FEEDBACK_NOT_REQUESTER, id=numero)
    await _request(ctx, numero)
    head, _, comment = texte.strip().partition(" ")
    head = head.removesuffix("/5")
    if not (head.isascii() and head.isdigit()) or not 1 <= int(head) <= 5:
        raise UserError(RATING_INVALID, id=numero, prefix=prefix)
    rating = int(head)
    await ctx.store.feedback.rate(
        numero, ctx.sender, rating, comment.strip() or None, at=ctx.clock.now()
    )
    await ctx.chat.reply(
        ctx.event, Rendered.text(ctx.say(FEEDBACK_THANKS, id=numero, rating=rating))
    )
    log.info("request %d rated %d by %s", numero, rating, ctx.sender)


@commands.command(
    "temps",
    aliases=("time",),
    who=Permission.FACILITATOR,
    summary="indiquer le temps passé sur une mission que vous avez facilitée",
    example="temps 42 3h30",
    params=(Param("numero", Kind.REQUEST, "numéro"), Param("duree", Kind.TEXT, "durée")),
)
async def time_spent(ctx: Context, numero: int, duree: str) -> None:
    """`!temps 42 3h30`: a facilitator of the mission says how long it took."""
    prefix = ctx.config.bot.command_prefix
    await ctx.request(numero)
    assignment = await ctx.store.missions.get(numero, ctx.sender)
    if assignment is None or assignment.state != AssignmentState.ACCEPTED:
        raise UserError(TIME_NOT_FACILITATOR.format(id=numero))
    await _request(ctx, numero)
    minutes = read_minutes(duree)
    if minutes is None:
        raise UserError(TIME_INVALID.format(value=duree[:40], id=numero, prefix=prefix))
    await ctx.store.feedback.time_spent(numero, ctx.sender, minutes, at=ctx.clock.now())
    await ctx.chat.reply(
        ctx.event,
        Rendered.text(TIME_THANKS.format(id=numero, spent=format_spent(minutes))),
    )
    log.info("request %d: %s spent %d minutes", numero, ctx.sender, minutes)

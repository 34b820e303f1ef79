"""`!demandes`, `!statut`, `!missions`: what is asked, where it stands, who facilitates."""

from __future__ import annotations

from datetime import date

from bot.domain.content import Rendered, escape
from bot.domain.geography import fold
from bot.domain.requests import OPEN_STATES, Request
from handlers.core import wording
from handlers.core.commands import CommandSet, Kind, Param, Permission
from handlers.core.context import Context, UserError
from handlers.reminders import display_name

commands = CommandSet()


NOT_YOUR_REQUEST = "La demande #{id} n'est pas la vôtre : seuls son auteur et les coordinateurs la voient en détail."


NO_OPEN_REQUESTS = "Aucune demande ouverte pour le moment."


NO_OWN_REQUESTS = "Vous n'avez aucune demande ouverte."


OPEN_REQUESTS_TITLE = "Demandes ouvertes ({count}) :"


OWN_REQUESTS_TITLE = "Vos demandes ouvertes ({count}) :"


STATE_LABELS = {
    "ouverte": "ouverte",
    "partiellement pourvue": "partiellement pourvue",
    "pourvue": "pourvue",
    "realisee": "réalisée",
    "annulee": "annulée",
}


def request_line(request: Request) -> Rendered:
    """One line of a listing: number, state, what and when."""
    parts = wording.describe_details(request.details)
    state = STATE_LABELS.get(request.state, request.state)
    text = f"#{request.id} ({state}) — " + ", ".join(parts)
    if len(request.details.sessions) >= 2:  # a cycle: every session
        text += " — " + " ; ".join(wording.session_label(s) for s in request.details.sessions)
    return Rendered(body="• " + text, html="• " + escape(text))


NO_MISSIONS = "Vous n'avez aucune mission à venir. Les demandes ouvertes : `{prefix}demandes`."


MISSIONS_TITLE = "Vos missions ({count}) :"


NO_FACILITATOR_YET = "Facilitation : personne pour l'instant."


REQUESTS_FILTER_UNKNOWN = "Je ne comprends pas le filtre « {value} ». Exemples : `{prefix}demandes ouvertes`, `{prefix}demandes pourvues`, `{prefix}demandes decembre`."


FILTERED_REQUESTS_TITLE = "Demandes {what} ({count}) :"


NO_FILTERED_REQUESTS = "Aucune demande {what}."


_STATE_FILTERS = {
    "ouvertes": ("ouverte", "partiellement pourvue"),
    "ouverte": ("ouverte", "partiellement pourvue"),
    "partielles": ("partiellement pourvue",),
    "pourvues": ("pourvue",),
    "pourvue": ("pourvue",),
    "realisees": ("realisee",),
    "closes": ("realisee",),
    "annulees": ("annulee",),
    "toutes": ("ouverte", "partiellement pourvue", "pourvue", "realisee", "annulee"),
}


_FILTER_LABELS = {
    "ouvertes": "ouvertes",
    "ouverte": "ouvertes",
    "partielles": "partiellement pourvues",
    "pourvues": "pourvues",
    "pourvue": "pourvues",
    "realisees": "réalisées",
    "closes": "réalisées",
    "annulees": "annulées",
    "toutes": "",
}


@commands.command(
    "demandes",
    aliases=("requests",),
    summary="vos demandes ouvertes (toutes pour les coordinateurs) ; filtre possible : "
    "ouvertes, pourvues, réalisées, annulées, toutes, ou un mois",
    example="demandes décembre",
    params=(Param("filtre", Kind.WORD, "filtre", optional=True),),
)
async def list_requests(ctx: Context, filtre: str | None = None) -> None:
    """`!demandes [ouvertes|pourvues|…|décembre]`: all for coordinators, one's own otherwise."""
    states, month, label = _read_filter(ctx, filtre)
    requester = None if ctx.is_coordinator else ctx.sender
    requests = await ctx.store.requests.list(states=states, requester=requester, month=month)
    if filtre is None:
        empty = NO_OPEN_REQUESTS if requester is None else NO_OWN_REQUESTS
        title = OPEN_REQUESTS_TITLE if requester is None else OWN_REQUESTS_TITLE
    else:
        empty = NO_FILTERED_REQUESTS.format(what=label)
        title = FILTERED_REQUESTS_TITLE.replace("{what}", label)
    if not requests:
        await ctx.chat.reply(ctx.event, Rendered.text(empty))
        return
    lines = [Rendered.text(title.format(count=len(requests)))]
    lines += [request_line(r) for r in requests]
    await ctx.chat.reply(ctx.event, Rendered.join(lines))


def _read_filter(ctx: Context, filtre: str | None) -> tuple[tuple[str, ...], str | None, str]:
    if filtre is None:
        return OPEN_STATES, None, ""
    word = fold(filtre)
    if word in _STATE_FILTERS:
        return _STATE_FILTERS[word], None, _FILTER_LABELS[word]
    today = ctx.clock.now().astimezone(ctx.config.bot.tz).date()
    if month := parse_month(word, today):
        year, number = month
        label = f"de {wording.MONTHS[number - 1]} {year}"
        return _STATE_FILTERS["toutes"], f"{year:04d}-{number:02d}", label
    prefix = ctx.config.bot.command_prefix
    raise UserError(REQUESTS_FILTER_UNKNOWN.format(value=filtre[:40], prefix=prefix))


def parse_month(word: str, today: date) -> tuple[int, int] | None:
    """« décembre » → (year, 12): the month named within the coming half-year, or the past one."""
    months = [fold(m) for m in wording.MONTHS]
    folded = fold(word)
    if folded not in months:
        return None
    number = months.index(folded) + 1
    year = today.year + (1 if number < today.month - 5 else 0)
    year -= 1 if number > today.month + 6 else 0
    return year, number


@commands.command(
    "statut",
    aliases=("status",),
    summary="où en est une demande, et qui la facilite",
    example="statut 42",
    params=(Param("numero", Kind.REQUEST, "numéro"),),
)
async def status(ctx: Context, numero: int) -> None:
    """`!statut 42`: the card, the state and who facilitates (only those who accepted)."""
    request = await ctx.request(numero)
    if request.requester != ctx.sender and not await ctx.may_facilitate():
        raise UserError(NOT_YOUR_REQUEST.format(id=numero))
    state = STATE_LABELS.get(request.state, request.state)
    card = wording.card_summary(request)
    accepted = await ctx.store.missions.accepted(request.id)
    needed = request.details.facilitators_needed
    # Names and ids: a coordinator may need the id for `!retire`.
    labelled = [f"{await display_name(ctx.store, u)} ({u})" for u in accepted]
    who = (
        wording.WHO_LINE.format(names=wording.names_list(labelled)) + f" ({len(accepted)}/{needed})"
        if accepted
        else NO_FACILITATOR_YET
    )
    lines = [card, Rendered.text(f"État : {state}."), Rendered.text(who)]
    await ctx.chat.reply(ctx.event, Rendered.join(lines))


@commands.command(
    "missions",
    aliases=("mymissions",),
    who=Permission.FACILITATOR,
    summary="vos missions à venir, la plus proche d'abord",
    example="missions",
)
async def my_missions(ctx: Context) -> None:
    """`!missions`: the facilitator's upcoming missions, soonest first."""
    today = ctx.clock.now().astimezone(ctx.config.bot.tz).date()
    numbers = await ctx.store.missions.missions_of(ctx.sender, since=today.isoformat())
    if not numbers:
        prefix = ctx.config.bot.command_prefix
        text = NO_MISSIONS.format(prefix=prefix)
        await ctx.chat.reply(ctx.event, Rendered.text(text))
        return
    lines = [Rendered.text(MISSIONS_TITLE.format(count=len(numbers)))]
    for number in numbers:
        request = await ctx.store.requests.get(number)
        if request is not None:
            lines.append(request_line(request))
    await ctx.chat.reply(ctx.event, Rendered.join(lines))

"""`!demandes`, `!statut`, `!missions`: what is asked, where it stands, who facilitates."""

from __future__ import annotations

from datetime import date

from bot.domain import drafting
from bot.domain.content import Rendered, escape
from bot.domain.geography import fold
from bot.domain.matching import match
from bot.domain.requests import OPEN_STATES, Request
from handlers.core import wording
from handlers.core.commands import CommandSet, Kind, Param, Permission
from handlers.core.context import Context, UserError
from handlers.core.language import Say
from handlers.missions import progress
from handlers.reminders import display_name

commands = CommandSet()


NOT_YOUR_REQUEST = Say(
    "La demande #{id} n'est pas la vôtre : seules la personne qui l'a faite, les facilitatrices et facilitateurs et l'équipe de coordination la voient en détail.",
    "Request #{id} is not yours: only the person who made it, the facilitators and the coordination team see its details.",
)


NO_OPEN_REQUESTS = "Aucune demande en cours pour le moment."


NO_OWN_REQUESTS = Say(
    "Vous n'avez aucune demande en cours. Pour en faire une, décrivez votre besoin ici : date, horaires, lieu, format.",
    "You have no request under way. To make one, describe what you need here: date, times, place, format.",
)


OPEN_REQUESTS_TITLE = "Demandes en cours ({count}) :"


OWN_REQUESTS_TITLE = Say("Vos demandes en cours ({count}) :", "Your requests under way ({count}):")


STATE_LABELS = {
    "ouverte": Say("ouverte", "open"),
    "partiellement pourvue": Say("partiellement pourvue", "partly staffed"),
    "pourvue": Say("pourvue", "staffed"),
    "realisee": Say("réalisée", "held"),
    "non tenue": Say("close sans avoir eu lieu", "closed without taking place"),
    "annulee": Say("annulée", "cancelled"),
}

STATE_LINE = Say("État : {state}.", "State: {state}.")


def state_label(state: str, lang: str = "fr") -> str:
    """« partiellement pourvue », "partly staffed"."""
    label = STATE_LABELS.get(state)
    return label.in_(lang) if label is not None else state


def request_line(request: Request, lang: str = "fr", state: str | None = None) -> Rendered:
    """One line of a listing: number, state (or the one given), what and when."""
    parts = wording.describe_details(request.details, lang)
    state = state or state_label(request.state, lang)
    text = f"#{request.id} ({state}) — " + ", ".join(parts)
    if len(request.details.sessions) >= 2:  # a cycle: every session
        sessions = request.details.sessions
        text += " — " + " ; ".join(wording.session_label(s, lang) for s in sessions)
    return Rendered(body="• " + text, html="• " + escape(text))


NO_MISSIONS = "Vous n'avez aucune mission à venir. Les demandes que vous pourriez prendre : `{prefix}demandes`."


MISSIONS_TITLE = "Vos missions à venir ({count}), la plus proche d'abord :"


NO_FACILITATOR_YET = Say("Facilitation : personne pour l'instant.", "Facilitation: nobody yet.")

STATUS_WHO = Say(
    "Facilitation ({count}/{needed}) : {names}.", "Facilitation ({count}/{needed}): {names}."
)


REQUESTS_FILTER_UNKNOWN = "Je ne comprends pas le filtre « {value} ». Exemples : `{prefix}demandes ouvertes`, `{prefix}demandes pourvues`, `{prefix}demandes toutes`, `{prefix}demandes décembre`."


FILTERED_REQUESTS_TITLE = "Demandes {what} ({count}) :"


NO_FILTERED_REQUESTS = "Aucune demande {what}."

OWN_FILTERED_TITLE = "Vos demandes {what} ({count}) :"

NO_OWN_FILTERED = "Vous n'avez aucune demande {what}."

ALL_REQUESTS_TITLE = "Toutes les demandes ({count}) :"

ALL_OWN_TITLE = Say("Toutes vos demandes ({count}) :", "All your requests ({count}):")

BOARD_TITLE = (
    "Bourse aux missions — {count} demande{s} que vous pourriez prendre, la plus adaptée d'abord :"
)

BOARD_LINE_HOW = "   `{prefix}accepte {id}` — {reasons}"

BOARD_MORE = "… et {count} autre{s}, moins adaptée{s}."

BOARD_EMPTY = "Aucune demande ouverte ne vous attend pour le moment : je vous sollicite dès qu'une vous correspond. Vos missions : `{prefix}missions`."

BOARD_PAUSED = (
    "Vous êtes en pause : je ne vous propose pas de demandes. Tapez `{prefix}reprise` pour revenir."
)

BOARD_OWN_HINT = "Vos propres demandes : `{prefix}demandes miennes`."

PAST_MISSIONS_TITLE = "Vos missions passées ({count}), la plus récente d'abord :"

NO_PAST_MISSIONS = "Vous n'avez encore aucune mission passée."

MISSIONS_FILTER_UNKNOWN = "Je ne comprends pas « {value} ». Tapez `{prefix}missions` pour vos missions à venir, `{prefix}missions passées` pour les précédentes."


# Requests still to staff: the facilitators' board reads these.
ACTIVE_STATES = ("ouverte", "partiellement pourvue")

_STATE_FILTERS = {
    "ouvertes": ("ouverte", "partiellement pourvue"),
    "ouverte": ("ouverte", "partiellement pourvue"),
    "partielles": ("partiellement pourvue",),
    "pourvues": ("pourvue",),
    "pourvue": ("pourvue",),
    "realisees": ("realisee",),
    "closes": ("realisee", "non tenue"),
    "non tenues": ("non tenue",),
    "annulees": ("annulee",),
    "encours": OPEN_STATES,
    "miennes": OPEN_STATES,
    "mes": OPEN_STATES,
    "toutes": ("ouverte", "partiellement pourvue", "pourvue", "realisee", "non tenue", "annulee"),
}


# (plural for a title, singular for « aucune demande … »)
_FILTER_LABELS = {
    "ouvertes": ("ouvertes", "ouverte"),
    "ouverte": ("ouvertes", "ouverte"),
    "partielles": ("partiellement pourvues", "partiellement pourvue"),
    "pourvues": ("pourvues", "pourvue"),
    "pourvue": ("pourvues", "pourvue"),
    "realisees": ("réalisées", "réalisée"),
    "closes": ("closes", "close"),
    "non tenues": ("closes sans avoir eu lieu", "close sans avoir eu lieu"),
    "annulees": ("annulées", "annulée"),
    "encours": ("en cours", "en cours"),
    "miennes": ("en cours", "en cours"),
    "mes": ("en cours", "en cours"),
    "toutes": ("", ""),
}

# Filters that are always the sender's own requests, even for the coordination.
_OWN_FILTERS = frozenset({"miennes", "mes"})

BOARD_SHOWN = 10


@commands.command(
    "demandes",
    aliases=("requests",),
    summary=Say(
        "vos demandes en cours (la bourse aux missions pour qui facilite, toutes pour "
        "l'équipe de coordination) ; filtres : ouvertes, pourvues, réalisées, annulées, toutes, "
        "miennes, un mois, ou une étape : à qualifier, sans cadrage, sans déroulé",
        "your requests under way (the missions you could take, for facilitators; all of them "
        "for the coordination team); filters: ouvertes, pourvues, toutes, a month, or a step: "
        "à qualifier, sans cadrage, sans déroulé",
    ),
    example="demandes décembre",
    params=(Param("filtre", Kind.TEXT, "filtre", optional=True),),
)
async def list_requests(ctx: Context, filtre: str | None = None) -> None:
    """`!demandes [filtre]`: the coordination sees all requests, a facilitator the open
    ones they could take (best first), anyone else their own."""
    if filtre is not None and await progress.list_by_step(ctx, filtre):
        return
    word = fold(filtre) if filtre else None
    if word is None and not ctx.is_coordinator and await ctx.is_facilitator(ctx.sender):
        await ctx.chat.reply(ctx.event, await board(ctx))
        return
    states, month, (plural, singular) = _read_filter(ctx, filtre)
    everyone = ctx.is_coordinator and word not in _OWN_FILTERS
    requester = None if everyone else ctx.sender
    requests = await ctx.store.requests.list(states=states, requester=requester, month=month)
    if word is None:
        empty = NO_OPEN_REQUESTS if everyone else NO_OWN_REQUESTS
        title = OPEN_REQUESTS_TITLE if everyone else OWN_REQUESTS_TITLE
    elif word == "toutes":
        empty = NO_OPEN_REQUESTS if everyone else NO_OWN_REQUESTS
        title = ALL_REQUESTS_TITLE if everyone else ALL_OWN_TITLE
    else:
        empty = (NO_FILTERED_REQUESTS if everyone else NO_OWN_FILTERED).format(what=singular)
        title = (FILTERED_REQUESTS_TITLE if everyone else OWN_FILTERED_TITLE).replace(
            "{what}", plural
        )
    if not requests:
        await ctx.chat.reply(ctx.event, Rendered.text(ctx.say(empty)))
        return
    lines = [Rendered.text(ctx.say(title, count=len(requests)))]
    waiting = set(await ctx.store.qualifications.waiting())
    to_qualify = progress.TO_QUALIFY_LABEL.in_(ctx.lang)
    lines += [request_line(r, ctx.lang, to_qualify if r.id in waiting else None) for r in requests]
    await ctx.chat.reply(ctx.event, Rendered.join(lines))


async def board(ctx: Context) -> Rendered:
    """The « bourse aux missions »: the open, complete requests to come that this
    facilitator could take (not asked of them already, not on a day away), best match
    first (`bot.domain.matching`)."""
    who = ctx.sender
    profile = await ctx.store.facilitators.get(who)
    if profile is not None and not profile.active:
        return Rendered.text(BOARD_PAUSED.format(prefix=ctx.prefix))
    today = ctx.clock.now().astimezone(ctx.config.bot.tz).date()
    scored: list[tuple[int, Request, tuple[str, ...]]] = []
    for request in await ctx.store.requests.list(states=ACTIVE_STATES, limit=200):
        day = request.details.event_date
        if day is None or day < today or drafting.missing_fields(request.details):
            continue
        if who in await ctx.store.missions.involved(request.id):
            continue
        if profile is None:
            scored.append((0, request, ()))
            continue
        loads = await ctx.store.candidates.workloads([who], day, exclude_request=request.id)
        if await ctx.store.absences.absent_on([who], day):
            continue
        ranked = match(request.details, [profile], loads).ranked
        if ranked:
            scored.append((ranked[0].score, request, ranked[0].reasons))
    if not scored:
        return Rendered.text(BOARD_EMPTY.format(prefix=ctx.prefix))
    scored.sort(key=lambda item: (-item[0], item[1].details.event_date, item[1].id))
    shown = scored[:BOARD_SHOWN]
    s = "s" if len(scored) > 1 else ""
    lines = [Rendered.text(BOARD_TITLE.format(count=len(scored), s=s))]
    for _, request, reasons in shown:
        lines.append(request_line(request))
        how = BOARD_LINE_HOW.format(prefix=ctx.prefix, id=request.id, reasons=", ".join(reasons))
        lines.append(Rendered.text(how.removesuffix(" — ")))
    if len(scored) > len(shown):
        rest = len(scored) - len(shown)
        s = "s" if rest > 1 else ""
        lines.append(Rendered.text(BOARD_MORE.format(count=rest, s=s)))
    if await ctx.store.requests.list(requester=who, limit=1):
        lines.append(Rendered.text(BOARD_OWN_HINT.format(prefix=ctx.prefix)))
    return Rendered.join(lines)


def _read_filter(
    ctx: Context, filtre: str | None
) -> tuple[tuple[str, ...], str | None, tuple[str, str]]:
    if filtre is None:
        return OPEN_STATES, None, ("", "")
    word = fold(filtre)
    if word in _STATE_FILTERS:
        return _STATE_FILTERS[word], None, _FILTER_LABELS[word]
    today = ctx.clock.now().astimezone(ctx.config.bot.tz).date()
    if month := parse_month(word, today):
        year, number = month
        label = f"de {wording.MONTHS[number - 1]} {year}"
        return _STATE_FILTERS["toutes"], f"{year:04d}-{number:02d}", (label, label)
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
    summary=Say(
        "où en est une demande, et qui la facilite",
        "where a request stands, and who facilitates it",
    ),
    example="statut 42",
    params=(Param("numero", Kind.REQUEST, "numéro"),),
)
async def status(ctx: Context, numero: int) -> None:
    """`!statut 42`: the card, the state and who facilitates (only those who accepted)."""
    request = await ctx.request(numero)
    if request.requester != ctx.sender and not await ctx.may_facilitate():
        raise UserError(NOT_YOUR_REQUEST, id=numero)
    state = state_label(request.state, ctx.lang)
    card = wording.card_summary(request, ctx.lang)
    accepted = await ctx.store.missions.accepted(request.id)
    needed = request.details.facilitators_needed
    # Names only: `!retire` takes a name too.
    named = [await display_name(ctx.store, u) for u in accepted]
    who = (
        ctx.say(
            STATUS_WHO,
            names=wording.names_list(named, ctx.lang),
            count=len(accepted),
            needed=needed,
        )
        if accepted
        else ctx.say(NO_FACILITATOR_YET)
    )
    lines = [card, Rendered.text(ctx.say(STATE_LINE, state=state)), Rendered.text(who)]
    step = await progress.step_label(
        ctx.store, request, now=ctx.clock.now(), tz=ctx.config.bot.tz, lang=ctx.lang
    )
    if step is not None:
        lines.append(Rendered.text(ctx.say(progress.CURRENT_STEP, step=step)))
    await ctx.chat.reply(ctx.event, Rendered.join(lines))


@commands.command(
    "missions",
    aliases=("mymissions",),
    who=Permission.FACILITATOR,
    summary="vos missions à venir, la plus proche d'abord ; `passées` pour les précédentes",
    example="missions passées",
    params=(Param("quand", Kind.WORD, "passées", optional=True),),
)
async def my_missions(ctx: Context, quand: str | None = None) -> None:
    """`!missions`: the facilitator's upcoming missions, soonest first; `!missions passées`
    (or `past`): the past ones, latest first."""
    today = ctx.clock.now().astimezone(ctx.config.bot.tz).date()
    if quand is not None and fold(quand) not in _PAST_WORDS:
        raise UserError(MISSIONS_FILTER_UNKNOWN.format(value=quand[:40], prefix=ctx.prefix))
    past = quand is not None
    if past:
        numbers = await ctx.store.missions.past_missions_of(ctx.sender, before=today.isoformat())
        title, empty = PAST_MISSIONS_TITLE, NO_PAST_MISSIONS
    else:
        numbers = await ctx.store.missions.missions_of(ctx.sender, since=today.isoformat())
        title, empty = MISSIONS_TITLE, NO_MISSIONS
    if not numbers:
        await ctx.chat.reply(ctx.event, Rendered.text(empty.format(prefix=ctx.prefix)))
        return
    lines = [Rendered.text(title.format(count=len(numbers)))]
    for number in numbers:
        request = await ctx.store.requests.get(number)
        if request is not None:
            lines.append(request_line(request))
    await ctx.chat.reply(ctx.event, Rendered.join(lines))


_PAST_WORDS = frozenset({"passees", "passee", "past", "anciennes", "precedentes"})

"""One session of a cycle cancelled or moved, the others untouched: `!seance`,
`!annule <numéro> séance <n>`, or a correction in the request's thread."""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from bot.domain import cycles
from bot.domain.content import Rendered
from bot.domain.requests import Request, RequestDetails, Session
from bot.parsing import parse
from bot.parsing.normalize import fold_plain
from handlers.core import wording
from handlers.core.commands import CommandSet, Kind, Param
from handlers.core.context import Context, UserError
from handlers.core.language import Say
from handlers.reminders import reconcile_request_reminders
from handlers.staffing import pings

log = logging.getLogger(__name__)
commands = CommandSet()

_NUMBER = re.compile(
    r"\b(?:seance|session)\s*(?:n°|no|numero|number|#)?\s*(\d{1,2})\b|"
    r"\b(\d{1,2})\s*(?:e|eme|ere|er|nd|rd|th|st)\s+(?:seance|session)\b"
)
_CANCEL = re.compile(
    r"\b(?:annul\w*|supprim\w*|cancel\w*|n'aura pas lieu|will not take place|"
    r"won't take place|is off|tombe)\b"
)

SESSION_CANCELLED = Say(
    "La séance {number} ({day}) de la demande #{id} est annulée ; les autres séances sont "
    "maintenues.",
    "Session {number} ({day}) of request #{id} is cancelled; the other sessions stand.",
)
SESSION_MOVED = Say(
    "La séance {number} de la demande #{id} est déplacée : {before} → {after}. Les autres "
    "séances ne changent pas.",
    "Session {number} of request #{id} is moved: {before} → {after}. The other sessions do "
    "not change.",
)
NOT_A_CYCLE = Say(
    "La demande #{id} n'a qu'une séance : pour la changer, répondez dans son fil (« finalement "
    "le 22 ») ; pour l'annuler, `{prefix}annule {id}`.",
    'Request #{id} has a single session: to change it, answer in its thread ("actually on '
    'the 22nd"); to cancel it, `{prefix}cancel {id}`.',
)
NO_SUCH_SESSION = Say(
    "La demande #{id} a {count} séances : choisissez un numéro de 1 à {count}, par exemple "
    "`{prefix}seance {id} 2 annulee`.",
    "Request #{id} has {count} sessions: pick a number from 1 to {count}, for example "
    "`{prefix}seance {id} 2 annulee`.",
)
ALREADY_CANCELLED = Say(
    "La séance {number} de la demande #{id} est déjà annulée.",
    "Session {number} of request #{id} is already cancelled.",
)
LAST_SESSION = Say(
    "C'est la dernière séance prévue de la demande #{id} : pour tout annuler, tapez "
    "`{prefix}annule {id}`.",
    "It is the last planned session of request #{id}: to cancel everything, type "
    "`{prefix}cancel {id}`.",
)
WHEN_UNCLEAR = Say(
    "Je ne lis ni date ni heure pour la séance {number} de la demande #{id}. Exemple : "
    "`{prefix}seance {id} {number} le 25 février à 14h`, ou `{prefix}seance {id} {number} "
    "annulee`.",
    "I read no date or time for session {number} of request #{id}. Example: "
    "`{prefix}seance {id} {number} 25 February at 2pm`, or `{prefix}seance {id} {number} "
    "annulee`.",
)
ONLY_REQUESTER = Say(
    "Seules la personne qui a fait la demande #{id} et l'équipe de coordination peuvent "
    "changer ses séances.",
    "Only the person who made request #{id} and the coordination team can change its sessions.",
)
WHICH_SESSION = Say(
    "Quelle séance de la demande #{id} ? Par exemple `{prefix}annule {id} séance 2`.",
    "Which session of request #{id}? For example `{prefix}cancel {id} séance 2`.",
)


@commands.command(
    "seance",
    aliases=("session",),
    summary=Say(
        "annuler ou déplacer une séance d'un cycle, sans toucher aux autres",
        "cancel or move one session of a cycle, leaving the others",
    ),
    example="seance 42 3 le 25 février à 14h",
    params=(
        Param("numero", Kind.REQUEST, "numéro"),
        Param("seance", Kind.WORD, "séance"),
        Param("quoi", Kind.TEXT, "annulee, ou date et heure"),
    ),
)
async def session(ctx: Context, numero: int, seance: str, quoi: str) -> None:
    """`!seance 42 3 annulee`, `!seance 42 3 le 25 février à 14h`."""
    request = await ctx.request(numero)
    if not (seance.isascii() and seance.isdigit()):
        count = len(request.details.sessions)
        raise UserError(NO_SUCH_SESSION, id=request.id, count=count, prefix=ctx.prefix)
    await change(ctx, request, int(seance), quoi)


async def cancel_from_command(ctx: Context, request: Request, words: str) -> None:
    """`!annule 42 séance 3`: cancel one session of a cycle."""
    m = _NUMBER.search(fold_plain(words)) or re.fullmatch(r"\s*(\d{1,2})\s*", words)
    if m is None:
        raise UserError(WHICH_SESSION, id=request.id, prefix=ctx.prefix)
    await change(ctx, request, int(next(g for g in m.groups() if g)), "annulee")


async def from_thread(ctx: Context, request: Request) -> bool:
    """A reply in a cycle's thread about one session (« la séance 3 est annulée », « la
    2e séance est décalée au 25 février »): that session only. False if it is not that."""
    if not cycles.is_cycle(request.details):
        return False
    m = _NUMBER.search(fold_plain(ctx.event.body))
    if m is None:
        return False
    await change(ctx, request, int(next(g for g in m.groups() if g)), ctx.event.body)
    return True


async def change(ctx: Context, request: Request, number: int, what: str) -> None:
    """Cancel or move session `number` of a cycle; the team is told, the .ics updated."""
    if request.requester != ctx.sender and not ctx.is_coordinator:
        raise UserError(ONLY_REQUESTER, id=request.id)
    details = request.details
    if not cycles.is_cycle(details):
        raise UserError(NOT_A_CYCLE, id=request.id, prefix=ctx.prefix)
    current = cycles.find(details, number)
    if current is None:
        count = len(details.sessions)
        raise UserError(NO_SUCH_SESSION, id=request.id, count=count, prefix=ctx.prefix)
    if current.cancelled:
        raise UserError(ALREADY_CANCELLED, number=number, id=request.id)
    folded = fold_plain(what)
    if folded.strip() in ("annulee", "annule", "cancelled", "cancel") or _CANCEL.search(folded):
        if len(cycles.active(details)) <= 1:
            raise UserError(LAST_SESSION, id=request.id, prefix=ctx.prefix)
        updated = cycles.cancel_session(details, number)
        sentence, values = SESSION_CANCELLED, {"number": number, "day": current.day}
    else:
        updated = _moved(ctx, request.id, details, current, what)
        after = cycles.find(updated, number)
        assert after is not None
        sentence, values = SESSION_MOVED, {"number": number, "before": current, "after": after}
    request = await ctx.store.requests.update_details(
        request.id, updated, text=None, at=ctx.clock.now()
    )
    log.info("request %d: session %d changed by %s", request.id, number, ctx.sender)
    await _tell(ctx, request, sentence, values)
    await reconcile_request_reminders(ctx, request.id)


def _moved(
    ctx: Context, request_id: int, details: RequestDetails, current: Session, what: str
) -> RequestDetails:
    """The cycle with one session moved to the date or time `what` names."""
    now = ctx.clock.now().astimezone(ctx.config.bot.tz)
    # Read without the session number, which is no day of the month.
    text = _NUMBER.sub(" ", fold_plain(what))
    result = parse(text, now, assume_request=True)
    day = result.event_date if result.event_date and result.event_date != now.date() else None
    if day is None and result.start_time is None:
        raise UserError(WHEN_UNCLEAR, number=current.number, id=request_id, prefix=ctx.prefix)
    return cycles.move_session(
        details,
        current.number,
        day=day,
        start=result.start_time,
        end=result.end_time,
    )


def _label(session: Session, lang: str) -> str:
    """« jeudi 25 février 2027, 14h00–16h30 »."""
    return wording.session_label(replace(session, cancelled=False), lang).split(") ", 1)[1]


async def _tell(ctx: Context, request: Request, sentence: Say, values: dict) -> None:
    """The change, to the one who asked, in the thread, to the team (with the new .ics)."""

    def text(lang: str) -> str:
        shown = {
            k: (
                _label(v, lang)
                if isinstance(v, Session)
                else wording.format_date(v, lang)
                if k == "day"
                else v
            )
            for k, v in values.items()
        }
        return sentence.in_(lang).format(id=request.id, **shown)

    key = ctx.event.event_id
    await ctx.chat.reply(ctx.event, Rendered.text(text(ctx.lang)))
    accepted = await ctx.store.missions.accepted(request.id)
    for user_id in accepted:
        lang = await ctx.store.languages.of(user_id)
        card = wording.card_summary(request, lang)
        message = Rendered.join([Rendered.text(text(lang)), card])
        await ctx.chat.dm(user_id, message, key=f"session:{key}:{user_id}")
    await pings.send_invitations(ctx, request, accepted, facilitators=accepted, key=f"ics:{key}")
    if request.card_key:
        lang = await ctx.store.languages.of(request.requester)
        card = wording.request_card(request, (), lang)
        await ctx.chat.edit(request.card_key, card, key=f"card:session:{key}")

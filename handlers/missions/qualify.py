"""Referents qualify a request before facilitators are sought: `!qualifie`, `!oriente`."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.domain.content import Rendered
from bot.domain.geography import fold
from bot.domain.lifecycle import RequestState
from bot.domain.requests import FORMAT_LABELS, Request
from handlers.core.commands import CommandSet, Kind, Param
from handlers.core.context import Context, UserError
from handlers.core.language import Say
from handlers.intake import refresh_card
from handlers.reminders import display_name, reconcile_request_reminders
from handlers.staffing import pings, rounds
from storage.qualifications import ORIENTED, QUALIFIED, TO_QUALIFY

log = logging.getLogger(__name__)
commands = CommandSet()

QUALIFIED_OK = Say(
    "Demande #{id} qualifiée : je cherche maintenant des facilitatrices et facilitateurs.",
    "Request #{id} qualified: I am now looking for facilitators.",
)
REQUESTER_QUALIFIED = Say(
    "{who} a qualifié la demande #{id} : je cherche maintenant des facilitatrices et facilitateurs.",
    "{who} has qualified request #{id}: I am now looking for facilitators.",
)
ORIENTED_OK = Say(
    "Demande #{id} orientée : la personne qui l'a faite a votre message, et elle est close ici.",
    "Request #{id} redirected: its author has your message, and it is closed here.",
)
REQUESTER_ORIENTED = Say(
    "{who} a orienté la demande #{id} : « {text} ». Elle est close ici ; merci !",
    "{who} has redirected request #{id}: “{text}”. It is closed here; thank you!",
)
NOT_WAITING = Say(
    "La demande #{id} n'attend pas de qualification.",
    "Request #{id} is not waiting to be qualified.",
)
NOT_HER_REFERENT = Say(
    "Seules les personnes référentes de sa région et l'équipe de coordination qualifient ou orientent la demande #{id}.",
    "Only the referents of its region and the coordination qualify or redirect request #{id}.",
)
BAD_ADJUSTMENT = Say(
    "Je ne comprends pas « {value} » : après le numéro viennent, si besoin, un format ({formats}) et un nombre de places, par exemple `{prefix}qualifie {id} atelier 2`.",
    "I don't understand “{value}”: after the number come, if needed, a format ({formats}) and a number of places, for example `{prefix}qualifie {id} atelier 2`.",
)
ORIENT_TEXT = Say(
    "Il manque le texte pour la personne qui l'a faite : `{prefix}oriente {id} <texte>`.",
    "The text for its author is missing: `{prefix}oriente {id} <text>`.",
)

_FORMATS = {fold(label): code for code, label in FORMAT_LABELS.items()} | {
    fold(code): code for code in FORMAT_LABELS
}


async def _waiting(ctx: Context, numero: int) -> Request:
    request = await ctx.request(numero)
    known = await ctx.store.qualifications.get(request.id)
    if known is None or known.state != TO_QUALIFY:
        raise UserError(NOT_WAITING, id=request.id)
    if not ctx.is_coordinator and ctx.sender not in ctx.config.referents_of(known.region):
        raise UserError(NOT_HER_REFERENT, id=request.id)
    return request


def _adjust(ctx: Context, request: Request, words: str | None) -> Request:
    """The referent's adjustments: a format and a number of places, in either order."""
    details = request.details
    for word in (words or "").split():
        if word.isascii() and word.isdigit() and 1 <= int(word) <= 20:
            details = replace(details, facilitators_needed=int(word))
        elif fold(word) in _FORMATS:
            details = replace(details, format=_FORMATS[fold(word)])
        else:
            formats = ", ".join(sorted({c for c in FORMAT_LABELS if "_" not in c}))
            raise UserError(
                BAD_ADJUSTMENT, value=word[:40], formats=formats, prefix=ctx.prefix, id=request.id
            )
    return replace(request, details=details)


@commands.command(
    "qualifie",
    aliases=("qualify",),
    summary="(personnes référentes) qualifier une demande : je cherche alors des facilitatrices et facilitateurs",
    example="qualifie 42 atelier 2",
    params=(
        Param("numero", Kind.REQUEST, "numéro"),
        Param("ajustements", Kind.TEXT, "format et places", optional=True),
    ),
)
async def qualify(ctx: Context, numero: int, ajustements: str | None = None) -> None:
    """`!qualifie 42 [format] [places]`: the request is qualified; facilitators are sought."""
    request = await _waiting(ctx, numero)
    adjusted = _adjust(ctx, request, ajustements)
    now = ctx.clock.now()
    await ctx.store.qualifications.answer(
        request.id, QUALIFIED, referent=ctx.sender, text=ajustements, at=now
    )
    if adjusted.details != request.details:
        request = await ctx.store.requests.update_details(
            request.id, adjusted.details, text=None, at=now
        )
        await refresh_card(ctx, request)
    await ctx.chat.reply(ctx.event, ctx_text(ctx, QUALIFIED_OK, id=request.id))
    who = await display_name(ctx.store, ctx.sender)
    await pings.tell_requester(
        ctx, request, REQUESTER_QUALIFIED, key=f"qualified:{request.id}", who=who, id=request.id
    )
    await rounds.plan_first_round(ctx, request)
    log.info("request %d qualified by %s", request.id, ctx.sender)


@commands.command(
    "oriente",
    aliases=("redirect",),
    summary="(personnes référentes) orienter une demande ailleurs ; elle est close avec votre texte",
    example="oriente 42 un accompagnement en coaching d'équipe conviendra mieux : je vous appelle",
    params=(
        Param("numero", Kind.REQUEST, "numéro"),
        Param("texte", Kind.TEXT, "texte pour la personne qui l'a faite", optional=True),
    ),
)
async def orient(ctx: Context, numero: int, texte: str | None = None) -> None:
    """`!oriente 42 <texte>`: the request goes elsewhere; it closes with the text for its author."""
    request = await _waiting(ctx, numero)
    if not texte:
        raise UserError(ORIENT_TEXT, id=request.id, prefix=ctx.prefix)
    now = ctx.clock.now()
    await ctx.store.qualifications.answer(
        request.id, ORIENTED, referent=ctx.sender, text=texte, at=now
    )
    await ctx.store.missions.set_request_state(
        request.id, RequestState.CANCELLED, actor=ctx.sender, at=now
    )
    await reconcile_request_reminders(ctx, request.id)
    who = await display_name(ctx.store, ctx.sender)
    await pings.tell_requester(
        ctx,
        request,
        REQUESTER_ORIENTED,
        key=f"oriented:{request.id}",
        who=who,
        id=request.id,
        text=texte,
    )
    await ctx.chat.reply(ctx.event, ctx_text(ctx, ORIENTED_OK, id=request.id))
    log.info("request %d redirected by %s", request.id, ctx.sender)


def ctx_text(ctx: Context, sentence: Say, **values: object) -> Rendered:
    """A sentence in the reader's language, as a message."""
    return Rendered.text(ctx.say(sentence, **values))

"""`!profil`: a facilitator's profile, shown or changed one field at a time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.content import Rendered
from bot.domain.geography import fold, region_of
from bot.domain.profiles import ROSTER_FIELDS, Facilitator
from bot.domain.requests import FORMAT_LABELS
from bot.domain.roster import (
    Invalid,
    effective_timezone,
    parse_cap,
    parse_directorate,
    parse_languages,
    parse_region,
    parse_site,
    parse_skills,
    parse_timezone,
    parse_yes_no,
)
from handlers.core import wording
from handlers.core.commands import CommandSet, Kind, Param, Permission
from handlers.core.context import Context, UserError
from handlers.enrollment import field_problem

log = logging.getLogger(__name__)
commands = CommandSet()


PROFILE_FIELD_LABELS = {
    "display_name": "nom",
    "site": "site",
    "region": "région",
    "directorate": "direction",
    "cohort": "promotion",
    "skills": "compétences",
    "languages": "langues",
    "remote_ok": "distanciel",
    "max_missions_per_month": "plafond",
    "timezone": "fuseau",
}


PROFILE_TITLE = "Votre profil ({who}) :"


PROFILE_EMPTY_VALUE = "non renseigné"


PROFILE_NO_CAP = "pas de plafond"


PROFILE_CAP = "{count} mission{s} par mois au plus"


PROFILE_DEFAULT_ZONE = "{zone} (par défaut)"


PROFILE_ACTIVE = "état : disponible pour des missions"


PROFILE_PAUSED = "état : en pause (`{prefix}reprise` pour revenir)"


PROFILE_ABSENCES = "absences : {ranges}"


PROFILE_NO_ABSENCE = "absences : aucune à venir"


PROFILE_HOW_TO = (
    "Pour modifier : `{prefix}profil site Lyon`, `{prefix}profil competences atelier, codev`, "
    "`{prefix}profil distanciel oui`, `{prefix}profil fuseau America/Cayenne` ; "
    "`{prefix}absent du 20/12 au 04/01`, `{prefix}pause`."
)


PROFILE_CHANGED = "C'est noté : {changes}."


PROFILE_CHANGE = "{label} : {before} → {after}"


PROFILE_UNCHANGED = "Rien n'a changé : votre profil l'indiquait déjà ({label} : {value})."


PROFILE_UNKNOWN_FIELD = (
    "Je ne connais pas le champ « {name} » : rien n'a changé. Champs modifiables : {fields}. "
    "Exemple : `{prefix}profil site Lyon`."
)


PROFILE_MISSING_VALUE = "Il manque la valeur : rien n'a changé. Exemple : `{example}`."


PROFILE_FIELD_EXAMPLES = {
    "site": "profil site Lyon",
    "region": "profil region Occitanie",
    "directorate": "profil direction DGFiP",
    "skills": "profil competences atelier, codev",
    "languages": "profil langues fr, en",
    "remote_ok": "profil distanciel oui",
    "max_missions_per_month": "profil plafond 2",
    "timezone": "profil fuseau America/Cayenne",
}


PROFILE_INVALID = "{problem} Rien n'a changé. Exemple : `{example}`."


NOT_IN_DIRECTORY = (
    "Vous n'êtes pas dans l'annuaire des facilitatrices et facilitateurs. Rejoignez le salon des "
    "facilitateurs, ou demandez à l'équipe de coordination de vous ajouter au fichier du réseau."
)


ABSENCE_RANGE = "du {start} au {end}"


ABSENCE_DAY = "le {day}"


def absence_range(start: date, end: date) -> str:
    """« du dimanche 20 décembre 2026 au lundi 4 janvier 2027 », or « le … » for one day."""
    if start == end:
        return ABSENCE_DAY.format(day=wording.format_date(start))
    return ABSENCE_RANGE.format(start=wording.format_date(start), end=wording.format_date(end))


# What a facilitator may write after `!profil`, folded, and the field it sets.
FIELD_NAMES = {
    "site": "site",
    "ville": "site",
    "city": "site",
    "region": "region",
    "direction": "directorate",
    "directorate": "directorate",
    "competences": "skills",
    "competence": "skills",
    "skills": "skills",
    "langues": "languages",
    "languages": "languages",
    "distanciel": "remote_ok",
    "remote": "remote_ok",
    "plafond": "max_missions_per_month",
    "cap": "max_missions_per_month",
    "fuseau": "timezone",
    "timezone": "timezone",
}


_SHOWN_FIELDS = (*ROSTER_FIELDS, "timezone")


_NONE_WORDS = frozenset({"aucun", "aucune", "none", "sans", "illimite"})


_DEFAULT_WORDS = frozenset({"defaut", "default", "par defaut"})


def _optional(parse: Callable[[str], Any], words: frozenset[str]) -> Callable[[str], Any]:
    return lambda text: None if fold(text) in words else parse(text)


_PARSERS: dict[str, Callable[[str], Any]] = {
    "site": parse_site,
    "region": parse_region,
    "directorate": parse_directorate,
    "skills": parse_skills,
    "languages": parse_languages,
    "remote_ok": parse_yes_no,
    "max_missions_per_month": _optional(parse_cap, _NONE_WORDS),
    "timezone": _optional(parse_timezone, _DEFAULT_WORDS),
}


def show_value(name: str, value: Any, profile: Facilitator, default_zone: str) -> str:
    """A profile field as the facilitator reads it."""
    if name == "timezone":
        zone = effective_timezone(value, profile.region, default_zone)
        return zone if value else PROFILE_DEFAULT_ZONE.format(zone=zone)
    if name == "remote_ok":
        return "oui" if value else "non"
    if name == "max_missions_per_month":
        if value is None:
            return PROFILE_NO_CAP
        return PROFILE_CAP.format(count=value, s="s" if value > 1 else "")
    if name == "cohort" and value is not None:
        return f"P{value}"
    if name == "skills":
        value = ", ".join(FORMAT_LABELS.get(skill, skill) for skill in value)
    elif name == "languages":
        value = ", ".join(value)
    return str(value) if value else PROFILE_EMPTY_VALUE


async def own_profile(ctx: Context) -> Facilitator:
    """The sender's profile, created empty for a facilitator who has none yet.

    Raises:
        UserError: the sender is not a facilitator.
    """
    profile = await ctx.store.facilitators.get(ctx.sender)
    if profile is not None:
        return profile
    if not await ctx.is_facilitator(ctx.sender):
        raise UserError(NOT_IN_DIRECTORY)
    await ctx.store.facilitators.enroll(ctx.sender, "", at=ctx.clock.now())
    profile = await ctx.store.facilitators.get(ctx.sender)
    assert profile is not None
    return profile


@commands.command(
    "profil",
    aliases=("profile",),
    who=Permission.FACILITATOR,
    summary="votre profil, ou changer un champ (site, competences, distanciel, fuseau…)",
    example="profil competences atelier, codev",
    params=(Param("modification", Kind.TEXT, "champ valeur", optional=True),),
)
async def profile(ctx: Context, modification: str | None) -> None:
    """`!profil` shows the sender's profile; `!profil site Lyon` changes one field."""
    current = await own_profile(ctx)
    if not modification:
        await ctx.chat.reply(ctx.event, await _render_profile(ctx, current))
        return
    word, _, value = modification.strip().partition(" ")
    name = FIELD_NAMES.get(fold(word))
    if name is None:
        fields = ", ".join(dict.fromkeys(PROFILE_FIELD_LABELS[n] for n in _PARSERS))
        raise UserError(
            PROFILE_UNKNOWN_FIELD.format(name=word[:40], fields=fields, prefix=ctx.prefix)
        )
    example = ctx.prefix + PROFILE_FIELD_EXAMPLES[name]
    if not value.strip():
        raise UserError(PROFILE_MISSING_VALUE.format(example=example))
    try:
        wanted = _PARSERS[name](value)
    except Invalid as exc:
        problem = field_problem(exc.code, exc.values, prefix=ctx.prefix)
        raise UserError(PROFILE_INVALID.format(problem=problem, example=example)) from None
    changes = {name: wanted}
    if name == "site" and region_of(wanted) and region_of(wanted) != current.region:
        changes["region"] = region_of(wanted)  # moving city moves region
    await _apply(ctx, current, changes)


async def _apply(ctx: Context, current: Facilitator, changes: dict[str, Any]) -> None:
    zone = ctx.config.bot.timezone
    changed = {n: v for n, v in changes.items() if getattr(current, n) != v}
    if not changed:
        name, value = next(iter(changes.items()))
        label = PROFILE_FIELD_LABELS[name]
        shown = show_value(name, value, current, zone)
        await ctx.chat.reply(
            ctx.event, Rendered.text(PROFILE_UNCHANGED.format(label=label, value=shown))
        )
        return
    updated = await ctx.store.facilitators.update(ctx.sender, at=ctx.clock.now(), **changed)
    lines = [
        PROFILE_CHANGE.format(
            label=PROFILE_FIELD_LABELS[n],
            before=show_value(n, getattr(current, n), current, zone),
            after=show_value(n, getattr(updated, n), updated, zone),
        )
        for n in changed
    ]
    log.info("profile of %s changed: %s", ctx.sender, ", ".join(changed))
    await ctx.chat.reply(
        ctx.event, Rendered.text(PROFILE_CHANGED.format(changes=" ; ".join(lines)))
    )


async def _render_profile(ctx: Context, current: Facilitator) -> Rendered:
    zone = ctx.config.bot.timezone
    today = local_today(ctx, current)
    lines = [PROFILE_TITLE.format(who=current.display_name or current.matrix_id)]
    for name in _SHOWN_FIELDS:
        value = show_value(name, getattr(current, name), current, zone)
        lines.append(f"• {PROFILE_FIELD_LABELS[name]} : {value}")
    state = PROFILE_ACTIVE if current.active else PROFILE_PAUSED.format(prefix=ctx.prefix)
    lines.append("• " + state)
    upcoming = [
        (start, end)
        for start, end in await ctx.store.absences.of(current.matrix_id)
        if end >= today
    ]
    if upcoming:
        ranges = " ; ".join(absence_range(s, e) for s, e in upcoming)
        lines.append("• " + PROFILE_ABSENCES.format(ranges=ranges))
    else:
        lines.append("• " + PROFILE_NO_ABSENCE)
    lines.append(PROFILE_HOW_TO.format(prefix=ctx.prefix))
    # Names and places are user-supplied: `Rendered.text` escapes them.
    return Rendered.text("\n".join(lines))


def local_today(ctx: Context, current: Facilitator) -> date:
    """Today where the facilitator lives."""
    zone = effective_timezone(current.timezone, current.region, ctx.config.bot.timezone)
    return ctx.clock.now().astimezone(ZoneInfo(zone)).date()

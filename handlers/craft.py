"""`!parcours` and `!attestation`: a facilitator's year of missions, in chat and as a PDF."""

from __future__ import annotations

import asyncio
import logging
from datetime import date

from bot.domain.attestation_pdf import attestation_pdf
from bot.domain.content import Rendered, pill
from bot.domain.craft import (
    CraftMission,
    Parcours,
    attestation,
    format_label,
    hours,
    long_date,
    parcours,
    short_date,
)
from bot.domain.profiles import USER_ID
from handlers.core.commands import CommandSet, Kind, Param, Permission
from handlers.core.context import Context, UserError
from storage.outbox import Attachment

log = logging.getLogger(__name__)
commands = CommandSet()


PARCOURS_OWN_TITLE = "**Votre parcours {year}**"

PARCOURS_OTHER_TITLE = "**Parcours {year}** de "

PARCOURS_NONE = "Aucune mission facilitée en {year} pour l'instant."

PARCOURS_MISSIONS = "Missions facilitées : {count}, dont {pair} en binôme ou en équipe"

PARCOURS_LINE = "• {day} — {format}, {directorate}{team}"

PARCOURS_PAIR = " (en binôme)"

PARCOURS_TEAM = " (à {size})"

PARCOURS_HOURS = (
    "Heures de facilitation : {hours} ; heures de préparation déclarées : {preparation}"
)

PARCOURS_FORMATS = "Formats pratiqués : {formats}"

PARCOURS_DIRECTORATES = "Directions accompagnées : {directorates}"

PARCOURS_RATING = "Note moyenne des équipes : {rating} / 5 ({count} note(s))"

PARCOURS_NO_RATING = "Note moyenne des équipes : pas encore de note"

PARCOURS_COHORT = "Promotion : {cohort}"

PARCOURS_NO_COHORT = "Promotion : non renseignée (`{prefix}profil promotion 7` pour l'indiquer)"

PARCOURS_UPCOMING = (
    "À venir d'ici la fin de {year} : {count} mission(s) (`{prefix}missions` pour les voir)."
)

PARCOURS_HINT = "Pour l'attestation en PDF : `{prefix}attestation {year}`."

SENT_IN_DM = "Je vous ai répondu en message privé."

ONLY_YOURS = "Vous ne pouvez consulter que votre propre parcours : tapez `{prefix}{command}` (l'équipe de coordination peut voir celui de chaque personne)."

BAD_YEAR = "« {value} » n'est pas une année que je peux montrer (de {first} à {last}). Exemple : `{prefix}{command} {last}`."

BAD_WORDS = (
    "Je ne comprends pas « {value} » : écrivez une année, par exemple `{prefix}{command} {year}`."
)

UNKNOWN_PERSON = "Je ne trouve pas cette personne dans l'annuaire du réseau, ni dans les missions : vérifiez la mention."

ATTESTATION_NOTHING = "Aucune mission facilitée n'est enregistrée en {year} : il n'y a rien à attester pour l'instant."

ATTESTATION_NO_NAME = "Le nom n'est pas renseigné dans l'annuaire : il en faut un sur l'attestation. Tapez `{prefix}profil nom Prénom Nom`, puis recommencez."

ATTESTATION_SENT = "Voici l'attestation {year} de {name} (référence {reference}) : {count} mission(s), {hours} de facilitation. Gardez cette référence : l'équipe de coordination peut la vérifier."

VERIFY_USAGE = (
    "Donnez la référence à vérifier, par exemple `{prefix}attestation verifie ATT-2026-0007-3FA2`."
)

VERIFY_FOUND = "L'attestation {reference} a bien été émise le {day} pour {name}{directorate} : année {year}, {count} mission(s), {hours} de facilitation."

VERIFY_FORGOTTEN = "L'attestation {reference} a bien été émise le {day} (année {year}, {count} mission(s), {hours} de facilitation). La personne a depuis demandé l'effacement de ses données : son nom n'est plus conservé."

VERIFY_UNKNOWN = "Aucune attestation n'a été émise sous la référence « {reference} ». Vérifiez la saisie (elle s'écrit comme ATT-2026-0007-3FA2)."

VERIFY_COORDINATORS = "La vérification d'une attestation est réservée à l'équipe de coordination."

FIRST_YEAR = 2020
VERIFY_WORDS = ("verifie", "vérifie", "verifier", "vérifier", "verify", "check")


@commands.command(
    "parcours",
    aliases=("record",),
    who=Permission.FACILITATOR,
    summary="vos missions de l'année, vos heures, formats, directions et notes (en message privé)",
    example="parcours 2026",
    params=(Param("annee", Kind.TEXT, "année", optional=True),),
)
async def show_parcours(ctx: Context, annee: str | None = None) -> None:
    """`!parcours [année]`, coordinators `!parcours @personne [année]`: the year, in a DM."""
    person, year = _person_and_year(ctx, annee, "parcours")
    record = await _record(ctx, person, year)
    own = person == ctx.sender
    if own:
        title = Rendered.text(PARCOURS_OWN_TITLE.format(year=year))
    else:
        name = await _name(ctx, person)
        title = Rendered.text(PARCOURS_OTHER_TITLE.format(year=year)) + pill(person, name)
    text = Rendered.join([title, render_parcours(record, prefix=ctx.prefix)])
    await _answer_in_dm(ctx, text, key=f"parcours:{ctx.event.event_id}")


def render_parcours(record: Parcours, *, prefix: str) -> Rendered:
    """The figures of `!parcours`, one per line."""
    lines: list[str] = []
    if not record.missions:
        lines.append(PARCOURS_NONE.format(year=record.year))
    else:
        lines.append(
            PARCOURS_MISSIONS.format(count=len(record.missions), pair=record.in_pair) + " :"
        )
        lines.extend(_mission_line(m) for m in record.missions)
        lines.append(
            PARCOURS_HOURS.format(
                hours=hours(record.minutes), preparation=hours(record.preparation_minutes)
            )
        )
        formats = ", ".join(f"{format_label(name)} ({n})" for name, n in record.formats)
        lines.append(PARCOURS_FORMATS.format(formats=formats or "—"))
        served = ", ".join(f"{name} ({n})" for name, n in record.directorates)
        lines.append(PARCOURS_DIRECTORATES.format(directorates=served or "—"))
        if record.mean_rating is None:
            lines.append(PARCOURS_NO_RATING)
        else:
            rating = f"{record.mean_rating:.1f}".replace(".", ",")
            lines.append(PARCOURS_RATING.format(rating=rating, count=record.ratings))
    if record.cohort is None:
        lines.append(PARCOURS_NO_COHORT.format(prefix=prefix))
    else:
        lines.append(PARCOURS_COHORT.format(cohort=record.cohort))
    if record.upcoming:
        lines.append(
            PARCOURS_UPCOMING.format(year=record.year, count=record.upcoming, prefix=prefix)
        )
    if record.missions:
        lines.append(PARCOURS_HINT.format(year=record.year, prefix=prefix))
    return Rendered.text("\n".join(lines))


def _mission_line(mission: CraftMission) -> str:
    team = ""
    if mission.partners == 1:
        team = PARCOURS_PAIR
    elif mission.partners > 1:
        team = PARCOURS_TEAM.format(size=mission.partners + 1)
    return PARCOURS_LINE.format(
        day=short_date(mission.event_date),
        format=format_label(mission.format),
        directorate=mission.directorate or "direction non précisée",
        team=team,
    )


@commands.command(
    "attestation",
    aliases=("certificate",),
    who=Permission.FACILITATOR,
    summary="l'attestation de vos missions de l'année, en PDF (en message privé)",
    example="attestation 2026",
    params=(Param("annee", Kind.TEXT, "année", optional=True),),
)
async def send_attestation(ctx: Context, annee: str | None = None) -> None:
    """`!attestation [année]`; coordinators: `@personne [année]`, `verifie <référence>`."""
    words = (annee or "").split()
    if words and words[0].lower() in VERIFY_WORDS:
        await _verify(ctx, words[1:])
        return
    person, year = _person_and_year(ctx, annee, "attestation")
    record = await _record(ctx, person, year)
    if not record.missions:
        raise UserError(ATTESTATION_NOTHING.format(year=year))
    profile = await ctx.store.facilitators.get(person)
    name = profile.display_name if profile else ""
    if not name:
        raise UserError(ATTESTATION_NO_NAME.format(prefix=ctx.prefix))
    now = ctx.clock.now()
    today = now.astimezone(ctx.config.bot.tz).date()
    directorate = profile.directorate if profile else None
    reference = await ctx.store.craft.issue(
        holder=person,
        holder_name=name,
        directorate=directorate,
        year=year,
        missions=len(record.missions),
        minutes=record.minutes,
        issued_by=ctx.sender,
        at=now,
    )
    doc = attestation(
        record,
        network=ctx.config.network.name,
        holder=name,
        directorate=directorate,
        signatory=ctx.config.network.signatory,
        today=today,
        reference=reference,
    )
    data = await asyncio.to_thread(attestation_pdf, doc)
    log.info("attestation %s issued for %s by %s", reference, person, ctx.sender)
    key = f"attestation:{ctx.event.event_id}"
    text = ATTESTATION_SENT.format(
        year=year,
        name=name,
        reference=reference,
        count=len(record.missions),
        hours=hours(record.minutes),
    )
    await _answer_in_dm(ctx, Rendered.text(text), key=key)
    file = Attachment(data, f"attestation-{year}-{reference}.pdf", "application/pdf")
    if ctx.event.is_dm:
        await ctx.chat.file(file, key=f"{key}:file", room_id=ctx.event.room_id)
    else:
        await ctx.chat.file(file, key=f"{key}:file", dm_user=ctx.sender)


async def _verify(ctx: Context, words: list[str]) -> None:
    """`!attestation verifie <référence>` (coordinators): issued, and for whom."""
    if not ctx.is_coordinator:
        raise UserError(VERIFY_COORDINATORS)
    if len(words) != 1:
        raise UserError(VERIFY_USAGE.format(prefix=ctx.prefix))
    reference = words[0][:60]
    found = await ctx.store.craft.find(reference)
    if found is None:
        raise UserError(VERIFY_UNKNOWN.format(reference=reference))
    values = {
        "reference": found.reference,
        "day": long_date(found.issued_at.astimezone(ctx.config.bot.tz).date()),
        "year": found.year,
        "count": found.missions,
        "hours": hours(found.minutes),
    }
    if found.holder_name is None:
        answer = Rendered.text(VERIFY_FORGOTTEN.format(**values))
    else:
        head, tail = VERIFY_FOUND.format(
            **values,
            name="\0",
            directorate=f" ({found.directorate})" if found.directorate else "",
        ).split("\0")
        answer = Rendered.text(head) + pill(found.holder, found.holder_name) + Rendered.text(tail)
    await ctx.chat.reply(ctx.event, answer)


# -- shared --------------------------------------------------------------------------------------


def _person_and_year(ctx: Context, text: str | None, command: str) -> tuple[str, int]:
    """Whose record and which year, from `[@personne] [année]`.

    Raises:
        UserError: a bad year, stray words, or someone else's record asked by a non-coordinator.
    """
    today = ctx.clock.now().astimezone(ctx.config.bot.tz).date()
    words = (text or "").split()
    year = today.year
    if words and words[-1].isascii() and words[-1].isdigit() and len(words[-1]) <= 6:
        value = words.pop()
        year = int(value)
        if not FIRST_YEAR <= year <= today.year:
            raise UserError(
                BAD_YEAR.format(
                    value=value,
                    first=FIRST_YEAR,
                    last=today.year,
                    prefix=ctx.prefix,
                    command=command,
                )
            )
    typed = [w for w in words if USER_ID.match(w)]
    mentioned = [m for m in ctx.event.mentions if m != ctx.config.matrix.user_id]
    person = ctx.sender
    if typed:
        person = typed[0]
    elif words and mentioned:
        person = mentioned[0]  # a pill: the body shows a display name
    elif words:
        shown = " ".join(words)[:40]
        raise UserError(
            BAD_WORDS.format(value=shown, prefix=ctx.prefix, command=command, year=today.year)
        )
    if person != ctx.sender and not ctx.is_coordinator:
        raise UserError(ONLY_YOURS.format(prefix=ctx.prefix, command=command))
    return person, year


async def _record(ctx: Context, person: str, year: int) -> Parcours:
    """A person's year, as `!parcours` and `!attestation` show it."""
    today = ctx.clock.now().astimezone(ctx.config.bot.tz).date()
    missions = await ctx.store.craft.missions_of(person, date(year, 1, 1), date(year, 12, 31))
    profile = await ctx.store.facilitators.get(person)
    if person != ctx.sender and profile is None and not missions:
        raise UserError(UNKNOWN_PERSON)
    return parcours(missions, year=year, today=today, cohort=profile.cohort if profile else None)


async def _name(ctx: Context, person: str) -> str:
    profile = await ctx.store.facilitators.get(person)
    return profile.display_name if profile and profile.display_name else person


async def _answer_in_dm(ctx: Context, text: Rendered, *, key: str) -> None:
    """In a DM, answer there; elsewhere, send it to the sender's DM and say so."""
    if ctx.event.is_dm:
        await ctx.chat.reply(ctx.event, text)
        return
    await ctx.chat.dm(ctx.sender, text, key=key, notice=True)
    await ctx.chat.reply(ctx.event, Rendered.text(SENT_IN_DM))

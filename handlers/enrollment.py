"""How people get into the directory: the roster import, and members of the facilitators room."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.clock import Clock
from bot.domain.content import Rendered
from bot.domain.profiles import Facilitator
from bot.domain.roster import Roster, clean_display_name
from handlers.core.chat import OutboxChat
from handlers.core.context import Chat
from storage.store import Store

log = logging.getLogger(__name__)


PROFILE_INVITATION = (
    "Bonjour{name} ! Vous faites partie du réseau des facilitatrices et facilitateurs : pour que je vous propose "
    "des missions qui vous correspondent, complétez votre profil en me répondant ici, par exemple :\n"
    "`{prefix}profil site Lyon`\n`{prefix}profil competences atelier, codev`\n`{prefix}profil distanciel oui`\n"
    "Tapez `{prefix}profil` pour voir votre profil, `{prefix}aide` pour toutes les commandes."
)

# Why a value is refused (codes of `bot.domain.roster.Invalid`).
FIELD_PROBLEMS = {
    "matrix_id": "« {value} » n'est pas un identifiant Matrix (attendu : @prenom.nom-dgfip.finances.gouv.fr:agent.finances.tchap.gouv.fr).",
    "matrix_id_missing": "l'identifiant Matrix (matrix_id) est vide.",
    "server": "le serveur {server} n'est pas servi par le bot (matrix.allowed_servers).",
    "duplicate": "{value} figure déjà ligne {line}.",
    "columns": "{found} valeurs pour {expected} colonnes dans l'en-tête.",
    "too_long": "texte trop long ({limit} caractères au plus).",
    "region": "région inconnue « {value} » (exemples : Île-de-France, Occitanie, Guyane).",
    "skill": "compétence inconnue « {value} » (connues : {known}).",
    "language": "langue « {value} » invalide : un code de deux lettres, comme fr ou en.",
    "yes_no": "« {value} » : répondez oui ou non.",
    "cohort": "promotion « {value} » invalide : un nombre de {low} à {high}.",
    "cap": "plafond « {value} » invalide : un nombre de missions par mois de {low} à {high} (vide ou « aucun » : pas de plafond).",
    "timezone": "fuseau horaire inconnu « {value} » (exemples : Europe/Paris, America/Cayenne, Indian/Reunion).",
    "date": "« {value} » n'est pas une date (exemple : 20/12 ou 20/12/2026).",
    "absence_format": "je n'ai pas compris les dates (exemples : `{prefix}absent du 20/12 au 04/01`, `{prefix}absent le 24/12`).",
    "absence_order": "la fin ({end}) est avant le début ({start}).",
    "absence_past": "cette période est déjà passée (elle finit le {end}).",
    "absence_too_long": "une absence dure au plus {days} jours ; pour une longue indisponibilité, tapez `{prefix}pause`.",
    "header": "pas de colonne matrix_id dans la première ligne (colonnes attendues : {columns}).",
    "header_semicolon": "pas de colonne matrix_id : le fichier semble séparé par des points-virgules ; enregistrez-le séparé par des virgules (colonnes : {columns}).",
    "empty": "le fichier est vide (colonnes attendues : {columns}).",
}

ROSTER_COLUMN = "colonne {column} : {problem}"

ROSTER_REJECTED = "ligne {line} : {problems}."

ROSTER_SUMMARY = "Import terminé : {added} ajouté(s), {updated} mis à jour, {rejected} rejeté(s), {unchanged} inchangé(s)."

ROSTER_LEFT = "Retiré(s) de l'annuaire (plus listés par le fichier ; historique conservé, plus sollicités) : {names}."

ROSTER_RETURNED = "De retour dans l'annuaire : {names}."

ROSTER_LEFT_SKIPPED = "Personne n'a été retiré de l'annuaire : le fichier a des lignes rejetées, et l'une d'elles peut être celle d'une personne toujours présente. Corrigez-les, puis importez à nouveau."

ROSTER_DRY_RUN = "Simulation : rien n'a été enregistré. Voici ce que l'import changerait :"

ROSTER_CHANGE = "  {change} : {name}"

ROSTER_CHANGE_LABELS = {
    "added": "ajout",
    "updated": "mise à jour",
    "left": "retrait",
    "returned": "retour",
}

LEFT_WITH_MISSIONS = "{name} ne figure plus dans l'annuaire importé, mais reste sur {missions} à venir. Voyez s'il faut une relève : `{prefix}retire <numéro> <personne>` rouvre la place."

ROSTER_UNREADABLE = "{path} : fichier illisible ({reason})."

ROSTER_NOT_UTF8 = "{path} : le fichier n'est pas en UTF-8 ; enregistrez-le au format « CSV UTF-8 »."

ROSTER_BAD_FILE = "{path} : {problem}"


def field_problem(code: str, values: dict[str, object], *, prefix: str) -> str:
    """The French sentence for a refused value (first letter capitalised)."""
    shown = {k: format_day(v) if isinstance(v, date) else v for k, v in values.items()}
    text = FIELD_PROBLEMS.get(code, "valeur invalide.").format(prefix=prefix, **shown)
    return text[0].upper() + text[1:]


def format_day(day: date) -> str:
    """« 20/12/2026 »."""
    return day.strftime("%d/%m/%Y")


# -- members of the facilitators room ------------------------------------------------------------


async def enroll_members(
    store: Store, chat: Chat, clock: Clock, members: Mapping[str, str], *, prefix: str
) -> list[str]:
    """Give members without a profile an empty one, and invite each once to complete it.

    `members` maps user ids to display names. The invitation's outbox key is
    derived from the user, so it is sent once whatever happens. Someone who
    asked to be forgotten (`!oubliemoi`) is not enrolled again. Returns the
    users enrolled.
    """
    known = await store.facilitators.known(members)
    missing = [
        user
        for user in members
        if user not in known and not await store.privacy.was_forgotten(user)
    ]
    enrolled = []
    async with store.db.transaction():
        for user in missing:
            name = clean_display_name(members[user] or "")
            if not await store.facilitators.enroll(user, name, at=clock.now()):
                continue
            greeting = PROFILE_INVITATION.format(name=f" {name}" if name else "", prefix=prefix)
            await chat.dm(user, Rendered.text(greeting), key=f"profile-invite:{user}")
            enrolled.append(user)
    if enrolled:
        log.info("enrolled %d members of the facilitators room", len(enrolled))
    return enrolled


# -- roster import -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportReport:
    """How a roster import went: counts, one French line per rejected row, who left."""

    added: int
    updated: int
    unchanged: int
    rejected: tuple[str, ...]
    left: tuple[str, ...] = ()  # names of those the file no longer lists
    returned: tuple[str, ...] = ()  # names of those listed again
    changes: tuple[str, ...] = ()  # one line per change, for a dry run
    left_skipped: bool = False  # nobody was removed because rows were rejected

    def summary(self) -> str:
        """The summary printed at the end (one line, then who left or came back)."""
        lines = [
            ROSTER_SUMMARY.format(
                added=self.added,
                updated=self.updated,
                rejected=len(self.rejected),
                unchanged=self.unchanged,
            )
        ]
        if self.left:
            lines.append(ROSTER_LEFT.format(names=", ".join(self.left)))
        if self.returned:
            lines.append(ROSTER_RETURNED.format(names=", ".join(self.returned)))
        if self.left_skipped:
            lines.append(ROSTER_LEFT_SKIPPED)
        return "\n".join(lines)


def describe_rejections(roster: Roster) -> tuple[str, ...]:
    """One line per rejected row: its line number and every problem in it."""
    lines = []
    for row in roster.rejected:
        problems = []
        for problem in row.problems:
            values = {k: v for k, v in problem.values.items() if k != "column"}
            # A roster's problems name no command: the prefix is never shown.
            text = field_problem(problem.code, values, prefix="!").rstrip(".")
            text = text[0].lower() + text[1:]
            column = problem.values.get("column")
            if column:
                text = ROSTER_COLUMN.format(column=column, problem=text)
            problems.append(text)
        lines.append(ROSTER_REJECTED.format(line=row.line, problems=" ; ".join(problems)))
    return tuple(lines)


class _DryRun(Exception):
    """Raised at the end of a dry run to roll its transaction back."""


async def import_roster(
    store: Store,
    roster: Roster,
    *,
    at: datetime,
    coordinators: tuple[str, ...] = (),
    prefix: str = "!",
    dry_run: bool = False,
) -> ImportReport:
    """Upsert every good row of a roster, and retire those it no longer lists, in one transaction.

    Someone brought by an earlier import and absent from this file leaves
    the directory: their history stays, but they are no longer sought. The
    coordinators are told of those still on an upcoming mission. Nobody
    leaves when some rows were rejected (one of them may be theirs). A dry
    run does all of it, reports it, and rolls it back.
    """
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    changes: list[str] = []
    left: list[str] = []
    returned: list[str] = []
    report: ImportReport | None = None
    try:
        async with store.db.transaction():
            listed = {entry.matrix_id for entry in roster.entries}
            before = await store.facilitators.from_roster()
            for entry in roster.entries:
                person = Facilitator(matrix_id=entry.matrix_id, **entry.values)
                outcome = await store.facilitators.upsert(person, at=at, given=entry.values.keys())
                counts[outcome] += 1
                if outcome != "unchanged":
                    changes.append(_change(outcome, person.display_name, entry.matrix_id))
                if await store.facilitators.set_left(entry.matrix_id, None):
                    returned.append(person.display_name or entry.matrix_id)
                    changes.append(_change("returned", person.display_name, entry.matrix_id))
            gone = sorted(before - listed) if not roster.rejected else []
            chat = OutboxChat(store.outbox, _At(at))
            for matrix_id in gone:
                await store.facilitators.set_left(matrix_id, at)
                profile = await store.facilitators.get(matrix_id)
                name = profile.display_name if profile and profile.display_name else matrix_id
                left.append(name)
                changes.append(_change("left", name, matrix_id))
                await _tell_missions_left(store, chat, matrix_id, name, at, coordinators, prefix)
            report = ImportReport(
                **counts,
                rejected=describe_rejections(roster),
                left=tuple(left),
                returned=tuple(returned),
                changes=tuple(changes),
                left_skipped=bool(roster.rejected) and bool(before - listed),
            )
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    assert report is not None
    log.info(
        "roster %s: %d added, %d updated, %d unchanged, %d rejected, %d left, %d returned",
        "simulated" if dry_run else "imported",
        report.added,
        report.updated,
        report.unchanged,
        len(report.rejected),
        len(report.left),
        len(report.returned),
    )
    return report


def _change(kind: str, name: str, matrix_id: str) -> str:
    shown = f"{name} ({matrix_id})" if name else matrix_id
    return ROSTER_CHANGE.format(change=ROSTER_CHANGE_LABELS[kind], name=shown)


async def _tell_missions_left(
    store: Store,
    chat: OutboxChat,
    matrix_id: str,
    name: str,
    at: datetime,
    coordinators: tuple[str, ...],
    prefix: str,
) -> None:
    """Tell each coordinator about the upcoming missions of someone who left the roster."""
    upcoming = await store.missions.missions_of(matrix_id, since=at.date().isoformat())
    if not upcoming or not coordinators:
        return
    numbers = ", ".join(f"#{n}" for n in upcoming)
    missions = f"la demande {numbers}" if len(upcoming) == 1 else f"les demandes {numbers}"
    text = LEFT_WITH_MISSIONS.format(name=name, missions=missions, prefix=prefix)
    for coordinator in coordinators:
        key = f"roster-left:{matrix_id}:{at.isoformat()}:{coordinator}"
        await chat.dm(coordinator, Rendered.text(text), key=key)


class _At:
    """The clock of an import: the moment it runs, for the messages it queues."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

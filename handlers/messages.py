"""Every sentence the bot says, in French, in one place."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.domain.content import Rendered, escape, pill
from bot.domain.requests import FORMAT_LABELS, Request, RequestDetails

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
MODALITY_LABELS = {"presentiel": "sur place", "distanciel": "à distance", "hybride": "hybride"}
MISSING_LABELS = {
    "event_date": "la date",
    "start_time": "l'heure de début",
    "place": "le lieu (ou « en visio »)",
}
MISSING_EXAMPLES = {
    "event_date": "le 12 mars",
    "start_time": "de 14h à 16h",
    "place": "à Bercy",
}

# -- generic answers ---------------------------------------------------------------------------

INTERNAL_ERROR = (
    "Désolé, un incident m'a empêché de traiter votre message. Il a été signalé ; "
    "réessayez dans un instant."
)
UNKNOWN_COMMAND = (
    "Je ne connais pas la commande `{prefix}{name}`. Tapez `{prefix}aide` pour la liste."
)
COORDINATORS_ONLY = "La commande `{prefix}{name}` est réservée aux coordinateurs du réseau."
FACILITATORS_ONLY = "La commande `{prefix}{name}` est réservée aux facilitateurs et facilitatrices."
BAD_ARGUMENTS = "{problem} Usage : `{usage}` (exemple : `{example}`)."
MISSING_ARGUMENT = "Il manque {what}."
NOT_A_NUMBER = "« {value} » n'est pas un numéro de demande."
NOT_A_USER = "« {value} » n'est pas un identifiant Matrix (exemple : @prenom.nom-dgfip.finances.gouv.fr:agent.finances.tchap.gouv.fr)."
TOO_MANY_ARGUMENTS = "Trop d'éléments après la commande."
MESSAGE_TOO_LONG = (
    "Votre message est trop long ({length} caractères, maximum {limit}). "
    "Résumez votre demande en quelques lignes : date, horaires, lieu, format, nombre de participants."
)
UNKNOWN_REQUEST = "Je ne trouve pas la demande #{id}. Tapez `{prefix}demandes` pour voir celles qui sont ouvertes."
NOT_YOUR_REQUEST = "La demande #{id} n'est pas la vôtre : seuls son auteur et les coordinateurs la voient en détail."
DM_HELLO = (
    "Bonjour ! Je trouve des facilitateurs et facilitatrices pour vos ateliers, séminaires et "
    "plénières. Décrivez votre besoin en une phrase, par exemple : « On cherche 2 facilitateurs "
    "pour un séminaire le 12 mars de 9h à 12h30 à Bercy ». Tapez `{prefix}aide` pour les commandes."
)

# -- intake ------------------------------------------------------------------------------------

DATE_IN_PAST = (
    "La date comprise, {date}, est déjà passée : je n'enregistre pas la demande. "
    "Renvoyez-la avec la bonne date (par exemple « le {example} »)."
)
CORRECTION_HINT = "Pour corriger, modifiez votre message ou répondez dans ce fil (ex. « le 12 mars de 14h à 16h à Bercy »)."
ASK_MISSING = (
    "Pour trouver quelqu'un, il me manque {what}. Répondez dans ce fil, par exemple « {example} »."
)
COMPLETED = "Merci, la demande #{id} est à jour."
NOT_UNDERSTOOD_ANSWER = (
    "Je n'ai rien compris de nouveau pour la demande #{id}. Indiquez par exemple « {example} »."
)

# -- listing -----------------------------------------------------------------------------------

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


def format_date(day: date) -> str:
    """« mardi 12 mars 2027 »."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def format_time(moment: time) -> str:
    """« 14h00 »."""
    return f"{moment.hour}h{moment.minute:02d}"


def format_duration(minutes: int) -> str:
    """« 2h30 », « 45 min », « une journée »."""
    if minutes == 420:
        return "une journée"
    if minutes == 240:
        return "une demi-journée"
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours}h{rest:02d}" if rest else f"{hours}h"


def facilitators_label(count: int) -> str:
    """« 1 facilitateur·rice », « 2 facilitateur·rices »."""
    return f"{count} facilitateur·rice" + ("s" if count > 1 else "")


def describe_details(details: RequestDetails) -> list[str]:
    """The card's pieces, in reading order: format, date, times, place, people, need."""
    parts: list[str] = []
    if details.format:
        parts.append(FORMAT_LABELS.get(details.format, details.format))
    parts.append(format_date(details.event_date) if details.event_date else "date à préciser")
    if details.start_time and details.end_time:
        parts.append(f"{format_time(details.start_time)}–{format_time(details.end_time)}")
    elif details.start_time:
        extra = (
            f" ({format_duration(details.duration_minutes)})" if details.duration_minutes else ""
        )
        parts.append(f"à {format_time(details.start_time)}{extra}")
    elif details.duration_minutes:
        parts.append(format_duration(details.duration_minutes))
    else:
        parts.append("horaire à préciser")
    if details.location and details.modality == "hybride":
        parts.append(f"{details.location} (hybride)")
    elif details.location:
        parts.append(details.location)
    elif details.modality:
        parts.append(MODALITY_LABELS[details.modality])
    else:
        parts.append("lieu à préciser")
    if details.participants:
        parts.append(f"{details.participants} participants")
    parts.append(facilitators_label(details.facilitators_needed))
    if details.directorate:
        parts.append(details.directorate)
    return parts


def request_card(request: Request, missing: tuple[str, ...] = ()) -> Rendered:
    """The summary card: one compact line, the topic, then how to correct or what is missing."""
    lines = [card_summary(request)]
    if missing:
        lines.append(ask_missing(missing))
    else:
        lines.append(Rendered.text(CORRECTION_HINT))
    return Rendered.join(lines)


def ask_missing(missing: tuple[str, ...]) -> Rendered:
    """One short question for everything that is missing."""
    labels = [MISSING_LABELS[m] for m in missing]
    what = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " et " + labels[-1]
    example = " ".join(MISSING_EXAMPLES[m] for m in missing)
    return Rendered.text(ASK_MISSING.format(what=what, example=example))


def request_line(request: Request) -> Rendered:
    """One line of a listing: number, state, what and when."""
    parts = describe_details(request.details)
    state = STATE_LABELS.get(request.state, request.state)
    text = f"#{request.id} ({state}) — " + ", ".join(parts)
    return Rendered(body="• " + text, html="• " + escape(text))


# -- missions ----------------------------------------------------------------------------------

ACCEPTED = "C'est noté : vous facilitez la demande #{id}. Merci ! Tapez `!missions` pour voir vos missions, `!desiste {id}` en cas d'empêchement."
REQUEST_FULL = "Désolé, la demande #{id} est déjà complète."
DECLINED = "C'est noté, vous ne prenez pas la demande #{id}. Merci d'avoir répondu."
WITHDRAWN = "C'est noté, vous n'êtes plus sur la demande #{id}. La place est de nouveau ouverte."
REQUESTER_ACCEPTED = (
    "Bonne nouvelle pour la demande #{id} : {who} la facilitera ({count}/{needed})."
)
REQUESTER_STAFFED = "La demande #{id} est pourvue : {names}."
REQUESTER_WITHDRAWN = (
    "{who} s'est désisté·e de la demande #{id} : je cherche quelqu'un d'autre ({count}/{needed})."
)
CANCELLED = "La demande #{id} est annulée."
FACILITATOR_CANCELLED = "La demande #{id} que vous deviez faciliter a été annulée par {who}. Merci de votre disponibilité."
CLOSED = "La demande #{id} est close (réalisée). Merci à {names} !"
ASSIGNED = "{who} est affecté·e à la demande #{id} ({count}/{needed})."
FACILITATOR_ASSIGNED = "Un coordinateur vous a affecté·e à la demande #{id} :"
REMOVED = "{who} est retiré·e de la demande #{id} ; la place est de nouveau ouverte."
FACILITATOR_REMOVED = "Un coordinateur vous a retiré·e de la demande #{id}."
ONLY_REQUESTER_CANCELS = (
    "Seuls l'auteur de la demande #{id} et les coordinateurs peuvent l'annuler."
)
NO_MISSIONS = "Vous n'avez aucune mission à venir. Les demandes ouvertes : `!demandes`."
MISSIONS_TITLE = "Vos missions ({count}) :"
WHO_LINE = "Facilitation : {names}."
MISSION_CHANGED = "La demande #{id} que vous facilitez a changé ; la voici à jour (invitation d'agenda mise à jour ci-après) :"
NOBODY_LEFT = "tout le monde a déjà été sollicité"
COORDINATORS_NOBODY = "Demande #{id} : je ne trouve personne à solliciter ({reason})."
COORDINATORS_ESCALATED = "Demande #{id} toujours pas pourvue : j'ai sollicité {count} personne(s) de plus pour {slots} place(s)."
PING_INTRO = "Bonjour ! Une demande cherche {need} :"
PING_HOW = "Pour la prendre : `{prefix}accepte {id}` ou réagissez ✅ à ce message. Pas disponible ? `{prefix}refuse {id}`."
PING_FILLED = "Demande #{id} — pourvue, merci ! Plus rien à faire pour celle-ci."
PING_CANCELLED = "Demande #{id} — annulée. Plus rien à faire pour celle-ci."
COMPLETE_WITH_OTHER = "Désolé, la demande #{id} est déjà complète. La demande #{other} cherche encore quelqu'un : `{prefix}accepte {other}` si elle vous convient."
NOT_A_FACILITATOR = (
    "{who} n'est pas dans l'annuaire des facilitateurs ni dans le salon des facilitateurs."
)
NO_FACILITATOR_YET = "Facilitation : personne pour l'instant."
REQUESTS_FILTER_UNKNOWN = "Je ne comprends pas le filtre « {value} ». Exemples : `{prefix}demandes ouvertes`, `{prefix}demandes pourvues`, `{prefix}demandes decembre`."
FILTERED_REQUESTS_TITLE = "Demandes {what} ({count}) :"
NO_FILTERED_REQUESTS = "Aucune demande {what}."


def mention_line(user_id: str, message: Rendered) -> Rendered:
    """A message that starts with a mention of its recipient."""
    return pill(user_id) + Rendered(body=" : ", html=" : ") + message


def ping_message(request: Request, *, prefix: str) -> Rendered:
    """What a pinged facilitator receives: the need, the card, how to answer."""
    need = facilitators_label(request.details.facilitators_needed)
    return Rendered.join(
        [
            Rendered.text(PING_INTRO.format(need=need)),
            card_summary(request),
            Rendered.text(PING_HOW.format(prefix=prefix, id=request.id)),
        ]
    )


def card_summary(request: Request) -> Rendered:
    """The card's first lines (what, when, where; the topic), without the hints."""
    parts = describe_details(request.details)
    head = Rendered(
        body=f"Demande #{request.id} — " + ", ".join(parts),
        html=f"<strong>Demande #{request.id}</strong> — " + escape(", ".join(parts)),
    )
    if not request.details.topic:
        return head
    topic = Rendered(
        body=f"Objet : {request.details.topic}",
        html=f"<em>Objet :</em> {escape(request.details.topic)}",
    )
    return Rendered.join([head, topic])


def ping_settled(request: Request, outcome: str) -> Rendered:
    """The edited ping once the request no longer needs anyone."""
    text = PING_FILLED if outcome == "pourvue" else PING_CANCELLED
    return Rendered.text(text.format(id=request.id))


def names_list(user_ids: list[str]) -> str:
    """« @a, @b et @c »."""
    if not user_ids:
        return "personne"
    if len(user_ids) == 1:
        return user_ids[0]
    return ", ".join(user_ids[:-1]) + " et " + user_ids[-1]


def ics_summary(request: Request) -> str:
    """The calendar entry's title."""
    what = FORMAT_LABELS.get(request.details.format or "", "Facilitation")
    return f"{what[:1].upper()}{what[1:]} — demande #{request.id}"


def ics_description(request: Request, facilitators: list[str]) -> str:
    """The calendar entry's text: the card, the requester, the team."""
    lines = [", ".join(describe_details(request.details))]
    if request.details.topic:
        lines.append(f"Objet : {request.details.topic}")
    lines.append(f"Demandeur : {request.requester}")
    lines.append(f"Facilitation : {names_list(facilitators)}")
    return "\n".join(lines)


# -- personal data (RGPD) ----------------------------------------------------------------------

MY_DATA_SUMMARY = "Voici tout ce que Facilibot conserve sur vous : {requests} demande(s), {missions} mission(s), {pings} sollicitation(s), profil de facilitateur : {profile}. Le détail est dans le fichier joint (JSON)."
MY_DATA_SENT = "Je vous ai envoyé vos données en message privé."
FORGET_ASK = "`{prefix}oubliemoi` efface votre profil de facilitateur et vos absences, et remplace votre identifiant par un pseudonyme dans l'historique des demandes et des missions. C'est définitif. Pour confirmer : `{prefix}oubliemoi confirmer`."
FORGET_BAD_WORD = (
    "Pour confirmer, tapez exactement `{prefix}oubliemoi confirmer` (et non « {word} »)."
)
FORGET_HAS_MISSIONS = "Vous êtes encore inscrit·e sur {count} mission(s) à venir : désistez-vous d'abord (`{prefix}missions` pour les voir), puis recommencez."
FORGOTTEN = "C'est fait : votre profil est effacé et votre historique est pseudonymisé. Merci pour votre engagement dans le réseau."

# -- statistics --------------------------------------------------------------------------------

STATS_TITLE = "Statistiques de {title} :"
STATS_REQUESTS = "• Demandes reçues : {count} (dont {cancelled} annulée(s))"
STATS_STAFFED = "• Pourvues : {staffed} sur {considered} ({rate} %), en {delay} (médiane)"
STATS_NO_STAFFING = "• Pourvues : aucune demande à pourvoir ce mois-ci"
STATS_MISSIONS = (
    "• Missions : {missions}, par {people} facilitateur·rice(s) ; les plus actifs : {busiest}"
)
STATS_RATING = "• Note moyenne des demandeurs : {rating} / 5"
STATS_NO_RATING = "• Note moyenne des demandeurs : pas encore de note"
STATS_FORMATS = "• Formats demandés : {formats}"
STATS_BAD_MONTH = "« {value} » n'est pas un mois. Exemple : `{prefix}stats novembre`."

# -- directory: profiles, absences, roster import, candidates (issue 4) -------------------------

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
PROFILE_PAUSED = "état : en pause (`!reprise` pour revenir)"
PROFILE_ABSENCES = "absences : {ranges}"
PROFILE_NO_ABSENCE = "absences : aucune à venir"
PROFILE_HOW_TO = (
    "Pour modifier : `!profil site Lyon`, `!profil competences atelier, codev`, "
    "`!profil distanciel oui`, `!profil fuseau America/Cayenne` ; "
    "`!absent du 20/12 au 04/01`, `!pause`."
)
PROFILE_CHANGED = "C'est noté : {changes}."
PROFILE_CHANGE = "{label} : {before} → {after}"
PROFILE_UNCHANGED = "Rien n'a changé : votre profil l'indiquait déjà ({label} : {value})."
PROFILE_UNKNOWN_FIELD = (
    "Je ne connais pas le champ « {name} » : rien n'a changé. Champs modifiables : {fields}. "
    "Exemple : `!profil site Lyon`."
)
PROFILE_MISSING_VALUE = "Il manque la valeur : rien n'a changé. Exemple : `{example}`."
PROFILE_FIELD_EXAMPLES = {
    "site": "!profil site Lyon",
    "region": "!profil region Occitanie",
    "directorate": "!profil direction DGFiP",
    "skills": "!profil competences atelier, codev",
    "languages": "!profil langues fr, en",
    "remote_ok": "!profil distanciel oui",
    "max_missions_per_month": "!profil plafond 2",
    "timezone": "!profil fuseau America/Cayenne",
}
PROFILE_INVALID = "{problem} Rien n'a changé. Exemple : `{example}`."
NOT_IN_DIRECTORY = (
    "Vous n'êtes pas dans l'annuaire des facilitateurs. Rejoignez le salon des facilitateurs, "
    "ou demandez à un coordinateur de vous ajouter au fichier du réseau."
)
PROFILE_INVITATION = (
    "Bonjour{name} ! Vous faites partie du réseau des facilitateurs : pour que je vous propose "
    "des missions qui vous correspondent, complétez votre profil en me répondant ici, par exemple :\n"
    "`!profil site Lyon`\n`!profil competences atelier, codev`\n`!profil distanciel oui`\n"
    "Tapez `!profil` pour voir votre profil, `!aide` pour toutes les commandes."
)

ABSENCE_ADDED = (
    "C'est noté : vous êtes absent·e {range}. Je ne vous proposerai pas de mission ces jours-là "
    "(`!present` pour l'annuler)."
)
ABSENCE_ALREADY = "Votre absence {range} était déjà enregistrée : rien n'a changé."
ABSENCE_RANGE = "du {start} au {end}"
ABSENCE_DAY = "le {day}"
ABSENCES_REMOVED = (
    "C'est noté : j'ai retiré {what}. Vous pouvez de nouveau recevoir des missions ces jours-là."
)
NO_ABSENCE_TO_REMOVE = "Vous n'aviez aucune absence en cours ou à venir : rien n'a changé."
PAUSED = (
    "C'est noté : vous êtes en pause, je ne vous propose plus de missions (celles que vous avez "
    "acceptées restent prévues). Tapez `!reprise` pour revenir."
)
ALREADY_PAUSED = "Vous étiez déjà en pause : rien n'a changé. Tapez `!reprise` pour revenir."
RESUMED = "C'est noté : vous êtes de nouveau disponible pour des missions."
ALREADY_ACTIVE = "Vous étiez déjà disponible pour des missions : rien n'a changé."

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
    "absence_format": "je n'ai pas compris les dates (exemples : `!absent du 20/12 au 04/01`, `!absent le 24/12`).",
    "absence_order": "la fin ({end}) est avant le début ({start}).",
    "absence_past": "cette période est déjà passée (elle finit le {end}).",
    "absence_too_long": "une absence dure au plus {days} jours ; pour une longue indisponibilité, tapez `!pause`.",
    "header": "pas de colonne matrix_id dans la première ligne (colonnes attendues : {columns}).",
    "header_semicolon": "pas de colonne matrix_id : le fichier semble séparé par des points-virgules ; enregistrez-le séparé par des virgules (colonnes : {columns}).",
    "empty": "le fichier est vide (colonnes attendues : {columns}).",
}
ROSTER_COLUMN = "colonne {column} : {problem}"
ROSTER_REJECTED = "ligne {line} : {problems}."
ROSTER_SUMMARY = "Import terminé : {added} ajouté(s), {updated} mis à jour, {rejected} rejeté(s), {unchanged} inchangé(s)."
ROSTER_UNREADABLE = "{path} : fichier illisible ({reason})."
ROSTER_NOT_UTF8 = "{path} : le fichier n'est pas en UTF-8 ; enregistrez-le au format « CSV UTF-8 »."
ROSTER_BAD_FILE = "{path} : {problem}"

CANDIDATES_TITLE = "Candidats pour la demande #{id} ({card}) :"
CANDIDATE_LINE = "{rank}. {name} — {score} pts : {reasons}"
CANDIDATES_MORE = "… et {count} autre(s)."
CANDIDATES_NONE = "Aucun candidat pour la demande #{id}."
CANDIDATES_EXCLUDED = "Écartés ({count}) : {groups}."
CANDIDATES_EXCLUDED_GROUP = "{reason} : {names}"
CANDIDATES_NOTE = "À noter : {note}."
CANDIDATES_NO_DATE = (
    "La demande #{id} n'a pas encore de date : je ne peux pas chercher de facilitateurs. "
    "Complétez-la dans son fil (par exemple « le 12 mars de 14h à 16h »)."
)


def field_problem(code: str, values: dict[str, object]) -> str:
    """The French sentence for a refused value (first letter capitalised)."""
    shown = {k: format_day(v) if isinstance(v, date) else v for k, v in values.items()}
    text = FIELD_PROBLEMS.get(code, "valeur invalide.").format(**shown)
    return text[0].upper() + text[1:]


def format_day(day: date) -> str:
    """« 20/12/2026 »."""
    return day.strftime("%d/%m/%Y")


def absence_range(start: date, end: date) -> str:
    """« du dimanche 20 décembre 2026 au lundi 4 janvier 2027 », or « le … » for one day."""
    if start == end:
        return ABSENCE_DAY.format(day=format_date(start))
    return ABSENCE_RANGE.format(start=format_date(start), end=format_date(end))


# -- schedule: reminders, network events, feedback (issue 6) ---------------------------------

REMINDER_FACILITATOR = "Rappel : vous facilitez la demande #{id} {lead}, {when}."
REMINDER_REQUESTER = "Rappel : la demande #{id} a lieu {lead}, {when}."
REMINDER_NOBODY_YET = "Personne n'est encore inscrit·e pour la faciliter."
FEEDBACK_ASK_REQUESTER = (
    "La demande #{id} a eu lieu. Comment cela s'est-il passé ? Donnez une note de 1 à 5 et, si "
    "vous le souhaitez, un commentaire : `{prefix}avis {id} 4 très bonne séance`."
)
FEEDBACK_ASK_FACILITATOR = (
    "Merci d'avoir facilité la demande #{id} ! Combien de temps y avez-vous passé, préparation "
    "comprise ? Répondez par exemple `{prefix}temps {id} 3h30`."
)
FEEDBACK_THANKS = "Merci pour votre avis sur la demande #{id} ({rating}/5)."
TIME_THANKS = "Merci, c'est noté : {spent} passées sur la demande #{id}."
RATING_INVALID = (
    "La note doit être un nombre de 1 à 5 (par exemple `{prefix}avis {id} 4 très bonne séance`)."
)
TIME_INVALID = "Je ne comprends pas la durée « {value} ». Écrivez par exemple `{prefix}temps {id} 3h30` ou `{prefix}temps {id} 45min`."
FEEDBACK_NOT_REQUESTER = "Seul l'auteur de la demande #{id} peut donner son avis dessus."
TIME_NOT_FACILITATOR = "Vous ne facilitez pas la demande #{id} : seul·es ses facilitateurs et facilitatrices indiquent leur temps."
FEEDBACK_CANCELLED = "La demande #{id} a été annulée : il n'y a pas d'avis à donner."

EVENT_CREATED = "Événement n° {id} enregistré : « {title} », {when}{where}."
EVENT_REMINDERS_PLANNED = "Rappels prévus dans le salon des facilitateurs : {list}."
EVENT_NO_REMINDERS = "Aucun rappel prévu : l'événement est trop proche."
EVENT_NO_ROOM = "Attention : aucun salon des facilitateurs n'est configuré ([rooms] facilitators), les rappels ne pourront pas partir."
EVENT_USAGE = (
    "Écrivez `{prefix}evenement <titre> le <date> à <heure> à <lieu>`, par exemple "
    "`{prefix}evenement Plénière des facilitateurs le 7 décembre à 14h à Bercy`, ou "
    "`{prefix}evenement annule <numéro>`."
)
EVENT_NO_DATE = "Je ne trouve pas la date de l'événement. " + EVENT_USAGE
EVENT_NO_TIME = "Je ne trouve pas l'heure de l'événement (par exemple « à 14h »). " + EVENT_USAGE
EVENT_NO_TITLE = "Il manque le titre de l'événement, avant la date. " + EVENT_USAGE
EVENT_PAST = "La date comprise, {when}, est déjà passée : je n'enregistre pas l'événement."
EVENT_UNKNOWN = "Je ne trouve pas l'événement n° {id}. Tapez `{prefix}evenements` pour voir ceux qui sont prévus."
EVENT_ALREADY_CANCELLED = "L'événement n° {id} est déjà annulé."
EVENT_CANCELLED = "L'événement n° {id} « {title} » est annulé ; ses rappels ne partiront pas."
EVENTS_NONE = "Aucun événement prévu. Pour en ajouter un : `{prefix}evenement Plénière des facilitateurs le 7 décembre à 14h à Bercy`."
EVENTS_TITLE = "Événements prévus ({count}) :"
EVENT_LINE = "• n° {id} — « {title} », {when}{where} — {count} participant·es{names}"
EVENT_REMINDER = (
    "@room Rappel : « {title} » a lieu {lead}, {when}{where}. Vous venez ? Répondez "
    "`{prefix}participe {id}` ou réagissez ✅ à ce message."
)
EVENT_CANCELLED_NOTICE = "Annulé : « {title} » (événement n° {id}), prévu {when}, n'aura pas lieu."
ATTEND_OK = "C'est noté, vous participez à « {title} » (événement n° {id}). À bientôt !"
ATTEND_ALREADY = "Vous êtes déjà inscrit·e à « {title} » (événement n° {id})."
ATTEND_CLOSED = "L'événement n° {id} n'est plus ouvert aux inscriptions (annulé ou passé)."
NOT_AN_EVENT_NUMBER = "« {value} » n'est pas un numéro d'événement."


def format_moment(moment: datetime, *, show_zone: bool = False) -> str:
    """« jeudi 12 mars 2027 à 9h00 » (with the zone name when it is not the usual one)."""
    text = f"{format_date(moment.date())} à {format_time(moment.time())}"
    if show_zone and moment.tzinfo is not None:
        text += f" (heure de {moment.tzinfo})"
    return text


def format_lead(delta: timedelta) -> str:
    """How far away something is: « dans 2 jours », « dans 2 heures », « dans 45 minutes »."""
    minutes = max(0, round(delta.total_seconds() / 60))
    if minutes >= 36 * 60:
        days = round(minutes / 1440)
        return f"dans {days} jours"
    if minutes >= 20 * 60:
        return "dans 1 jour"
    if minutes >= 90:
        return f"dans {round(minutes / 60)} heures"
    if minutes >= 55:
        return "dans 1 heure"
    if minutes < 1:
        return "dans quelques instants"
    return f"dans {minutes} minutes" if minutes != 1 else "dans 1 minute"


def format_spent(minutes: int) -> str:
    """« 3h30 », « 45 min »."""
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours}h{rest:02d}" if rest else f"{hours}h"


def offset_label(offset: timedelta) -> str:
    """« J-7 », « H-1 », « 30 min avant »."""
    seconds = int(offset.total_seconds())
    if seconds % 86400 == 0:
        return f"J-{seconds // 86400}"
    if seconds % 3600 == 0:
        return f"H-{seconds // 3600}"
    if seconds % 60 == 0:
        return f"{seconds // 60} min avant"
    return f"{seconds} s avant"


# -- chiffrement de bout en bout (issue 7) ----------------------------------------------------

UNDECRYPTABLE = (
    "Je n'arrive pas à lire votre message : il est chiffré et sa clé ne m'est pas parvenue. "
    "Pouvez-vous l'envoyer à nouveau ? Si cela se reproduit, vérifiez dans Tchap "
    "(Paramètres › Sécurité) que l'appareil de Facilibot n'est pas bloqué."
)
UNDECRYPTABLE_MANY = (
    "Je n'arrive pas à lire vos {count} derniers messages : ils sont chiffrés et leur clé ne "
    "m'est pas parvenue. Pouvez-vous les envoyer à nouveau ? Si cela se reproduit, vérifiez "
    "dans Tchap (Paramètres › Sécurité) que l'appareil de Facilibot n'est pas bloqué."
)

"""Words every feature shares: dates, durations, the request card, generic answers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.domain.content import Rendered, escape
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

# -- Words for people ---------------------------------------------------------------------------
# The few words that vary, said alike by every feature: epicene forms or both
# forms, never the point médian. Sentences write them out (so that each reads
# whole where it stands); tests/unit/test_words.py keeps the forms of AVOID out
# of every sentence of the handlers.
FACILITATORS = "facilitatrices et facilitateurs"
COORDINATION = "l'équipe de coordination"
REQUESTER = "la personne qui a fait la demande"
AVOID = {
    "facilitateurs et facilitatrices": FACILITATORS,  # one order everywhere
    "les facilitateurs": "les " + FACILITATORS,
    "des facilitateurs": "des " + FACILITATORS,
    "aux facilitateurs": "aux " + FACILITATORS,
    "un facilitateur": "une personne pour faciliter",
    "coordinateur": COORDINATION,
    "demandeur": REQUESTER,
    "auteur": REQUESTER,
    "·": "les deux formes, ou un mot épicène",
}
# Proper names and quotations that keep their words: a room, an event's title, a
# request as a person writes it.
AVOID_EXCEPT = (
    "salon des facilitateurs",
    "Plénière des facilitateurs",
    "On cherche 2 facilitateurs",
)

FACILITATORS_ONLY = "La commande `{prefix}{name}` est réservée aux facilitatrices et facilitateurs."

UNKNOWN_REQUEST = "Je ne trouve pas la demande #{id}. Tapez `{prefix}demandes` pour voir celles qui sont ouvertes."

CORRECTION_HINT = "Pour corriger, modifiez votre message ou répondez dans ce fil (ex. « le 12 mars de 14h à 16h à Bercy »)."

ASK_MISSING = (
    "Pour trouver quelqu'un, il me manque {what}. Répondez dans ce fil, par exemple « {example} »."
)


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
    """« 1 personne pour faciliter », « 2 personnes pour faciliter » (epicene)."""
    return f"{count} personne" + ("s" if count > 1 else "") + " pour faciliter"


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


def describe_changes(before: RequestDetails, after: RequestDetails) -> list[str]:
    """Each aspect of a request that changed, « date : mardi 12 → jeudi 14 »."""
    old, new = _aspects(before), _aspects(after)
    return [f"{label} : {old[label]} → {new[label]}" for label in new if old[label] != new[label]]


def _aspects(details: RequestDetails) -> dict[str, str]:
    """What a reader sees of each aspect of a request, by label."""
    if details.start_time and details.end_time:
        hours = f"{format_time(details.start_time)}–{format_time(details.end_time)}"
    elif details.start_time:
        hours = f"à {format_time(details.start_time)}"
    elif details.duration_minutes:
        hours = format_duration(details.duration_minutes)
    else:
        hours = "à préciser"
    place = details.location or (MODALITY_LABELS.get(details.modality or "") or "à préciser")
    if details.location and details.modality in ("hybride", "distanciel"):
        place = f"{details.location} ({MODALITY_LABELS[details.modality]})"
    return {
        "date": format_date(details.event_date) if details.event_date else "à préciser",
        "horaire": hours,
        "lieu": place,
        "participants": str(details.participants) if details.participants else "non précisé",
        "facilitation": facilitators_label(details.facilitators_needed),
        "format": FORMAT_LABELS.get(details.format or "", details.format or "non précisé"),
        "direction": details.directorate or "non précisée",
    }


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


WHO_LINE = "Facilitation : {names}."


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


def names_list(user_ids: list[str]) -> str:
    """« Karim, Léa et Paul » (names, or anything listed)."""
    if not user_ids:
        return "personne"
    if len(user_ids) == 1:
        return user_ids[0]
    return ", ".join(user_ids[:-1]) + " et " + user_ids[-1]


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

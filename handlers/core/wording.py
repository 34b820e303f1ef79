"""Words every feature shares: dates, durations, the request card, generic answers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.domain.calendar_words import MONTHS, MONTHS_EN, WEEKDAYS, WEEKDAYS_EN
from bot.domain.content import Rendered, escape
from bot.domain.profiles import name_from_id
from bot.domain.requests import FORMAT_LABELS, Request, RequestDetails, Session
from handlers.core.language import Say

FORMAT_LABELS_EN = {
    "atelier": "workshop",
    "seminaire": "seminar",
    "pleniere": "plenary",
    "codeveloppement": "codevelopment",
    "world_cafe": "world café",
    "forum_ouvert": "open forum",
    "design_sprint": "design sprint",
    "hackathon": "hackathon",
    "retrospective": "retrospective",
    "reunion": "meeting",
}

MODALITY_LABELS = {"presentiel": "sur place", "distanciel": "à distance", "hybride": "hybride"}

MODALITY_LABELS_EN = {"presentiel": "on site", "distanciel": "remote", "hybride": "hybrid"}

MISSING_LABELS = {
    "event_date": Say("la date", "the date"),
    "start_time": Say("l'heure de début", "the start time"),
    "place": Say("le lieu (ou « en visio »)", "the place (or “online”)"),
}

MISSING_EXAMPLES = {
    "event_date": Say("le 12 mars", "on 12 March"),
    "start_time": Say("de 14h à 16h", "from 2pm to 4pm"),
    "place": Say("à Bercy", "at Bercy"),
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

FACILITATORS_ONLY = Say(
    "La commande `{prefix}{name}` est réservée aux facilitatrices et facilitateurs.",
    "The command `{prefix}{name}` is for facilitators.",
)

UNKNOWN_REQUEST = Say(
    "Je ne trouve pas la demande #{id}. Tapez `{prefix}demandes` pour voir celles qui sont ouvertes.",
    "I can't find request #{id}. Type `{prefix}requests` to see the open ones.",
)

CORRECTION_HINT = Say(
    "Pour corriger, modifiez votre message ou répondez dans ce fil (ex. « le 12 mars de 14h à 16h à Bercy »).",
    "To correct it, edit your message or reply in this thread (e.g. “on 12 March from 2pm to 4pm at Bercy”).",
)

ASK_MISSING = Say(
    "Pour trouver quelqu'un, il me manque {what}. Répondez dans ce fil, par exemple « {example} ».",
    "To find someone, I still need {what}. Reply in this thread, for example “{example}”.",
)

# The few words of a card and of a list, by language.
_WORDS = {
    "fr": {
        "request": "Demande",
        "topic": "Objet",
        "date?": "date à préciser",
        "hours?": "horaire à préciser",
        "place?": "lieu à préciser",
        "at": "à",
        "hybrid": "hybride",
        "tbd": "à préciser",
        "unset": "non précisé",
        "unset_f": "non précisée",
        "and": "et",
        "nobody": "personne",
        "a_day": "une journée",
        "half_day": "une demi-journée",
    },
    "en": {
        "request": "Request",
        "topic": "Topic",
        "date?": "date to be set",
        "hours?": "time to be set",
        "place?": "place to be set",
        "at": "at",
        "hybrid": "hybrid",
        "tbd": "to be set",
        "unset": "not given",
        "unset_f": "not given",
        "and": "and",
        "nobody": "nobody",
        "a_day": "a full day",
        "half_day": "half a day",
    },
}

# The aspects of a request, as `describe_changes` names them.
_ASPECTS = {
    "fr": ("date", "horaire", "lieu", "participants", "facilitation", "format", "direction"),
    "en": ("date", "time", "place", "participants", "facilitation", "format", "directorate"),
}


def _w(lang: str) -> dict[str, str]:
    return _WORDS["en" if lang == "en" else "fr"]


def format_label(code: str | None, lang: str = "fr") -> str:
    """A format's name: « séminaire », "seminar"."""
    labels = FORMAT_LABELS_EN if lang == "en" else FORMAT_LABELS
    return labels.get(code or "", code or "")


def modality_label(code: str, lang: str = "fr") -> str:
    """« sur place », "remote"."""
    return (MODALITY_LABELS_EN if lang == "en" else MODALITY_LABELS)[code]


def format_date(day: date, lang: str = "fr") -> str:
    """« mardi 12 mars 2027 », "Tuesday 12 March 2027"."""
    if lang == "en":
        return f"{WEEKDAYS_EN[day.weekday()]} {day.day} {MONTHS_EN[day.month - 1]} {day.year}"
    first = "1er" if day.day == 1 else str(day.day)  # « lundi 1er mars »
    return f"{WEEKDAYS[day.weekday()]} {first} {MONTHS[day.month - 1]} {day.year}"


def format_time(moment: time, lang: str = "fr") -> str:
    """« 14h00 », "14:00"."""
    if lang == "en":
        return f"{moment.hour}:{moment.minute:02d}"
    return f"{moment.hour}h{moment.minute:02d}"


def format_duration(minutes: int, lang: str = "fr") -> str:
    """« 2h30 », « 45 min », « une journée »."""
    if minutes == 420:
        return _w(lang)["a_day"]
    if minutes == 240:
        return _w(lang)["half_day"]
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours}h{rest:02d}" if rest else f"{hours}h"


def facilitators_label(count: int, lang: str = "fr") -> str:
    """« 1 personne pour faciliter », « 2 personnes pour faciliter » (epicene)."""
    if lang == "en":
        return f"{count} facilitator" + ("s" if count > 1 else "")
    return f"{count} personne" + ("s" if count > 1 else "") + " pour faciliter"


def _hours(details: RequestDetails, lang: str) -> str | None:
    """« 14h00–16h00 », « à 14h00 (2h) », « 2h », or None."""
    if details.start_time and details.end_time:
        return f"{format_time(details.start_time, lang)}–{format_time(details.end_time, lang)}"
    if details.start_time:
        extra = (
            f" ({format_duration(details.duration_minutes, lang)})"
            if details.duration_minutes
            else ""
        )
        return f"{_w(lang)['at']} {format_time(details.start_time, lang)}{extra}"
    if details.duration_minutes:
        return format_duration(details.duration_minutes, lang)
    return None


def describe_details(details: RequestDetails, lang: str = "fr") -> list[str]:
    """The card's pieces, in reading order: format, date, times, place, people, need."""
    w = _w(lang)
    parts: list[str] = []
    if details.format:
        parts.append(format_label(details.format, lang))
    parts.append(format_date(details.event_date, lang) if details.event_date else w["date?"])
    parts.append(_hours(details, lang) or w["hours?"])
    if details.location and details.modality == "hybride":
        parts.append(f"{details.location} ({w['hybrid']})")
    elif details.location:
        parts.append(details.location)
    elif details.modality:
        parts.append(modality_label(details.modality, lang))
    else:
        parts.append(w["place?"])
    if details.participants:
        parts.append(f"{details.participants} participants")
    parts.append(facilitators_label(details.facilitators_needed, lang))
    if details.directorate:
        parts.append(details.directorate)
    return parts


def describe_changes(before: RequestDetails, after: RequestDetails, lang: str = "fr") -> list[str]:
    """Each aspect of a request that changed, « date : mardi 12 → jeudi 14 »."""
    old, new = _aspects(before, lang), _aspects(after, lang)
    colon = ":" if lang == "en" else " :"
    return [
        f"{label}{colon} {old[label]} → {new[label]}" for label in new if old[label] != new[label]
    ]


def _aspects(details: RequestDetails, lang: str) -> dict[str, str]:
    """What a reader sees of each aspect of a request, by label."""
    w = _w(lang)
    place = details.location or (
        modality_label(details.modality, lang) if details.modality else w["tbd"]
    )
    if details.location and details.modality in ("hybride", "distanciel"):
        place = f"{details.location} ({modality_label(details.modality, lang)})"
    values = (
        format_date(details.event_date, lang) if details.event_date else w["tbd"],
        _hours(details, lang) or w["tbd"],
        place,
        str(details.participants) if details.participants else w["unset"],
        facilitators_label(details.facilitators_needed, lang),
        format_label(details.format, lang) or w["unset"],
        details.directorate or w["unset_f"],
    )
    return dict(zip(_ASPECTS["en" if lang == "en" else "fr"], values, strict=True))


def request_card(request: Request, missing: tuple[str, ...] = (), lang: str = "fr") -> Rendered:
    """The summary card: one compact line, the topic, then how to correct or what is missing."""
    lines = [card_summary(request, lang)]
    if missing:
        lines.append(ask_missing(missing, lang))
    else:
        lines.append(Rendered.text(CORRECTION_HINT.in_(lang)))
    return Rendered.join(lines)


def ask_missing(missing: tuple[str, ...], lang: str = "fr") -> Rendered:
    """One short question for everything that is missing."""
    labels = [MISSING_LABELS[m].in_(lang) for m in missing]
    what = and_list(labels, lang)
    example = " ".join(MISSING_EXAMPLES[m].in_(lang) for m in missing)
    return Rendered.text(ASK_MISSING.in_(lang).format(what=what, example=example))


WHO_LINE = Say("Facilitation : {names}.", "Facilitation: {names}.")


def card_summary(request: Request, lang: str = "fr") -> Rendered:
    """The card's first lines (what, when, where; the topic), without the hints."""
    w = _w(lang)
    parts = describe_details(request.details, lang)
    head = Rendered(
        body=f"{w['request']} #{request.id} — " + ", ".join(parts),
        html=f"<strong>{w['request']} #{request.id}</strong> — " + escape(", ".join(parts)),
    )
    lines = [head, *_cycle_lines(request, lang)]
    if not request.details.topic:
        return Rendered.join(lines) if len(lines) > 1 else head
    colon = ":" if lang == "en" else " :"
    topic = Rendered(
        body=f"{w['topic']}{colon} {request.details.topic}",
        html=f"<em>{w['topic']}{colon}</em> {escape(request.details.topic)}",
    )
    return Rendered.join([*lines, topic])


SESSIONS_LINE = Say("Séances : {sessions}.", "Sessions: {sessions}.")
SESSION_CANCELLED = Say("annulée", "cancelled")
RESERVE_LINE = Say(
    "En réserve : {who}, dans l'ordre d'arrivée, pour la prochaine place libérée.",
    "In reserve: {who}, first come first served, for the next place that opens.",
)


def session_label(session: Session, lang: str = "fr") -> str:
    """« 2) jeudi 11 février 2027, 14h00–16h30 » (« annulée » when it is)."""
    text = f"{session.number}) {format_date(session.day, lang)}"
    if session.start_time and session.end_time:
        text += f", {format_time(session.start_time, lang)}–{format_time(session.end_time, lang)}"
    elif session.start_time:
        text += f", {_w(lang)['at']} {format_time(session.start_time, lang)}"
    if session.cancelled:
        text += f" ({SESSION_CANCELLED.in_(lang)})"
    return text


LEAD_LINE = Say("Personne référente : {name}.", "Lead facilitator: {name}.")


def _cycle_lines(request: Request, lang: str) -> list[Rendered]:
    """Every session of a cycle, who leads a mission of several, how many wait in reserve."""
    lines = []
    if request.lead and request.details.facilitators_needed >= 2:
        name = request.lead_name or name_from_id(request.lead)
        lines.append(Rendered.text(LEAD_LINE.in_(lang).format(name=name)))
    if len(request.details.sessions) >= 2:
        listed = " ; ".join(session_label(s, lang) for s in request.details.sessions)
        lines.append(Rendered.text(SESSIONS_LINE.in_(lang).format(sessions=listed)))
    if request.reserve:
        count = len(request.reserve)
        if lang == "en":
            who = f"{count} person" if count == 1 else f"{count} people"
        else:
            who = f"{count} personne" + ("s" if count > 1 else "")
        lines.append(Rendered.text(RESERVE_LINE.in_(lang).format(who=who)))
    return lines


def and_list(items: list[str], lang: str = "fr") -> str:
    """« a, b et c », "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {_w(lang)['and']} " + items[-1]


def names_list(user_ids: list[str], lang: str = "fr") -> str:
    """« Karim, Léa et Paul » (names; « personne » when there is nobody)."""
    return and_list(user_ids, lang) if user_ids else _w(lang)["nobody"]


def format_moment(moment: datetime, *, show_zone: bool = False, lang: str = "fr") -> str:
    """« jeudi 12 mars 2027 à 9h00 » (with the zone name when it is not the usual one)."""
    text = f"{format_date(moment.date(), lang)} {_w(lang)['at']} {format_time(moment.time(), lang)}"
    if show_zone and moment.tzinfo is not None:
        text += f" ({moment.tzinfo} time)" if lang == "en" else f" (heure de {moment.tzinfo})"
    return text


_LEAD = {
    "fr": ("dans {n} jours", "dans 1 jour", "dans {n} heures", "dans 1 heure",
           "dans quelques instants", "dans {n} minutes", "dans 1 minute"),
    "en": ("in {n} days", "in 1 day", "in {n} hours", "in 1 hour", "in a moment",
           "in {n} minutes", "in 1 minute"),
}  # fmt: skip


def format_lead(delta: timedelta, lang: str = "fr") -> str:
    """How far away something is: « dans 2 jours », « dans 2 heures », « dans 45 minutes »."""
    days, day, hours, hour, moment, mins, one = _LEAD["en" if lang == "en" else "fr"]
    minutes = max(0, round(delta.total_seconds() / 60))
    if minutes >= 36 * 60:
        return days.format(n=round(minutes / 1440))
    if minutes >= 20 * 60:
        return day
    if minutes >= 90:
        return hours.format(n=round(minutes / 60))
    if minutes >= 55:
        return hour
    if minutes < 1:
        return moment
    return mins.format(n=minutes) if minutes != 1 else one

"""Find the date of the requested event among the dates a message mentions."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache
from itertools import pairwise

from bot.parsing import fallback
from bot.parsing.labels import mask_titles
from bot.parsing.numbers import to_int
from bot.parsing.vocabulary import vocabulary

log = logging.getLogger(__name__)

_SUFFIX = r"(?:er|ere|eme|e|st|nd|rd|th)?"
_CLAUSE_END = re.compile(r"[.;:!?\n,]")


@dataclass
class Mention:
    """One date mentioned in the text, with what it is for."""

    start: int
    end: int
    day: date
    role: str = "event"  # event, secondary, new (rescheduled to), excluded


@dataclass(frozen=True)
class _Patterns:
    iso: re.Pattern[str]
    numeric: re.Pattern[str]
    day_range: re.Pattern[str]
    day_month: re.Pattern[str]
    month_day: re.Pattern[str]
    weekday_day: re.Pattern[str]
    bare_day: re.Pattern[str]
    offset: tuple[tuple[re.Pattern[str], int], ...]
    in_weeks: re.Pattern[str]
    next_week_day: re.Pattern[str]
    weekday: re.Pattern[str]
    gap_to_date: re.Pattern[str]
    day_list: re.Pattern[str]
    sending_day: re.Pattern[str]
    week_of: re.Pattern[str]
    week_day_after: re.Pattern[str]


@cache
def _patterns() -> _Patterns:
    """Compile the date patterns from the vocabulary."""
    v = vocabulary()
    wd, mo = v.weekday_re, v.month_re
    mo_en = "|".join(sorted(v.raw["dates"]["months_en"], key=len, reverse=True))
    num = v.number_re
    nw = v.raw["dates"]["next_week"]
    not_time = r"(?!\s*(?:h\b|h\d|:\d|\.\d|/|%|am\b|pm\b|\d))"
    return _Patterns(
        iso=re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"),
        numeric=re.compile(
            r"(?<![\d/.:])(\d{1,2})(?:/(\d{1,2})(?:/(\d{4}|\d{2}))?|[.-](\d{1,2})[.-](\d{4}|\d{2}))"
            r"(?![\d/]|[.:]\d)"
        ),
        day_range=re.compile(
            rf"\b(?:du|from|entre le|entre|between|des|les|le|on|the)\s+(?:(?:{wd})s?\s+)?"
            rf"(\d{{1,2}}){_SUFFIX}"
            rf"\s*(?:au|a|-|to|et(?: le)?|and|&)\s*(?:(?:{wd})\s+)?(\d{{1,2}}){_SUFFIX}\s+"
            rf"(?:of\s+)?({mo})\b\.?(?:\s+(\d{{4}}))?"
        ),
        day_month=re.compile(
            rf"\b(\d{{1,2}}|premier){_SUFFIX}\s*(?:of\s+)?({mo})\b\.?(?:,?\s+(\d{{4}}))?"
        ),
        month_day=re.compile(
            rf"\b({mo_en})\b\.?\s+(?:the\s+)?(\d{{1,2}}){_SUFFIX}\b{not_time}(?:,?\s+(\d{{4}}))?"
        ),
        weekday_day=re.compile(
            rf"\b({wd})\s+(\d{{1,2}}){_SUFFIX}\b{not_time}(?!\s*(?:a|to|-|et|till|until)\s*\d)"
        ),
        bare_day=re.compile(
            rf"\b(?:le|the)\s+(\d{{1,2}}){_SUFFIX}\b(?=\s*(?:[,;.!?)]|$|\n|de \d|a \d|au |"
            r"matin|apres|toute|prochain|from|at |in |en |dans |pour |sur |dans|\d{1,2}h))"
        ),
        offset=tuple((re.compile(rf"\b(?:{p})\b"), n) for p, n in v.raw["dates"]["offsets"]),
        in_weeks=re.compile(
            r"\b(?:dans|in)\s+(quinze jours|15 jours|a fortnight|huit jours|8 jours)\b|"
            rf"\b(?:dans|in|d'ici|sous)\s+(?:environ\s+|about\s+)?(une|a|{num})\s+"
            r"(semaines?|weeks?|jours?|days?|quinzaine)\b"
        ),
        next_week_day=re.compile(
            rf"\b(?:{nw}),?\s+(?:le\s+|on\s+)?({wd})\b|\b({wd})\s+(?:de\s+|of\s+)?(?:{nw})\b"
        ),
        weekday=re.compile(
            rf"\b(?:(ce|cet|this|next|on|le|coming|this coming)\s+)?({wd})\b(?!-)"
            r"(?:\s+(prochain|next|en huit|dernier|last|passe))?"
        ),
        # "jeudi 3 décembre", "Thursday afternoon, Feb 18": the weekday of the date that follows.
        gap_to_date=re.compile(
            r"[\s,]*(?:(?:matin|apres-midi|soir|morning|afternoon|evening)[\s,]*)?"
            r"(?:(?:le|the)\s+)?$"
        ),
        # "les mardis 1er, 8, 15 et 22 décembre": the series starts on its first day.
        day_list=re.compile(
            rf"\b(\d{{1,2}}){_SUFFIX}(?:\s*,\s*\d{{1,2}}{_SUFFIX})*"
            rf"(?:\s*,\s*\d{{1,2}}{_SUFFIX}|\s*,?\s*(?:et|and|&)\s*\d{{1,2}}{_SUFFIX})\s+({mo})\b"
        ),
        sending_day=re.compile(rf"\b(?:{v.raw['dates']['sending_day']})"),
        week_of=re.compile(v.raw["dates"]["week_of"]),
        week_day_after=re.compile(rf"[^.;!?\n]{{0,40}}?\b(?:le |on (?:the )?|the )?({wd})\b"),
    )


def _next_on_or_after(today: date, month: int, day: int) -> date | None:
    """Return the next (month, day) on or after `today`."""
    for year in (today.year, today.year + 1, today.year + 2, today.year + 3, today.year + 4):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


def _make(year: str | None, month: int, day: int, today: date) -> date | None:
    """Build a date, resolving a missing year to the next occurrence."""
    if not year:
        return _next_on_or_after(today, month, day)
    full = int(year) + (2000 if len(year) == 2 else 0)
    try:
        return date(full, month, day)
    except ValueError:
        return None


def _next_day_of_month(today: date, day: int) -> date | None:
    """Return the next date on or after today whose day of month is `day`."""
    year, month = today.year, today.month
    for _ in range(13):
        try:
            candidate = date(year, month, day)
        except ValueError:
            candidate = None
        if candidate is not None and candidate >= today:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _next_weekday(today: date, weekday: int) -> date:
    """Return the next such weekday strictly after `today`."""
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _overlaps(spans: list[Mention], start: int, end: int) -> bool:
    return any(m.start < end and start < m.end for m in spans)


def _explicit(text: str, today: date) -> list[Mention]:
    """Collect dates written with a day number."""
    p, v = _patterns(), vocabulary()
    found: list[Mention] = []

    def add(start: int, end: int, day: date | None, role: str = "event") -> None:
        if day is not None and not _overlaps(found, start, end):
            found.append(Mention(start, end, day, role))

    for m in p.day_range.finditer(text):
        month, year = v.months[m.group(3)], m.group(4)
        first, second = _make(year, month, int(m.group(2)), today), None
        if first is not None:
            second = first
            start = _make(year, month, int(m.group(1)), today)
            if start is not None and start > first:  # "du 28 au 3 janvier" spans a month end
                start = _make(year, month - 1 or 12, int(m.group(1)), today)
            add(m.start(1), m.end(1), start)
            add(m.start(2), m.end(), second, "secondary")
    for m in p.day_list.finditer(text):
        if "," in m.group(0):
            add(m.start(), m.end(), _make(None, v.months[m.group(2)], int(m.group(1)), today))
    for m in p.iso.finditer(text):
        add(m.start(), m.end(), _make(m.group(1), int(m.group(2)), int(m.group(3)), today))
    for m in p.day_month.finditer(text):
        day = 1 if m.group(1) == "premier" else int(m.group(1))
        add(m.start(), m.end(), _make(m.group(3), v.months[m.group(2)], day, today))
    for m in p.month_day.finditer(text):
        add(m.start(), m.end(), _make(m.group(3), v.months[m.group(1)], int(m.group(2)), today))
    for m in p.numeric.finditer(text):
        month = int(m.group(2) or m.group(4))
        if 1 <= month <= 12:
            add(m.start(), m.end(), _make(m.group(3) or m.group(5), month, int(m.group(1)), today))
    for m in p.weekday_day.finditer(text):
        add(m.start(), m.end(), _weekday_and_day(today, v.weekdays[m.group(1)], int(m.group(2))))
    return found


def _weekday_and_day(today: date, weekday: int, day: int) -> date | None:
    """Return the next date on or after today with this weekday and day of month."""
    candidate = today
    for _ in range(430):
        if candidate.day == day and candidate.weekday() == weekday:
            return candidate
        candidate += timedelta(days=1)
    return None


def _relative(text: str, today: date, found: list[Mention]) -> list[Mention]:
    """Collect relative dates: offsets, weeks, weekdays."""
    p, v = _patterns(), vocabulary()
    out: list[Mention] = []

    def add(start: int, end: int, day: date, role: str = "event") -> None:
        if not _overlaps(found + out, start, end):
            out.append(Mention(start, end, day, role))

    for pattern, days in p.offset:
        for m in pattern.finditer(text):
            if days and _of_the_future(text, m.start(), m.end()):
                continue
            add(m.start(), m.end(), today + timedelta(days=days))
    for m in p.in_weeks.finditer(text):
        if m.group(1):
            days = 7 if m.group(1).startswith(("huit", "8")) else 14
        else:
            count = 1 if m.group(2) in ("une", "a") else to_int(m.group(2))
            unit = m.group(3)
            if count is None or count > 60:
                continue
            days = 15 if unit == "quinzaine" else count * (7 if unit[0] in "sw" else 1)
        add(m.start(), m.end(), today + timedelta(days=days))
    for m in p.next_week_day.finditer(text):
        weekday = v.weekdays[m.group(1) or m.group(2)]
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
        add(m.start(), m.end(), monday + timedelta(days=weekday))
    for m in p.weekday.finditer(text):
        if any(x.start >= m.end() and p.gap_to_date.match(text[m.end() : x.start]) for x in found):
            continue  # "jeudi 3 décembre": the explicit date governs
        day = _next_weekday(today, v.weekdays[m.group(2)])
        modifier = m.group(3) or ""
        if modifier == "en huit":
            day += timedelta(days=7)
        role = "excluded" if modifier in ("dernier", "last", "passe") else "event"
        add(m.start(), m.end(), day, role)
    return out


# "les métiers de demain", "l'accueil de demain", "the office of tomorrow": the future, not a
# day; only an event or a moment of the day is "de demain" ("la réunion d'équipe de demain
# matin", "le point de demain", "tomorrow's session").
_OF = re.compile(r"((?:[a-z'-]+\s+){0,2}[a-z'-]+)\s+(?:de|d'|of)\s*$")
_MOMENTS = frozenset(
    "point rdv rendez-vous animation facilitation intervention creneau programme planning"
    " journee matinee soiree apres-midi matin soir call visio comite copil codir evenement"
    " prepa preparation debrief ordre lancement kick-off session seance".split()
)
_PART_OF_DAY = re.compile(r"'s\b|\s+(?:matin|soir|apres-midi|morning|afternoon|evening|a \d|at \d)")


def _of_the_future(text: str, start: int, end: int) -> bool:
    """Whether "demain" at `start` completes a noun that is no event ("le bureau de demain")."""
    m = _OF.search(text, max(0, start - 40), start)
    if m is None or _PART_OF_DAY.match(text, end):
        return False
    words = m.group(1)
    if vocabulary().pattern("dates", "event_words").search(words):
        return False
    return words.split()[-1] not in _MOMENTS


def _weeks_of(text: str, found: list[Mention]) -> None:
    """Read "la semaine du 8 février, le mardi" as that week's Tuesday; alone, as no day."""
    p, v = _patterns(), vocabulary()
    for mention in found:
        if not p.week_of.search(text[max(0, mention.start - 20) : mention.start]):
            continue
        m = p.week_day_after.match(text, mention.end)
        if m is None:
            mention.role = "excluded"  # "la semaine du 18 janvier (jour à caler)"
            continue
        monday = mention.day - timedelta(days=mention.day.weekday())
        mention.day = monday + timedelta(days=v.weekdays[m.group(1)])
        mention.end = m.end()  # the weekday belongs to this date, not to a new one


_ROOM_BOOKED = re.compile(
    r"\b(?:reserv|book|bloqu|confirm|pos)\w*\s+(?:la|une|notre|the|a|our)\s+(?:salle|room|amphi\w*"
    r"|auditorium|venue|option)\b(?:(?!\b(?:pour|for)\b)[^.;:!?\n]){0,15}$"
    r"|\b(?:salle|room|amphi\w*|auditorium|venue)\s+(?:\w+\s+)?(?:reservee?|booked|bloquee?"
    r"|confirmee?|confirmed)\b(?:(?!\b(?:pour|for)\b)[^.;:!?\n]){0,15}$"
)
_AS_OF = re.compile(r"(?<!\bjusqu')\b(?:au|a compter du|as of)\s+$")


@cache
def _weekday_end() -> re.Pattern[str]:
    return re.compile(rf"\b(?:{vocabulary().weekday_re})\s*$")


def _classify(text: str, mention: Mention, today: date) -> None:
    """Mark a mention as a deadline, a past event, an old or a new date."""
    pat = vocabulary().pattern
    prefix = text[max(0, mention.start - 90) : mention.start]
    clause = _CLAUSE_END.split(prefix)[-1]
    suffix = text[mention.end : mention.end + 40]
    if pat("dates", "past_before").search(clause) or pat("dates", "past_after").match(suffix):
        mention.role = "excluded"
    elif pat("dates", "deadline_before").search(prefix) or pat("dates", "deadline_after").match(
        suffix
    ):
        mention.role = "excluded"
    elif _answer_cue(clause):
        mention.role = "excluded"
    elif pat("dates", "old_before").search(clause) or pat("dates", "cancelled_after").match(suffix):
        mention.role = "excluded"
    elif pat("dates", "reschedule_clause").search(clause):
        # "il passe du jeudi 19 au mardi 24 novembre": the weekday belongs to the old date.
        from_before = pat("dates", "from_before").search(_weekday_end().sub("", clause))
        mention.role = "excluded" if from_before else "new"
    elif _ROOM_BOOKED.search(clause):
        # "nous avons réservé la salle dès le 20 novembre pour un atelier le 10 décembre":
        # the day a room is booked or confirmed, not the day it is booked for.
        mention.role = "excluded"
    elif _AS_OF.search(clause):
        # "les trésoreries fusionnent au 1er janvier": a date something takes effect, not
        # the day of an event (which is "le 1er octobre"); kept only when nothing else is.
        mention.role = "secondary"
    if mention.role in ("event", "new") and _told_as_past(text, mention, today):
        mention.role = "excluded"
    if mention.role in ("event", "new") and mention.day < today:
        # A date written with a year that has already gone: the bot refuses it.
        mention.role = "past"


# A verb in a past tense: an auxiliary and a past participle ("nous avons eu", "on avait
# fait", "s'est tenue") or an English simple past of holding an event ("we had", "we ran").
_PAST_TENSE = re.compile(
    r"\b(?:avons|avions|avez|aviez|ai|avais|avait|ont|avaient|a|il y a eu|s.est|se sont|sommes"
    r"|etions|etait|etaient)\s+(?:(?:deja|bien|tres|vraiment|super|plutot|si|eu|fait|tous"
    r"|toutes|ensemble|ici|enfin|officiellement|finalement)\s+)*"
    r"(?:eu|fait|tenu|tenue|vecu|connu|organise|anime|facilite|lance|mene|realise|commence"
    r"|demarre|deroulee?|passee?|reuni|rencontre|teste|essaye|suivi|valide|recu|decide|acte"
    r"|presente|ouvert|termine|signe|cloture|annonce|fini|acheve|vote|arbitre|donne|obtenu"
    r"|envoye|publie|lancee?|tenue?s?|reunie?s?)\b"
    r"|\b(?:we|i|they|the team)\s+(?:(?:already|first|also|officially|finally)\s+)?(?:had"
    r"|held|ran|did|hosted|organi[sz]ed|facilitated|tried|started|kicked off|launched|got"
    r"|received|approved|decided|signed|agreed)\b"
    r"|\b(?:approved|validated|decided|agreed|signed|kicked off|launched|started|received)"
    r"(?:\s+(?:it|this|that|the \w+))?\s+(?:on|the)\s*$"
)


def _told_as_past(text: str, mention: Mention, today: date) -> bool:
    """Whether a date with no year is a session already held, told in a past tense.

    "Nous avons eu le 2 octobre une première réunion" (sent on 16 October) names last
    2 October, though a date with no year reads as the next one: a day that came round
    within the last months, in a clause whose verb is past, is that past day. A coming day
    told in a past tense ("on a calé l'atelier le 12 décembre") stays the event's.
    """
    if re.search(r"\d{4}", text[mention.start : mention.end]):
        return False  # a year written is used as given
    try:
        last = mention.day.replace(year=mention.day.year - 1)
    except ValueError:
        return False
    if not today - timedelta(days=200) <= last < today:
        return False
    before = _CLAUSE_END.split(text[max(0, mention.start - 60) : mention.start])[-1]
    after = _CLAUSE_END.split(text[mention.end : mention.end + 60])[0]
    return bool(_PAST_TENSE.search(before) or _PAST_TENSE.search(after))


def _answer_cue(clause: str) -> bool:
    """Whether the clause before a date asks for an answer by then ("merci de répondre avant")."""
    pat = vocabulary().pattern
    cues = list(pat("dates", "deadline_clause").finditer(clause))
    return bool(cues) and not pat("dates", "event_words").search(clause[cues[-1].end() :])


def mentions(text: str, today: date) -> list[Mention]:
    """Return every date mentioned in normalised `text`, classified, in order."""
    # What the writer says about the sending day is not the event's date, nor is a title's word
    # ("atelier « l'accueil de demain »").
    text = _patterns().sending_day.sub(lambda m: " " * len(m.group(0)), mask_titles(text))
    found = _explicit(text, today)
    _weeks_of(text, found)
    found += _relative(text, today, found)
    if not found:
        bare = _patterns().bare_day
        for m in bare.finditer(text):
            day = _next_day_of_month(today, int(m.group(1)))
            if day is not None:
                found.append(Mention(m.start(), m.end(), day))
    if not found:
        found = [Mention(s, e, d) for s, e, d in fallback.search(text, today)]
    found.sort(key=lambda m: m.start)
    _corrected(text, found)
    for mention in found:
        if mention.role in ("event", "new"):
            _classify(text, mention, today)
        elif mention.role == "secondary" and _moved_to(text, mention):
            mention.role = "new"  # "il passe du 19 au 24 novembre": to the 24th
    # An event moved to a new day ("le 16 octobre tombe à l'eau, il est décalé au 24
    # novembre", "la date du 31 mai ne tient plus, on passe au 9 juin"): the days said
    # before it are the ones it leaves, not sessions of a series.
    moved = next((m.start for m in found if m.role == "new"), None)
    if moved is not None:
        for mention in found:
            if mention.start < moved and mention.role == "event":
                mention.role = "excluded"
    return found


# The writer takes a date back and gives another ("mercredi prochain — non pardon, celui
# d'après, le mercredi 16", "on the 12th, sorry, I mean the 13th"): the later one stands.
_CORRECTION = re.compile(
    r"[^.!?\n]{0,40}?\b(?:non|no|nope|pardon|sorry|oops|oups|euh|erm|i mean|i meant"
    r"|je veux dire|je voulais dire|enfin non|ou plutot|or rather|correction|rectification"
    r"|erratum|my bad|autant pour moi|au temps pour moi|je me suis trompee?|scratch that)\b"
    r"[^.!?\n]{0,40}$"
)


_NEGATED = re.compile(r"\b(?:pas|not)\s+(?:le\s+|la\s+|on\s+|the\s+)?$")


def _corrected(text: str, found: list[Mention]) -> None:
    """Set aside a date the writer corrects right after writing it, or says is not it."""
    for mention in found:
        if _NEGATED.search(text, max(0, mention.start - 12), mention.start):
            mention.role = "excluded"  # "mardi 13, non pas le lundi", "not on Monday"
    for mention, following in pairwise(found):
        if following.role == "excluded":
            continue
        if following.day != mention.day and _CORRECTION.match(text, mention.end, following.start):
            mention.role = "excluded"


def _moved_to(text: str, mention: Mention) -> bool:
    """Whether the second date of a range is where a rescheduled event moves to."""
    clause = _CLAUSE_END.split(text[max(0, mention.start - 90) : mention.start])[-1]
    return bool(vocabulary().pattern("dates", "reschedule_clause").search(clause))


@lru_cache(maxsize=16)
def read_once(text: str, today: date) -> tuple[Mention, ...]:
    """The mentions of a message, read once for its event date and its past date."""
    return tuple(mentions(text, today))


# The writer leaves the day to choose ("jour au choix entre mardi et jeudi", "any day
# next week", "between Tuesday and Thursday"): a weekday named then is one option, no date.
@cache
def _open_day() -> re.Pattern[str]:
    wd = vocabulary().weekday_re
    return re.compile(
        r"\b(?:jour|date|day|journee)s?\s+(?:au choix|a (?:caler|definir|fixer|convenir)"
        r"|libres?|flexibles?|to be (?:set|confirmed|decided|agreed)|tb[cd]|of your choice)\b"
        r"|\b(?:au choix|n.importe quel|any|whichever)\s+(?:le\s+|du\s+|the\s+)?(?:jour|day|date)\b"
        r"|\ble jour (?:qui vous|que vous) (?:convient|arrange|voulez)\b"
        rf"|\b(?:entre|between)\s+(?:le\s+)?(?:{wd})\s+(?:et|and)\s+(?:le\s+)?(?:{wd})\b"
    )


def event_date(text: str, today: date) -> date | None:
    """Return the date of the requested event, or None."""
    found = list(read_once(text, today))
    # "the workshop this morning went so well that we'd like a follow-up on 24 November":
    # today names the session being told of when a coming day is asked for too.
    if any(m.role in ("new", "event") and m.day > today for m in found):
        found = [m for m in found if m.day != today]
    for role in ("new", "event", "secondary"):
        for mention in found:
            if mention.role == role:
                said = text[mention.start : mention.end]
                if not re.search(r"\d", said) and _open_day().search(text):
                    return None  # a weekday among days to choose from, no day yet
                return mention.day
    return None


def past_date(text: str, today: date) -> date | None:
    """Return an explicitly written event date that is already past, or None."""
    for mention in read_once(text, today):
        if mention.role == "past":
            return mention.day
    return None

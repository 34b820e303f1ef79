"""Read the sessions of a request held on several dates: lists, ranges and recurrences."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import cache
from itertools import pairwise

from bot.parsing import dates
from bot.parsing.numbers import to_int
from bot.parsing.times import Timing, _ranges
from bot.parsing.vocabulary import vocabulary

HALF_DAY = 240
FULL_DAY = 420
_LONGEST_RANGE = 14  # days; a longer span is a window to pick a day in, not a run of sessions
_MOST_SESSIONS = 24


@dataclass(frozen=True)
class Session:
    """One session: its day and, when said, its times."""

    day: date
    start: time | None = None
    end: time | None = None


@dataclass(frozen=True)
class Schedule:
    """What a message says about the dates of its sessions, when it names several."""

    sessions: tuple[Session, ...] = ()
    window: bool = False  # a span to choose a day in ("entre le 3 et le 10"): no date yet
    choice: date | None = None  # "le 3 ou le 4": the first option, a single event


@dataclass(frozen=True)
class _Item:
    """Dates written together in the text."""

    start: int
    end: int
    days: tuple[date, ...]
    kind: str  # single, list, range, window


@dataclass(frozen=True)
class _Patterns:
    hint: re.Pattern[str]
    day_list: re.Pattern[str]
    month_first_list: re.Pattern[str]
    day_range: re.Pattern[str]
    month_first_range: re.Pattern[str]
    window: re.Pattern[str]
    day_month: re.Pattern[str]
    month_day: re.Pattern[str]
    numeric: re.Pattern[str]
    numeric_list: re.Pattern[str]
    window_cue: re.Pattern[str]
    weekends_out: re.Pattern[str]
    alternative: re.Pattern[str]
    monthly_nth: re.Pattern[str]
    monthly_any: re.Pattern[str]
    monthly_day: re.Pattern[str]
    month_span: re.Pattern[str]
    month_from: re.Pattern[str]
    this_month: re.Pattern[str]
    every_weeks: re.Pattern[str]
    every_weekday: re.Pattern[str]
    count: re.Pattern[str]
    weeks_count: re.Pattern[str]
    anchor: re.Pattern[str]
    until: re.Pattern[str]
    prep: re.Pattern[str]
    half_days: re.Pattern[str]
    full_days: re.Pattern[str]
    lunch: re.Pattern[str]


_SUFFIX = r"(?:er|ere|eme|e|st|nd|rd|th)?"
_ORDINALS = {
    "premier": 1,
    "1er": 1,
    "first": 1,
    "1st": 1,
    "deuxieme": 2,
    "2e": 2,
    "2eme": 2,
    "second": 2,
    "2nd": 2,
    "troisieme": 3,
    "3e": 3,
    "3eme": 3,
    "third": 3,
    "3rd": 3,
    "quatrieme": 4,
    "4e": 4,
    "4eme": 4,
    "fourth": 4,
    "4th": 4,
    "dernier": -1,
    "last": -1,
}


@cache
def _patterns() -> _Patterns:
    """Compile the patterns from the vocabulary's weekdays, months and numbers."""
    v = vocabulary()
    wd, mo, num = v.weekday_re, v.month_re, v.number_re
    mo_en = "|".join(sorted(v.raw["dates"]["months_en"], key=len, reverse=True))
    d = rf"(?:\d{{1,2}}|premier){_SUFFIX}"
    wd_opt = rf"(?:(?:{wd})s?\.?,?\s+)?"
    not_time = r"(?!\s*(?:h\b|h\d|:\d|\.\d|am\b|pm\b|\d|/|(?:-|to|a|till|until)\s*\d))"
    link = r"(?:\s*,\s*|\s*,?\s*(?:et|and|&|ou|or)\s+)(?:(?:le|the)\s+)?"
    ordinal = "|".join(sorted(_ORDINALS, key=len, reverse=True))
    units = (
        r"seances?|sessions?|ateliers?|rencontres?|reunions?|codevs?|codeveloppements?|"
        r"retros?|retrospectives?|workshops?|meetings?|dates|temps|world cafes?|"
        r"demi-journees|journees|matinees|half-days|days"
    )
    return _Patterns(
        hint=re.compile(
            rf"\d{_SUFFIX}(?:\s+(?:{mo}))?(?:\s*,\s*|\s+(?:et|and|&|ou|or|au|to|until)\s+)"
            rf"(?:(?:le|the|du)\s+)?(?:(?:{wd})s?\s+)?(?:{mo_en}\s+)?\d|"
            r"\d{1,2}/\d{1,2}\b[^\n]{0,40}?\d{1,2}/\d{1,2}|"
            rf"\b(?:{mo})\b[^\n]{{0,60}}?(?:,|\bet\b|\band\b)[^\n]{{0,30}}?\b(?:{mo})\b|"
            r"chaque mois|par mois|du mois|each month|every month|a month|per month|"
            r"semaines|weeks|weekly|every|tous les|toutes les|quinze jours|hebdo|fortnight|"
            r"\bentre\b|\bbetween\b|\bseances\b|\bsessions\b|mensuel|monthly|de chaque"
        ),
        day_list=re.compile(
            rf"\b{wd_opt}((?:\d{{1,2}}|premier){_SUFFIX}(?:{link}\d{{1,2}}{_SUFFIX})+)"
            rf"\s+(?:of\s+)?({mo})\b\.?(?:\s+(\d{{4}}))?"
        ),
        month_first_list=re.compile(
            rf"\b({mo_en})\.?\s+(\d{{1,2}}{_SUFFIX}(?:{link}\d{{1,2}}{_SUFFIX})+)\b{not_time}"
            rf"(?!\s+(?:{units})\b)"
        ),
        day_range=re.compile(
            rf"\b(?:du|from)\s+{wd_opt}({d})(?:\s+({mo}))?\s*(?:au|to|-|until|till|through)\s+"
            rf"{wd_opt}({d})\s+(?:of\s+)?({mo})\b\.?(?:\s+(\d{{4}}))?"
        ),
        month_first_range=re.compile(
            rf"\b(?:from|between)\s+{wd_opt}({mo_en})\.?\s+(\d{{1,2}}){_SUFFIX}\s*"
            rf"(?:to|and|-|until|till|through)\s+{wd_opt}(?:({mo_en})\.?\s+)?(\d{{1,2}}){_SUFFIX}\b"
        ),
        window=re.compile(
            rf"\bentre\s+(?:le\s+)?{wd_opt}({d})(?:\s+({mo}))?\s+et\s+(?:le\s+)?{wd_opt}({d})"
            rf"\s+({mo})\b"
        ),
        day_month=re.compile(
            rf"\b{wd_opt}((?:\d{{1,2}}|premier){_SUFFIX})\s*(?:of\s+)?({mo})\b\.?"
            r"(?:,?\s+(\d{4}))?"
        ),
        month_day=re.compile(
            rf"\b{wd_opt}({mo_en})\.?\s+(?:the\s+)?(\d{{1,2}}){_SUFFIX}\b{not_time}"
            r"(?:,?\s+(\d{4}))?"
        ),
        numeric=re.compile(
            r"(?<![\d/.:])(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?(?![\d/])(?!\s*(?:journee|j\b))"
        ),
        numeric_list=re.compile(r"^\s*(?:,|et|and|&)\s*(?:le\s+|the\s+)?$"),
        window_cue=re.compile(
            r"date a (?:caler|definir|fixer|confirmer)|jour a (?:caler|definir|fixer)|"
            r"selon (?:vos|les|tes) dispo|au choix|to be (?:set|confirmed|decided)|tbc|tbd|"
            r"sometime|at some point|one day (?:between|in)|un jour (?:entre|dans)|"
            r"dans la semaine|courant|whichever|n'importe quel"
        ),
        weekends_out=re.compile(
            r"week-?ends? (?:exclus?|non compris|excepte)|hors week-?ends?|sauf (?:le |les )?"
            r"week-?ends?|(?:excluding|except|not) (?:the )?week-?ends?|weekends? excluded|"
            r"jours ouvres|working days|weekdays only"
        ),
        alternative=re.compile(r"^[\s,(]*(?:ou|or)\s+(?:bien\s+)?(?:le\s+|the\s+|on\s+)?$"),
        monthly_nth=re.compile(
            rf"\b({ordinal})\s+({wd})\s+(?:de chaque mois|de tous les mois|du mois|de chaque|"
            r"of (?:each|every|the) month|each month|every month|of each|of every|monthly)"
        ),
        monthly_any=re.compile(
            rf"\b(?:un|one|a)\s+({wd})\s+(?:par mois|a month|per month|each month|every month)"
        ),
        monthly_day=re.compile(
            r"\b(?:le|the|on the)\s+(\d{1,2})(?:er|st|nd|rd|th)?\s+(?:de chaque mois|"
            r"de tous les mois|du mois|of (?:each|every|the) month|each month|every month)"
        ),
        month_span=re.compile(
            rf"\b(?:de|d'|from|entre)\s*({mo})\.?\s+(?:a|au|to|through|until|till|-|jusqu'(?:a|en)|"
            rf"et|and)\s+({mo})\b"
        ),
        month_from=re.compile(
            rf"\b(?:a partir de|a compter de|des|starting(?: in| from)?|from|beginning in|en|in)\s+"
            rf"({mo})\b(?!\s*\d)"
        ),
        this_month=re.compile(r"\b(?:ce mois-?ci|this month|des ce mois)"),
        every_weeks=re.compile(
            rf"\b(?:toutes les|every)\s+({num}|other)\s+(?:semaines|weeks)\b|"
            r"\b(?:tous les|every)\s+(15|quinze|14)\s+(?:jours|days)\b|"
            r"\b(?:toutes les semaines|chaque semaine|every week|each week|weekly|par semaine|"
            r"a week|per week|hebdomadaires?)\b|"
            rf"\bevery\s+(other|second)\s+({wd})\b|\b(bimensuel\w*|fortnightly|quinzaine)\b"
        ),
        every_weekday=re.compile(
            rf"\b(?:tous les|chaque|every|each)\s+({wd})s?\b"
            rf"(?:\s+(?:de|d'|du mois de|en|in|of)\s+({mo})\b(?!\s*\d))?"
        ),
        count=re.compile(
            rf"\b({num})\s+(?:(?:autres?|grandes?|courtes?|petites?)\s+)?(?:{units})\b|"
            rf"\b(?:cycle|serie|series|groupe)\s+(?:de|of)\s+({num})\b|"
            rf"\bx\s?({num})\b|\b({num})\s+(?:fois|times)\b"
        ),
        weeks_count=re.compile(
            rf"\b(?:pendant|durant|sur|for|over)\s+({num})\s+(?:semaines|weeks|mois|months)\b"
        ),
        anchor=re.compile(
            r"\b(?:a partir du|a partir de|a compter du|des le|starting|from|beginning|"
            r"commencant le|debut le|en commencant par|premiere (?:seance|session) le)\s*$"
        ),
        until=re.compile(r"\b(?:jusqu'au|until|till|through|to|au)\s*$"),
        prep=re.compile(
            rf"\b(?:avant|before|d'ici|au plus tard|no later than|by|pour)\s+(?:le\s+|the\s+)?"
            rf"(?:(?:{wd}),?\s+)?$|"
            r"\b(?:cadrage|preparation|prepa|brief(?:ing)?|kick-?off|reunion de lancement|"
            r"point prealable|scoping|retour avant|reponse avant|deadline)\b[^.;!?\n]{0,25}$"
        ),
        half_days=re.compile(
            r"\bdemi-?journees\b|\bdemi journees\b|\bhalf[- ]days\b|\bmatinees\b|"
            r"\bapres-midis?\b(?! de \d)|\bmornings\b|\bafternoons\b"
        ),
        full_days=re.compile(
            r"\bjournees(?: completes| entieres| pleines)?\b|\bfull days\b|\bjours complets\b|"
            r"\bwhole days\b"
        ),
        lunch=re.compile(
            r"[\s,;()]*(?:le matin|in the morning)?[\s,;()]*(?:puis|et|then|and|\+)\s*"
            r"(?:de|from)?\s*"
        ),
    )


def _resolve(year: str | None, month: int, day: int, today: date) -> date | None:
    """Build a date; without a year, the next such day on or after today."""
    if year:
        full = int(year) + (2000 if len(year) == 2 else 0)
        try:
            return date(full, month, day)
        except ValueError:
            return None
    for y in (today.year, today.year + 1):
        try:
            candidate = date(y, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


def _day_number(token: str) -> int:
    """Read "1er", "premier", "16th" as a day of the month."""
    if token.startswith("premier"):
        return 1
    return int(re.match(r"\d+", token).group(0))  # type: ignore[union-attr]


def _overlaps(items: list[_Item], start: int, end: int) -> bool:
    return any(i.start < end and start < i.end for i in items)


def _explicit(text: str, today: date) -> list[_Item]:
    """Collect the dates written with a day number, grouped as they are written."""
    p, months = _patterns(), vocabulary().months
    found: list[_Item] = []

    def add(start: int, end: int, days: list[date | None], kind: str) -> None:
        kept = tuple(day for day in days if day is not None)
        if kept and not _overlaps(found, start, end):
            found.append(_Item(start, end, kept, kind))

    for m in p.window.finditer(text):
        last = _resolve(None, months[m.group(4)], _day_number(m.group(3)), today)
        first_month = months[m.group(2)] if m.group(2) else months[m.group(4)]
        first = _resolve(None, first_month, _day_number(m.group(1)), today)
        add(m.start(), m.end(), [first, last], "window")
    for m in p.day_range.finditer(text):
        last = _resolve(m.group(5), months[m.group(4)], _day_number(m.group(3)), today)
        month = months[m.group(2)] if m.group(2) else months[m.group(4)]
        first = _resolve(m.group(5), month, _day_number(m.group(1)), today)
        if first and last and first > last and not m.group(2):  # "du 28 au 3 mars"
            first = _resolve(m.group(5), month - 1 or 12, _day_number(m.group(1)), today)
        add(m.start(), m.end(), [first, last], "range")
    for m in p.month_first_range.finditer(text):
        first_month = months[m.group(1)]
        last_month = months[m.group(3)] if m.group(3) else first_month
        first = _resolve(None, first_month, int(m.group(2)), today)
        last = _resolve(None, last_month, int(m.group(4)), today)
        kind = "window" if text[m.start() : m.start() + 7] == "between" else "range"
        add(m.start(), m.end(), [first, last], kind)
    for m in p.day_list.finditer(text):
        month = months[m.group(2)]
        numbers = re.findall(r"\d{1,2}|premier", m.group(1))
        days = [_resolve(m.group(3), month, _day_number(n), today) for n in numbers]
        add(m.start(), m.end(), days, "list")
    for m in p.month_first_list.finditer(text):
        month = months[m.group(1)]
        days = [_resolve(None, month, int(n), today) for n in re.findall(r"\d{1,2}", m.group(2))]
        add(m.start(), m.end(), days, "list")
    for m in p.day_month.finditer(text):
        day = _resolve(m.group(3), months[m.group(2)], _day_number(m.group(1)), today)
        add(m.start(), m.end(), [day], "single")
    for m in p.month_day.finditer(text):
        day = _resolve(m.group(3), months[m.group(1)], int(m.group(2)), today)
        add(m.start(), m.end(), [day], "single")
    for m in p.numeric.finditer(text):
        month = int(m.group(2))
        if 1 <= month <= 12 and 1 <= int(m.group(1)) <= 31:
            add(m.start(), m.end(), [_resolve(m.group(3), month, int(m.group(1)), today)], "single")
    found.sort(key=lambda i: i.start)
    return found


def _excluded_spans(text: str, today: date) -> list[tuple[int, int]]:
    """Spans of the dates the date reader sets aside: deadlines, past or moved-from dates."""
    return [
        (m.start, m.end) for m in dates.read_once(text, today) if m.role in ("excluded", "past")
    ]


def _count(text: str) -> int | None:
    """The number of sessions said ("4 séances", "cycle de 3", "x2"), if any."""
    for m in _patterns().count.finditer(text):
        token = next(g for g in m.groups() if g)
        value = to_int(token)
        if value is not None and 2 <= value <= _MOST_SESSIONS:
            return value
    return None


def _weeks(text: str) -> int | None:
    """ "pendant 5 semaines", "for 4 weeks": how many weeks (or months) the series runs."""
    m = _patterns().weeks_count.search(text)
    value = to_int(m.group(1)) if m else None
    return value if value is not None and 2 <= value <= _MOST_SESSIONS else None


def _month_iter(first: date, count: int) -> list[tuple[int, int]]:
    """(year, month) of `count` months from `first`'s month."""
    out, year, month = [], first.year, first.month
    for _ in range(count):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _months(text: str, today: date) -> list[tuple[int, int]]:
    """The months a monthly series covers: "de janvier à mai", or "à partir de mars" + a count."""
    p, months = _patterns(), vocabulary().months
    m = p.month_span.search(text)
    if m is not None:
        first = _resolve(None, months[m.group(1)], 1, today.replace(day=1))
        if first is None:
            return []
        span = (months[m.group(2)] - first.month) % 12 + 1
        return _month_iter(first, span)
    count = _count(text) or _weeks(text)
    if count is None:
        return []
    m = p.month_from.search(text)
    if m is not None:
        first = _resolve(None, months[m.group(1)], 1, today.replace(day=1))
    elif p.this_month.search(text):
        first = today.replace(day=1)
    else:
        first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return _month_iter(first, count) if first else []


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    """The nth (or last, for -1) such weekday of a month."""
    days = [d for d in calendar.Calendar().itermonthdates(year, month) if d.month == month]
    matching = [d for d in days if d.weekday() == weekday]
    if nth == -1:
        return matching[-1]
    return matching[nth - 1] if nth <= len(matching) else None


def _monthly(text: str, today: date) -> list[date] | None:
    """Dates of "le premier mardi de chaque mois…", "un jeudi par mois…", "le 15 de chaque mois"."""
    p, weekdays = _patterns(), vocabulary().weekdays
    m_nth, m_any, m_day = (
        p.monthly_nth.search(text),
        p.monthly_any.search(text),
        p.monthly_day.search(text),
    )
    if not (m_nth or m_any or m_day):
        return None
    spans = _months(text, today)
    out: list[date] = []
    for year, month in spans:
        if m_day is not None:
            try:
                day: date | None = date(year, month, int(m_day.group(1)))
            except ValueError:
                day = None
        elif m_nth is not None:
            day = _nth_weekday(year, month, weekdays[m_nth.group(2)], _ORDINALS[m_nth.group(1)])
        else:
            weekday = weekdays[m_any.group(1)]  # type: ignore[union-attr]
            # The first such weekday of the month that is still to come.
            day = next(
                (
                    d
                    for d in calendar.Calendar().itermonthdates(year, month)
                    if d.month == month and d.weekday() == weekday and d > today
                ),
                None,
            )
        if day is not None and day > today:
            out.append(day)
    return out if len(out) >= 2 else None


def _interval(text: str) -> tuple[int, int | None, re.Match[str]] | None:
    """Days between sessions of a "toutes les 3 semaines" series, and its weekday if said."""
    p, weekdays = _patterns(), vocabulary().weekdays
    m = p.every_weeks.search(text)
    if m is not None:
        if m.group(1):
            weeks = 2 if m.group(1) == "other" else to_int(m.group(1))
            return (7 * weeks, None, m) if weeks and weeks <= 12 else None
        if m.group(2):
            return 14, None, m
        if m.group(3):
            return 14, weekdays[m.group(4)], m
        if m.group(5):
            return 14, None, m
        return 7, None, m
    m = p.every_weekday.search(text)
    if m is not None:
        return 7, weekdays[m.group(1)], m
    return None


def _periodic(text: str, today: date, items: list[_Item]) -> list[date] | None:
    """Dates of a series every N weeks from a first date, for a count or until a last date."""
    found = _interval(text)
    if found is None:
        return None
    step, weekday, cue = found
    p = _patterns()
    singles = [i for i in items if i.kind in ("single", "list")]
    ranges = [i for i in items if i.kind in ("range", "window")]
    first = last = None
    if ranges:
        first, last = ranges[0].days[0], ranges[0].days[-1]
    elif singles:
        anchored = [i for i in singles if p.anchor.search(text[max(0, i.start - 30) : i.start])]
        first = (anchored or singles)[0].days[0]
        ends = [i for i in singles if p.until.search(text[max(0, i.start - 12) : i.start])]
        last = ends[-1].days[0] if ends and ends[-1].days[0] > first else None
    else:
        months = _months(text, today)
        if not months and cue.re is p.every_weekday and cue.group(2):
            # "tous les lundis de mars": that month's Mondays
            first_day = _resolve(None, vocabulary().months[cue.group(2)], 1, today.replace(day=1))
            months = [(first_day.year, first_day.month)] if first_day else []
        if months and weekday is not None:
            first = date(*months[0], 1)
            year, month = months[-1]
            last = date(year, month, calendar.monthrange(year, month)[1])
    if first is None:
        return None
    if weekday is not None and first.weekday() != weekday:
        first += timedelta(days=(weekday - first.weekday()) % 7)
    count = None if last else (_count(text) or (_weeks(text) if step == 7 else None))
    if last is None and count is None:
        # "tous les 15 jours à partir du 3 novembre", and nothing says how many.
        count = _weeks(text)
        if count is None:
            return None
    out: list[date] = []
    day = first
    while len(out) < _MOST_SESSIONS and (last is None or day <= last):
        if day >= today:
            out.append(day)
        if count is not None and len(out) >= count:
            break
        day += timedelta(days=step)
    return out if len(out) >= 2 else None


def _days_of(items: list[_Item], text: str) -> list[date] | Schedule | None:
    """The session dates of explicit items; a Schedule for a window or an alternative."""
    p = _patterns()
    windows = [i for i in items if i.kind == "window"]
    events = [i for i in items if i.kind != "window"]
    if windows and not events:
        return Schedule(window=True)
    for prev, nxt in pairwise(events):
        if p.alternative.match(text[prev.end : nxt.start]):
            return Schedule(choice=prev.days[0])
    days: list[date] = []
    for item in events:
        if item.kind == "list" and re.search(r"\b(?:ou|or)\b", text[item.start : item.end]):
            return Schedule(choice=item.days[0])
        if item.kind == "range":
            first, last = item.days[0], item.days[-1]
            span = (last - first).days
            if span > _LONGEST_RANGE or p.window_cue.search(text[item.end : item.end + 60]):
                if len(events) == 1:
                    return Schedule(window=True)
                continue
            skip = bool(p.weekends_out.search(text))
            days += [
                first + timedelta(days=n)
                for n in range(span + 1)
                if not (skip and (first + timedelta(days=n)).weekday() >= 5)
            ]
        else:
            days += item.days
    return sorted(set(days))


def _session_times(
    text: str, items: list[_Item], days: list[date], timing: Timing
) -> list[tuple[time | None, time | None]]:
    """The times of each session: one range for all, or one per session as written."""
    ranges = _merged_ranges(text)
    distinct = {(a, b) for _, _, a, b in ranges}
    default = (timing.start, timing.end)
    if len(distinct) <= 1:
        return [default] * len(days)
    clock = [(_clock(a), _clock(b)) for _, _, a, b in ranges]
    singles = [i for i in items if len(i.days) == 1 and i.days[0] in days]
    if len(singles) == len(days):
        # Each date written on its own: the times that follow it are its own.
        out = []
        for index, item in enumerate(singles):
            nxt = singles[index + 1].start if index + 1 < len(singles) else len(text)
            own = [c for (s, _, _, _), c in zip(ranges, clock, strict=True) if item.end <= s < nxt]
            before = [c for (s, _, _, _), c in zip(ranges, clock, strict=True) if s < item.start]
            out.append(own[0] if own else (before[-1] if before else default))
        by_day = dict(zip([i.days[0] for i in singles], out, strict=True))
        return [by_day[d] for d in days]
    if len(ranges) == len(days):
        return clock  # "9h-12h le 3, 14h-17h le 4": in the order of the dates
    return [default] * len(days)


def _merged_ranges(text: str) -> list[tuple[int, int, int, int]]:
    """Time ranges, a morning and an afternoon of the same day joined as one."""
    out: list[tuple[int, int, int, int]] = []
    for r in _ranges(text):
        if out and r[2] >= out[-1][3] and _patterns().lunch.fullmatch(text[out[-1][1] : r[0]]):
            out[-1] = (out[-1][0], r[1], out[-1][2], r[3])
        else:
            out.append(r)
    return out


def _clock(minutes: int) -> time:
    return time(minutes // 60 % 24, minutes % 60)


def schedule(text: str, today: date, timing: Timing) -> Schedule | None:
    """Read the sessions of normalised `text` sent on `today`; None when it names one date."""
    p = _patterns()
    if not p.hint.search(text):
        return None
    items = _explicit(text, today)
    excluded = _excluded_spans(text, today) if items else []
    items = [
        i
        for i in items
        if not any(s < i.end and i.start < e for s, e in excluded)
        and not p.prep.search(text[max(0, i.start - 40) : i.start])
    ]
    days: list[date] | Schedule | None = _monthly(text, today)
    if days is None:
        days = _periodic(text, today, items)
    if days is None:
        days = _days_of(items, text)
    if isinstance(days, Schedule):
        return days
    days = [d for d in days if d >= today][:_MOST_SESSIONS]
    if len(days) < 2:
        return None
    times = _session_times(text, items, days, timing)
    return Schedule(sessions=tuple(Session(d, a, b) for d, (a, b) in zip(days, times, strict=True)))


def session_minutes(text: str, first: Session, duration: int | None) -> int | None:
    """The length of one session: from its times, else "demi-journées" or "journées"."""
    if first.start is not None and first.end is not None:
        return (first.end.hour * 60 + first.end.minute) - (
            first.start.hour * 60 + first.start.minute
        )
    if duration is not None:
        return duration
    p = _patterns()
    if p.half_days.search(text):
        return HALF_DAY
    if p.full_days.search(text):
        return FULL_DAY
    return None


def settle(
    text: str, today: date, event_date: date | None, timing: Timing
) -> tuple[date | None, Timing, tuple[Session, ...]]:
    """The event date, timing and sessions once several dates are read: the first session leads."""
    plan = schedule(text, today, timing)
    if plan is None:
        return event_date, _one_day(text, timing), ()
    if plan.window:
        return None, timing, ()
    if plan.choice is not None:
        return plan.choice, timing, ()
    first = plan.sessions[0]
    minutes = session_minutes(text, first, timing.duration if first.start == timing.start else None)
    return first.day, Timing(first.start, first.end, minutes), plan.sessions


def _one_day(text: str, timing: Timing) -> Timing:
    """ "9h-12h30 le matin puis 14h-17h30": one day, the lunch break inside it."""
    if " puis " not in text and " then " not in text:
        return timing
    ranges = _merged_ranges(text)
    if len(ranges) != 1 or timing.start is None or ranges[0][2] != _minutes(timing.start):
        return timing
    _, _, start, end = ranges[0]
    return Timing(_clock(start), _clock(end), end - start)


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute

"""Read start time, end time and duration of the event."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from functools import cache

from bot.parsing.normalize import blank
from bot.parsing.numbers import to_int
from bot.parsing.vocabulary import vocabulary

FULL_DAY = 420
HALF_DAY = 240


@dataclass(frozen=True)
class Timing:
    """When the event starts and ends, and how long it lasts (minutes)."""

    start: time | None = None
    end: time | None = None
    duration: int | None = None


@dataclass(frozen=True)
class _Patterns:
    token: re.Pattern[str]
    time_range: re.Pattern[str]
    minutes: re.Pattern[str]
    hours: re.Pattern[str]
    half_day: re.Pattern[str]
    full_day: re.Pattern[str]
    half_hour: re.Pattern[str]
    start_before: re.Pattern[str]
    duration_before: re.Pattern[str]
    joiner: re.Pattern[str]
    until: re.Pattern[str]


@cache
def _patterns() -> _Patterns:
    """Compile the time patterns from the vocabulary."""
    raw = vocabulary().raw["times"]
    num = vocabulary().number_re
    noon = f"{raw['noon']}|{raw['midnight']}"
    ampm = r"(?:am|pm|a\.m\.?|p\.m\.?)(?![a-z])"
    clock = (
        rf"(?:\d{{1,2}}\s?(?:heures?|h)(?:\s?[0-5]\d)?(?![a-z\d])|\d{{1,2}}(?::[0-5]\d)?\s?{ampm}"
        rf"|\d{{1,2}}:[0-5]\d(?!\d)|(?<![a-z])(?<!apres-)(?<!apres )(?:{noon})\b)"
    )
    bare = r"\d{1,2}(?::[0-5]\d)?"
    link = r"(?:-|a|to|till|until|jusqu'(?:a|au)|et|and|/|>)"
    return _Patterns(
        token=re.compile(rf"(?<![\d/:.,])\b{clock}"),
        time_range=re.compile(
            rf"(?<![\d/:.,])(?:\b(de|from|entre|between|des)\s+)?\b({clock}|{bare})\s*{link}\s*({clock})"
        ),
        minutes=re.compile(rf"\b(\d{{1,3}}|{num})[- ]?(?:minutes?|mins?|mn)\b"),
        hours=re.compile(
            rf"\b(\d{{1,2}}(?:[.,]5)?|une|an|a|{num})[- ]?(?:heures?|hours?|hrs?)"
            r"(?:\s?(?:et\s|and\s)?(demie?|a half|[0-5]\d))?\b"
        ),
        half_day=re.compile(rf"\b(?:{raw['half_day']})\b"),
        full_day=re.compile(rf"\b(?:{raw['full_day']})\b"),
        half_hour=re.compile(rf"\b(?:{raw['half_hour']})\b"),
        start_before=re.compile(raw["start_before"]),
        duration_before=re.compile(raw["duration_before"]),
        joiner=re.compile(r"^\s*(?:,|et|and|puis|then|\+|/)?\s*$"),
        until=re.compile(
            r"\b(?:jusqu'(?:a|au)|until|till|fin\s*(?:a|vers|prevue a|:)?|end\s*:|se termine a"
            r"|ending at|"
            rf"ends? at|finish(?:ing)? at)\s*({clock})"
        ),
    )


def _read_clock(token: str) -> tuple[int, int, str | None] | None:
    """Return (hour, minute, meridiem) of a clock token such as "9h30" or "4:30pm"."""
    token = token.strip()
    if re.fullmatch(vocabulary().raw["times"]["noon"], token):
        # "midi et demi", "midi trente", "midi et quart"
        half = ("demi", "demie", "trente", "30")
        minute = 15 if token.endswith("quart") else 30 if token.endswith(half) else 0
        return 12, minute, None
    if re.fullmatch(vocabulary().raw["times"]["midnight"], token):
        return 0, 0, None
    m = re.match(r"(\d{1,2})\s?(?:heures?|h|:)?\s?([0-5]\d)?\s?(a|p)?", token)
    if m is None:
        return None
    return int(m.group(1)), int(m.group(2) or 0), m.group(3)


def _to_minutes(hour: int, minute: int, meridiem: str | None) -> int | None:
    """Minutes since midnight, or None for an impossible time."""
    if meridiem == "p" and hour < 12:
        hour += 12
    elif meridiem == "a" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return hour * 60 + minute


def _as_time(minutes: int) -> time:
    return time(minutes // 60 % 24, minutes % 60)


def _ranges(text: str) -> list[tuple[int, int, int, int]]:
    """Return (start, end, first, last) for each "de 9h30 à 12h" in the text."""
    out = []
    for m in _patterns().time_range.finditer(text):
        a, b = _read_clock(m.group(2)), _read_clock(m.group(3))
        if a is None or b is None:
            continue
        bare = not re.search(r"[h:amp]|midi|noon", m.group(2))
        if bare and m.group(1) is None and "et" in text[m.end(2) : m.start(3)]:
            continue
        end = _to_minutes(*b)
        meridiem = a[2]
        if meridiem is None and b[2] == "p" and end is not None and (a[0] + 12) * 60 <= end:
            meridiem = "p"
        start = _to_minutes(a[0], a[1], meridiem)
        if start is None or end is None or not 0 < end - start <= 15 * 60:
            continue
        if bare and m.group(1) is None and start < 7 * 60:
            continue
        if start < 6 * 60:
            continue  # "une rétro d'1h30 à 14h": a duration, then the start

        out.append((m.start(), m.end(), start, end))
    return out


def _explicit_duration(text: str) -> int | None:
    """Return a duration written in words or units ("2 heures", "90 minutes", "1h30")."""
    p = _patterns()
    if p.full_day.search(text):
        return FULL_DAY
    if p.half_day.search(text):
        return HALF_DAY
    m = p.hours.search(text)
    if m is not None:
        count = m.group(1)
        value = 1.0 if count in ("une", "an", "a") else None
        if value is None:
            value = float(count.replace(",", ".")) if count[0].isdigit() else to_int(count)
        extra = m.group(2) or ""
        minutes = 30 if extra.startswith(("demi", "a half")) else int(extra or 0)
        if value:
            return int(value * 60) + minutes
    m = p.minutes.search(text)
    if m is not None:
        value = int(m.group(1)) if m.group(1).isdigit() else to_int(m.group(1))
        if value:
            return value
    if p.half_hour.search(text):
        return 30
    return None


# The time people arrive is not the time the event starts: "accueil café 8h45, début 9h15",
# "(accueil dès 8h45)", "welcome coffee at 8.45".
_WELCOME = re.compile(
    r"\((?:[^()\n]{0,15}\b)?(?:accueil|welcome|(?<!world )cafe|coffee|doors)\b[^()\n]{0,30}\)"
    r"|\b(?:accueil|welcome|cafe d.accueil|coffee|doors open|emargement)"
    r"(?:\s+(?:cafe|coffee|des|a partir de|from|at|vers|a|:))*\s*:?\s*"
    r"(?:\d{1,2}\s?h(?:\s?[0-5]\d)?|\d{1,2}:[0-5]\d(?:\s?[ap]m)?|\d{1,2}\s?[ap]m)"
)


def timing(text: str) -> Timing:
    """Return the start, end and duration of the event in normalised `text`."""
    p = _patterns()
    if (
        "accueil" in text
        or "welcome" in text
        or "cafe" in text
        or ("coffee" in text or "doors" in text or "emargement" in text)
    ):
        text = _WELCOME.sub(lambda m: " " * len(m.group(0)), text)
    ranges = _ranges(text)
    if ranges:
        _, last_end, start, end = ranges[0]
        for r_start, r_end, other_start, other_end in ranges[1:]:
            # "de 9h à 12h et de 14h à 17h": one day, lunch included.
            if p.joiner.match(text[last_end:r_start].replace("de", "")) and other_start >= end:
                end, last_end = other_end, r_end
        return Timing(_as_time(start), _as_time(end), end - start)
    start_minutes = None
    duration = None
    masked = text
    for m in p.token.finditer(text):
        clock = _read_clock(m.group(0))
        if clock is None:
            continue
        hour, minute, meridiem = clock
        prefix = text[max(0, m.start() - 30) : m.start()]
        has_unit = bool(re.search(r"h|heure", m.group(0))) and meridiem is None
        strong_duration = re.search(r"(?:pendant|durant|duree|for|pour|sur)\s*$", prefix)
        is_duration = has_unit and (
            strong_duration
            or (p.duration_before.search(prefix) and hour <= 8)
            or (not p.start_before.search(prefix) and hour < 7)
            or hour < 6
        )
        if is_duration:
            if duration is None and 0 < hour * 60 + minute <= 12 * 60:
                duration = hour * 60 + minute
        else:
            masked = blank(masked, [m.span()])
            if start_minutes is None:
                start_minutes = _to_minutes(hour, minute, meridiem)
    if duration is None:
        duration = _explicit_duration(masked)
    if start_minutes is None:
        return Timing(None, None, duration)
    if duration is None:
        until = p.until.search(text)
        clock = _read_clock(until.group(1)) if until else None
        end = _to_minutes(*clock) if clock else None
        if end is not None and 0 < end - start_minutes <= 15 * 60:
            return Timing(_as_time(start_minutes), _as_time(end), end - start_minutes)
        return Timing(_as_time(start_minutes), None, None)
    end = start_minutes + duration
    return Timing(_as_time(start_minutes), _as_time(end) if end < 24 * 60 else None, duration)

"""A correction read against the request as it stands: « le 22 » is in its month,
« plutôt 14h » keeps the duration, a count of facilitators is not a headcount."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

from bot.parsing import dates, people, places, times
from bot.parsing.normalize import Folded, blank
from bot.parsing.numbers import to_int
from bot.parsing.reply_rules import ReplyContext, RequestView, reply_rules
from bot.parsing.vocabulary import vocabulary

_FILLER = re.compile(
    r"\b((?:sera|serons|seront|serait|be|are|est))\s+(?:plutot|finalement|donc|seulement|only|just"
    r"|actually|finally|now|maintenant|desormais)\b"
)


_ORDINALS = {"deu": 2, "sec": 2, "tro": 3, "thi": 3, "qua": 4, "fou": 4}


def read_changes(ctx: ReplyContext) -> dict[str, object]:
    """The fields the reply changes, read against the request as it stands."""
    req = ctx.request
    assert req is not None
    r = reply_rules()
    # A link's path is no date, time or place.
    norm = r.url.sub(lambda m: " " * len(m.group(0)), ctx.norm)
    found: dict[str, object] = {}
    day, spans = _new_date(norm, ctx.today, req)
    if day is not None:
        found["event_date"] = day
    found.update(_new_times(norm, req))
    found.update(_new_place(ctx, norm, req))
    # A day of the month is no headcount ("le 26 pas le 19").
    found.update(_new_counts(blank(norm, spans), req))
    fmt = _new_format(norm)
    if fmt is not None:
        found["format"] = fmt
    current = {
        "event_date": req.event_date,
        "start_time": req.start_time,
        "end_time": req.end_time,
        "location": req.location,
        "modality": req.modality,
        "participants": req.participants,
        "facilitators_needed": req.facilitators_needed,
        "format": req.format,
    }
    return {k: v for k, v in found.items() if current.get(k, object()) != v}


def _new_format(norm: str) -> str | None:
    """A format named as what the event becomes ("ce sera plutôt un codev")."""
    for cue in reply_rules().format_before.finditer(norm):
        for pattern, name, _rank in vocabulary().formats:
            if pattern.match(norm, cue.end()):
                return name
    return None


def _negated(norm: str, start: int) -> bool:
    """Whether the word at `start` is named to be left ("pas le 19")."""
    return bool(reply_rules().negated_before.search(norm[max(0, start - 15) : start]))


def _day_in_request_month(
    day: int, today: date, req: RequestView, weekday: int | None = None
) -> date | None:
    """Day `day` of the request's month, or of the next month when already past.

    With a weekday (« le mardi 12 »), the first such month where the day is that weekday.
    """
    base = req.event_date or today
    year, month = base.year, base.month
    first: date | None = None
    for _ in range(13):
        try:
            candidate = date(year, month, day)
        except ValueError:
            candidate = None
        if candidate is not None and candidate >= today:
            if weekday is None or candidate.weekday() == weekday:
                return candidate
            first = first or candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return first


def _explicit(written: str) -> bool:
    """Whether a date mention names its month (not a bare day nor a weekday)."""
    v = vocabulary()
    return bool(re.search(rf"\b(?:{v.month_re})\b|\d[/.-]\d", written))


def _new_date(
    norm: str, today: date, req: RequestView
) -> tuple[date | None, list[tuple[int, int]]]:
    """The new date (written in full, a day of the month, a weekday, a shift) and date spans."""
    r, v = reply_rules(), vocabulary()
    spans: list[tuple[int, int]] = []
    day: date | None = None
    same: date | None = None  # the request's own date, named beside a new one
    # Only a month or a numeric date is read by the request parser's dates (a weekday or a
    # day alone is read against the request below); skipping the rest skips its slow fallback.
    written = r.written_date.search(norm) is not None
    for mention in dates.mentions(norm, today) if written else ():
        spans.append((mention.start, mention.end))
        written = norm[mention.start : mention.end]
        if day is not None or not _explicit(written) or mention.role not in ("event", "new"):
            continue  # bare days and weekdays are read against the request below
        if not _negated(norm, mention.start):
            day = mention.day
            if day == req.event_date:
                same, day = day, None  # « Le 14 ne va plus, plutôt le 28 »: the other one
    for m in r.bare_day.finditer(norm):
        spans.append(m.span())
        if day is None and not _negated(norm, m.start()):
            named = m.group(1) or m.group(2)
            weekday = v.weekdays[named] if named else None
            day = _day_in_request_month(int(m.group(3)), today, req, weekday)
            if day == req.event_date:
                same, day = day, None
    day = day or same
    if day is not None:
        return day, spans
    if req.event_date is not None:
        shifted = _shifted(norm, req.event_date)
        if shifted is not None:
            return shifted, spans
    moved = r.correct_cue.search(norm) or r.move_cue.search(norm)
    m = r.today_offset.search(norm)
    if m is not None and moved and not _negated(norm, m.start()):
        return dates.event_date(m.group(0), today), spans
    week = _week_offset(norm)
    weekdays = [m for m in r.weekday.finditer(norm) if not _negated(norm, m.start())]
    # « mardi et pas jeudi »: another day named to be left says the day changes.
    left = any(_negated(norm, m.start()) for m in r.weekday.finditer(norm))
    short = len(norm.split()) <= 3
    for m in weekdays:
        if not (moved or left or week or short):
            continue  # « à jeudi ! » greets; « finalement jeudi » moves the event
        if m.group(2) or req.event_date is None:
            return dates.event_date(norm[m.start() : m.end()], today), spans
        monday = req.event_date - timedelta(days=req.event_date.weekday())
        return monday + timedelta(days=v.weekdays[m.group(1)] + week), spans
    if req.event_date is None or not (moved or week):
        return None, spans
    if week:
        return req.event_date + timedelta(days=week), spans
    for pattern, days in ((r.day_after, 1), (r.day_before, -1)):
        m = pattern.search(norm)
        if m is not None and not r.not_moved.search(norm[max(0, m.start() - 40) : m.start()]):
            return req.event_date + timedelta(days=days), spans
    return None, spans


def _week_offset(norm: str) -> int:
    """Days to the week the reply names against the request's: 7 after, -7 before, or 0."""
    r = reply_rules()
    if r.week_after.search(norm):
        return 7
    if r.week_before.search(norm):
        return -7
    return 0


def _count(word: str | None) -> int:
    """A written count: « une », "a", "deux", 15."""
    if word is None or word in ("une", "un", "a", "an", "one"):
        return 1
    return to_int(word) or 0


def _shifted(norm: str, event: date) -> date | None:
    """The date moved by a duration: « on repousse d'une semaine », "a week later"."""
    r = reply_rules()
    m = r.shift.search(norm)
    later = r.later.search(norm)
    if m is None and later is None:
        return None
    found = m if m is not None else later
    assert found is not None
    count, unit = _count(found.group(1)), found.group(2)
    if not count:
        return None
    days = count * (7 if unit[0] in "sw" else 1)
    # « quinze jours », « une quinzaine », « huit jours » are two weeks and one.
    if unit == "quinzaine" or (unit[0] == "j" and count == 15):
        days = 14
    elif unit[0] == "j" and count == 8:
        days = 7
    if m is not None and r.earlier.search(m.group(0)):
        days = -days
    elif m is None and later.group(3) in ("plus tot", "earlier", "avant", "before"):
        days = -days
    return event + timedelta(days=days)


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _clock(minutes: int) -> time | None:
    return time(minutes // 60, minutes % 60) if 0 <= minutes < 24 * 60 else None


def _time_shift(norm: str) -> int:
    """Minutes the whole slot moves by ("une heure plus tard", "push it back by an hour")."""
    r = reply_rules()
    for m in r.time_shift.finditer(norm):
        written_by = re.match(r"(?:d'|de|by|of|back)\b", m.group(0)) is not None
        verb = r.shift_verb.search(norm[max(0, m.start() - 30) : m.start()])
        if m.group(4) is None and not (verb and written_by):
            continue  # "à 14h", "pendant 2 heures": no shift
        if m.group(1):
            minutes = 30
        else:
            count = 1 if m.group(2) in ("une", "un", "a", "an", "one") else to_int(m.group(2))
            if not count:
                continue
            minutes = count * (60 if m.group(3)[0] == "h" else 1)
        if m.group(4):
            earlier = m.group(4) in ("plus tot", "earlier")
        else:
            earlier = bool(verb and r.earlier.search(verb.group(0)))
        return -minutes if earlier else minutes
    return 0


def _new_times(norm: str, req: RequestView) -> dict[str, object]:
    """New start and end: a range, a start that keeps the duration, an end, or a shift."""
    r = reply_rules()
    out: dict[str, object] = {}
    delta = _time_shift(norm)
    if delta and req.start_time is not None:
        start = _clock(_minutes(req.start_time) + delta)
        if start is not None:
            out["start_time"] = start
        if req.end_time is not None:
            end = _clock(_minutes(req.end_time) + delta)
            if end is not None:
                out["end_time"] = end
        return out
    norm = _BARE_HOUR.sub(_with_hour, norm)
    for m in r.clock.finditer(norm):
        if r.side_time.search(norm[max(0, m.start() - 40) : m.start()]):
            norm = blank(norm, [m.span()])
    timing = times.timing(norm)
    if timing.start is None:
        # « on aura besoin de 2h plutôt qu'1h30 »: the same start, a new length.
        if timing.duration and req.start_time is not None:
            end = _clock(_minutes(req.start_time) + timing.duration)
            if end is not None and end != req.end_time:
                out["end_time"] = end
        return out
    if timing.end is not None and r.time_range.search(norm):
        return {"start_time": timing.start, "end_time": timing.end}
    first = r.clock.search(norm)
    if first is not None and r.end_before.search(norm[max(0, first.start() - 40) : first.start()]):
        return {"end_time": timing.start}
    out["start_time"] = timing.start
    if req.start_time is not None and req.end_time is not None:
        duration = _minutes(req.end_time) - _minutes(req.start_time)
        end = _clock(_minutes(timing.start) + duration)
        if end is not None:
            out["end_time"] = end
    return out


# "we'd rather start at 10", « on finit vers 5 »: a bare number after a start or an end is
# an hour (in working hours: 1 to 6 are in the afternoon).
_BARE_HOUR = re.compile(
    r"\b((?:start|begin|kick off|commenc|demarr|finish|end|wrap up|fini|termin)\w*"
    r"\s+(?:at|a|vers|around|about|by|for)\s+)(\d{1,2})\b(?!\s*(?:h|:|am|pm|\d|/|\.\d|%))"
)


def _with_hour(m: re.Match[str]) -> str:
    hour = int(m.group(2))
    if not 1 <= hour <= 23:
        return m.group(0)
    return f"{m.group(1)}{hour + 12 if hour <= 6 else hour}h"


def _new_place(ctx: ReplyContext, norm: str, req: RequestView) -> dict[str, object]:
    """New modality and city, read against the request's."""
    r = reply_rules()
    raw = vocabulary().raw["modality"]
    no_remote = bool(r.no_remote.search(norm))
    text = r.no_remote.sub(lambda m: " " * len(m.group(0)), norm)
    no_onsite = bool(r.no_onsite.search(text))
    text = r.no_onsite.sub(lambda m: " " * len(m.group(0)), text)
    # A city the remote part joins from is no place of the event.
    masked = _mask_remote_origins(text)
    place = places.place(Folded(ctx.folded.original, masked, ctx.folded.offsets))
    city = place.location if place.location in set(vocabulary().cities.values()) else None
    hybrid = bool(re.search(raw["hybrid"], text)) or place.modality == "hybride"
    # A link added for those who cannot come: the room stays, the event is hybrid.
    if req.modality == "presentiel" and not no_onsite and r.remote_added.search(text):
        hybrid = True
    remote = place.modality in ("distanciel", "hybride") and not no_remote and no_onsite
    remote = remote or (place.modality == "distanciel" and not no_remote)
    if remote and no_onsite:
        hybrid = False
    onsite = bool(re.search(raw["onsite"], text)) or city is not None or no_remote
    out: dict[str, object] = {}
    if hybrid and not no_remote:
        out["modality"] = "hybride"
        if city is not None:
            out["location"] = city
        return out
    if remote and city is None:
        return {"modality": "distanciel", "location": None}
    if city is not None:
        out["location"] = city
    if onsite:
        if req.modality in (None, "distanciel"):
            out["modality"] = "presentiel"
        elif req.modality == "hybride" and (no_remote or r.all_onsite.search(text)):
            out["modality"] = "presentiel"
    return out


def _mask_remote_origins(text: str) -> str:
    """Blank the cities the event leaves or the remote part joins from ("pas à Paris")."""
    r, v = reply_rules(), vocabulary()
    for m in v.city_re.finditer(text):
        before = text[max(0, m.start() - 40) : m.start()]
        left = r.negated_before.search(re.sub(r"\b(?:a|au|en|in|at|de|from)\s*$", "", before))
        if r.remote_origin.search(before) or left:
            text = blank(text, [m.span()])
    return text


def _new_counts(norm: str, req: RequestView) -> dict[str, object]:
    """New number of facilitators and of participants."""
    r = reply_rules()
    out: dict[str, object] = {}
    needed, spans = people.facilitators(norm)
    extra = r.one_more.search(norm)
    single = r.one_facilitator.search(norm)
    ordinal = r.ordinal.search(norm)
    if ordinal is not None:
        word = ordinal.group(1)
        needed = int(word) if word.isdigit() else _ORDINALS[word[:3]]
        spans = [*spans, ordinal.span()]
    elif extra is not None:
        needed = (req.facilitators_needed or 1) + 1
        spans = [*spans, extra.span()]
    elif single is not None:
        needed = 1
        spans = [*spans, single.span()]
    run_by = r.run_by.search(norm)
    if run_by is not None and _count(run_by.group(1)):
        needed = _count(run_by.group(1))
        spans = [*spans, run_by.span()]
    per = r.per_group.search(norm)
    if per is not None:
        # « 3 sous-groupes de 12, un facilitateur par groupe »: one for each group.
        each = _count(per.group(1))
        groups = r.groups.search(norm)
        if groups is not None and each and (count := _count(groups.group(1))):
            needed = each * count
            spans = [*spans, per.span()]
    delta = r.count_delta.search(norm)
    if delta is not None:
        # « 15 personnes de plus », "two more facilitators": against the request's count.
        noun = delta.group(2) or delta.group(3)
        fewer = delta.group(4) is not None and r.fewer.match(delta.group(4)) is not None
        step = _count(delta.group(1)) * (-1 if fewer else 1)
        if re.match(r"co-?facilit|facilit|co-?anim|anim|moderat", noun):
            needed = max(1, (req.facilitators_needed or 1) + step)
        elif req.participants:
            out["participants"] = max(1, req.participants + step)
            return {**out, **({"facilitators_needed": needed} if needed else {})}
        spans = [*spans, delta.span()]
    grown = r.attend_delta.search(norm)
    if grown is not None and req.participants:
        step = _count(grown.group(1)) * (-1 if r.fewer.match(grown.group(2)) else 1)
        out["participants"] = max(1, req.participants + step)
        return {**out, **({"facilitators_needed": needed} if needed else {})}
    if needed is not None:
        out["facilitators_needed"] = needed
    text = r.not_attendees.sub(lambda m: " " * len(m.group(0)), norm)
    # « on sera plutôt 18 »: the adverb between the verb and the count hides the count.
    text = _FILLER.sub(lambda m: m.group(1) + " " * (m.end() - m.end(1)), text)
    count = people.participants(text, spans)
    named = r.headcount.search(text)
    if count is None and named is not None:
        count = int(named.group(1))
    if count is not None:
        out["participants"] = count
    return out

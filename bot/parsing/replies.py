"""Understand a reply: a correction of a request, an intent, or a facilitator's answer."""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from difflib import SequenceMatcher
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.parsing import dates, parse, people, places, times
from bot.parsing.normalize import Folded, fold, fold_plain
from bot.parsing.numbers import to_int
from bot.parsing.vocabulary import vocabulary

__all__ = ["INTENTS", "Reply", "RequestView", "read_reply"]

log = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
_PATH = Path(__file__).with_name("replies.toml")

INTENTS = (
    "correct",
    "cancel",
    "status",
    "thanks",
    "note",
    "accept",
    "decline",
    "withdraw",
    "ask_which",
    "join",
    "help",
    "language",
    "typo",
    "request",
    "none",
)
# States where the event is over or off: a new date there is a new request.
_CLOSED = frozenset({"realisee", "annulee", "cloturee", "terminee"})
# A message this long in a request's conversation is information for the facilitators.
NOTE_MIN_WORDS = 7
_FILLER = re.compile(
    r"\b((?:sera|serons|seront|serait|be|are|est))\s+(?:plutot|finalement|donc|seulement|only|just"
    r"|actually|finally|now|maintenant|desormais)\b"
)
_ORDINALS = {"deu": 2, "sec": 2, "tro": 3, "thi": 3, "qua": 4, "fou": 4}
# A message this short is all about the value it gives (« 9h30-12h », « 25 personnes »).
SHORT_WORDS = 6


@dataclass(frozen=True)
class RequestView:
    """The request a reply belongs to, as it stands."""

    id: int
    state: str = "ouverte"
    event_date: date | None = None
    start_time: time | None = None
    end_time: time | None = None
    format: str | None = None
    modality: str | None = None
    location: str | None = None
    participants: int | None = None
    facilitators_needed: int = 1
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reply:
    """What a reply means: its intent and, for a correction, the fields that change."""

    intent: str
    changes: dict[str, object] = field(default_factory=dict)
    note: str | None = None
    request: int | None = None
    lang: str | None = None
    suggestion: str | None = None
    language: str = "fr"


@dataclass(frozen=True)
class _Rules:
    """The compiled phrases of replies.toml."""

    lang_ask: re.Pattern[str]
    lang_en: re.Pattern[str]
    lang_fr: re.Pattern[str]
    lang_alone: re.Pattern[str]
    not_spoken: re.Pattern[str]
    join: re.Pattern[str]
    help_alone: re.Pattern[str]
    help_ask: re.Pattern[str]
    withdraw: re.Pattern[str]
    decline: re.Pattern[str]
    accept: re.Pattern[str]
    assent: re.Pattern[str]
    regret: re.Pattern[str]
    cancel: re.Pattern[str]
    cancel_partial: re.Pattern[str]
    status: re.Pattern[str]
    thanks: re.Pattern[str]
    note: re.Pattern[str]
    chat: re.Pattern[str]
    again: re.Pattern[str]
    correct_cue: re.Pattern[str]
    no_remote: re.Pattern[str]
    all_onsite: re.Pattern[str]
    remote_origin: re.Pattern[str]
    end_before: re.Pattern[str]
    shift: re.Pattern[str]
    time_shift: re.Pattern[str]
    shift_verb: re.Pattern[str]
    earlier: re.Pattern[str]
    same_time: re.Pattern[str]
    format_before: re.Pattern[str]
    one_facilitator: re.Pattern[str]
    one_more: re.Pattern[str]
    ordinal: re.Pattern[str]
    not_attendees: re.Pattern[str]
    negated_before: re.Pattern[str]
    bare_day: re.Pattern[str]
    written_date: re.Pattern[str]
    weekday: re.Pattern[str]
    time_range: re.Pattern[str]
    clock: re.Pattern[str]
    number_ref: re.Pattern[str]
    mention: re.Pattern[str]
    url: re.Pattern[str]


def _any(fragments: list[str]) -> str:
    """Join regex fragments into one alternation."""
    return "(?:" + "|".join(fragments) + ")"


@cache
def _rules() -> _Rules:
    """Load and compile the phrases (once per process)."""
    with _PATH.open("rb") as handle:
        raw = tomllib.load(handle)
    v = vocabulary()
    c = raw["correct"]
    num = v.number_re
    amount = rf"(?:d'|de |by |of )?(?:(une?|a|an|one|{num})\s+)"
    return _Rules(
        lang_ask=re.compile(_any(raw["language"]["ask"])),
        lang_en=re.compile(rf"\b{_any(raw['language']['english'])}\b"),
        lang_fr=re.compile(rf"\b{_any(raw['language']['french'])}\b"),
        lang_alone=re.compile(_any(raw["language"]["alone"])),
        not_spoken=re.compile(_any(raw["language"]["not_spoken"])),
        join=re.compile(_any(raw["join"]["ask"])),
        help_alone=re.compile(rf"{_any(raw['help']['alone'])}"),
        help_ask=re.compile(_any(raw["help"]["ask"])),
        withdraw=re.compile(_any(raw["facilitator"]["withdraw"])),
        decline=re.compile(_any(raw["facilitator"]["decline"])),
        accept=re.compile(_any(raw["facilitator"]["accept"])),
        assent=re.compile(_any(raw["facilitator"]["assent"])),
        regret=re.compile(_any(raw["facilitator"]["regret"])),
        cancel=re.compile(_any(raw["cancel"]["ask"])),
        cancel_partial=re.compile(_any(raw["cancel"]["partial"])),
        status=re.compile(_any(raw["status"]["ask"])),
        thanks=re.compile(_any(raw["thanks"]["ask"])),
        note=re.compile(_any(raw["note"]["cue"])),
        chat=re.compile(_any(raw["note"]["chat"])),
        again=re.compile(_any(raw["request"]["again"])),
        correct_cue=re.compile(rf"\b{_any(c['cue'])}\b"),
        no_remote=re.compile(_any(c["no_remote"])),
        all_onsite=re.compile(_any(c["all_onsite"])),
        remote_origin=re.compile(c["remote_origin"]),
        end_before=re.compile(c["end_before"]),
        shift=re.compile(
            rf"\b(?:{c['shift_verb']})\b[^.;!?\d]{{0,25}}?\b{amount}"
            r"(semaines?|weeks?|jours?|days?|quinzaine)\b"
        ),
        time_shift=re.compile(
            r"(?:\b(?:d'|de|by|of|back)\s*)?"
            rf"\b(?:(une demi[- ]heure|half an hour)|(une?|a|an|one|{num})\s*"
            r"(heures?|hours?|h|minutes?|mins?|mn))\b(?:\s+(plus tard|later|plus tot|earlier))?"
        ),
        shift_verb=re.compile(rf"\b(?:{c['shift_verb']})\b"),
        earlier=re.compile(rf"\b(?:{c['earlier']})"),
        same_time=re.compile(rf"\b(?:{c['same_time']})\b"),
        format_before=re.compile(c["format_before"]),
        one_facilitator=re.compile(rf"\b(?:{c['one_facilitator']})\b"),
        one_more=re.compile(rf"\b(?:{c['one_more']})"),
        ordinal=re.compile(c["ordinal"]),
        not_attendees=re.compile(c["not_attendees"]),
        negated_before=re.compile(rf"\b{c['negated_before']}"),
        bare_day=re.compile(
            r"\b(?:(?:le|au|the|du|on the|for the|c)\s+"
            rf"(?:({v.weekday_re})\s+)?|({v.weekday_re})\s+)"
            r"(\d{1,2})(?:er|e|eme|st|nd|rd|th)?\b"
            rf"(?!\s*(?:h\b|h\d|:|/|\.\d|%|\d|am\b|pm\b|(?:{v.month_re})\b))"
        ),
        written_date=re.compile(rf"\b(?:{v.month_re})\b|\d[/.-]\d"),
        weekday=re.compile(
            rf"\b({v.weekday_re})\b(?!\s*\d)(?:\s+(prochain|next|en huit|dernier|last))?"
        ),
        time_range=re.compile(
            r"\b\d{1,2}(?:[h:][0-5]\d|\s?h)?\s?(?:am|pm)?\s*"
            r"(?:-|a|to|till|until|jusqu'a|>)\s*\d{1,2}(?:[h:][0-5]\d|\s?h)?\s?(?:am|pm)?\b"
        ),
        clock=re.compile(
            r"\b\d{1,2}\s?(?:h|heures?)(?:\s?[0-5]\d)?\b|\b\d{1,2}(?::[0-5]\d)?\s?(?:am|pm)\b"
            r"|\b\d{1,2}:[0-5]\d\b|\bmidi\b|\bnoon\b"
        ),
        number_ref=re.compile(
            r"#\s?(\d{1,6})\b|\b(?:la|demande|request|mission|n°|no|numero|number)\s+#?(\d{1,6})\b"
        ),
        mention=re.compile(r"@?\bfacilibot\b\s*[:,]?", re.IGNORECASE),
        url=re.compile(r"https?://\S+|www\.\S+"),
    )


def read_reply(
    text: str,
    now: datetime,
    *,
    where: str,
    who: str,
    request: RequestView | None,
    pinged: tuple[int, ...] = (),
    commands: tuple[str, ...] = (),
    prefix: str = "!",
) -> Reply:
    """Read one reply sent at `now` (tz-aware) in a thread, reply, dm or room; never raises."""
    try:
        return _read(text, now, where, who, request, tuple(pinged), commands, prefix)
    except Exception:  # the bot must keep going whatever a user types
        log.exception("reply reader failed on a message of %d characters", len(text or ""))
        return Reply("none")


@dataclass
class _Context:
    """One reply being read."""

    text: str
    folded: Folded
    norm: str
    today: date
    where: str
    who: str
    request: RequestView | None
    pinged: tuple[int, ...]
    language: str


_EN_WORDS = re.compile(
    r"\b(?:the|we|we'?ll|we'?d|you|i|i'?m|i'?ll|it'?s|is|are|can|could|would|will|please|thanks"
    r"|thank|to|of|and|for|with|this|that|my|our|yes|sorry|sure|how|what|who|do|does|need|in"
    r"|on|at|be|have|has|no|not|just|after|actually|update|instead|anyone|help)\b"
)
_FR_WORDS = re.compile(
    r"\b(?:le|la|les|un|une|des|du|de|et|est|je|j'|on|nous|vous|merci|pour|pas|ce|cette|qui|que"
    r"|il|elle|en|avec|sur|dans|au|aux|oui|non|svp|bonjour|finalement|plutot|sera|c'est|mais"
    r"|ou|tres|bien|quelqu'un|aide)\b"
)


def guess_language(norm: str) -> str:
    """Guess whether normalised text is French or English (French when unsure)."""
    english = len(_EN_WORDS.findall(norm))
    french = len(_FR_WORDS.findall(norm))
    return "en" if english > french else "fr"


def _read(
    text: str,
    now: datetime,
    where: str,
    who: str,
    request: RequestView | None,
    pinged: tuple[int, ...],
    commands: tuple[str, ...],
    prefix: str,
) -> Reply:
    """Read without the safety net."""
    if not isinstance(text, str):
        text = str(text)
    local = now.astimezone(PARIS) if now.tzinfo else now.replace(tzinfo=PARIS)
    folded = fold(text)
    norm = folded.text.strip()
    ctx = _Context(
        text, folded, norm, local.date(), where, who, request, pinged, guess_language(norm)
    )
    if not norm:
        return Reply("none", language=ctx.language)
    stripped = text.strip()
    if prefix and stripped.startswith(prefix):
        return _command(stripped, prefix, commands, ctx)
    for reader in (_language, _join, _help, _facilitator, _cancel, _status, _new_request):
        found = reader(ctx)
        if found is not None:
            return found
    changes = _changes(ctx) if _about_request(ctx) else {}
    if changes and _meant_as_change(ctx, changes):
        return Reply("correct", changes=changes, language=ctx.language)
    return _remark(ctx)


def _meant_as_change(ctx: _Context, changes: dict[str, object]) -> bool:
    """Whether values read in the reply are meant to change the request.

    A time or a place in a practical note (« café d'accueil à 8h45 ») changes nothing: a
    change is said as one (« finalement », « plutôt »), answers a missing field, or is the
    whole of a short message.
    """
    assert ctx.request is not None
    if _rules().correct_cue.search(ctx.norm):
        return True
    missing = set(ctx.request.missing)
    if "start_time" in missing or "end_time" in missing:
        missing |= {"start_time", "end_time"}
    if set(changes) <= missing | {"modality"} and set(changes) & missing:
        return True
    return len(re.findall(r"[a-z0-9']+", ctx.norm)) <= SHORT_WORDS


def _about_request(ctx: _Context) -> bool:
    """Whether the reply belongs to an open request's conversation."""
    req = ctx.request
    return req is not None and req.state not in _CLOSED and ctx.where != "room"


# Commands -------------------------------------------------------------------------------


def _distance(a: str, b: str) -> int:
    """Optimal string alignment distance: edits, with a swap of neighbours as one."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


@lru_cache(maxsize=1024)
def closest_command(word: str, commands: tuple[str, ...]) -> str | None:
    """Return the known command a mistyped `word` most likely meant, or None."""
    key = fold_plain(word)
    best: tuple[int, float, int, str] | None = None
    for index, name in enumerate(commands):
        target = fold_plain(name)
        limit = 1 if len(target) <= 4 else 2
        if abs(len(target) - len(key)) > limit:
            continue
        gap = _distance(key, target)
        if gap > limit:
            continue
        ratio = SequenceMatcher(None, key, target).ratio()
        candidate = (gap, -ratio, index, name)
        if best is None or candidate < best:
            best = candidate
    return best[3] if best else None


def _command(stripped: str, prefix: str, commands: tuple[str, ...], ctx: _Context) -> Reply:
    """A known command is the router's; a mistyped one gets a suggestion."""
    body = stripped[len(prefix) :]
    m = re.match(r"(\S+)(.*)", body, re.DOTALL)
    if m is None:
        return Reply("none", language=ctx.language)
    word, rest = m.group(1), m.group(2)
    known = {fold_plain(c) for c in commands}
    if fold_plain(word) in known:
        return Reply("none", language=ctx.language)
    name = closest_command(word, commands)
    if name is None:
        return Reply("help", language=ctx.language) if commands else Reply("none")
    return Reply("typo", suggestion=f"{prefix}{name}{rest.rstrip()}", language=ctx.language)


# Intents --------------------------------------------------------------------------------


def _language(ctx: _Context) -> Reply | None:
    """« pouvez-vous me répondre en anglais ? », "switch back to French"."""
    r = _rules()
    unspoken = r.not_spoken.search(ctx.norm)
    text = r.not_spoken.sub(" ", ctx.norm)
    bare = re.sub(r"[^\w?' -]+", " ", text).strip(" .!")
    if r.lang_alone.fullmatch(bare):
        lang = "en" if re.search(r"english|anglais", bare) else "fr"
        return Reply("language", lang=lang, language=ctx.language)
    picks = [(m.start(), "en") for m in r.lang_en.finditer(text)]
    picks += [(m.start(), "fr") for m in r.lang_fr.finditer(text)]
    if not picks or not r.lang_ask.search(text):
        if unspoken is None:
            return None
        # "I don't speak French": the other language.
        picks = [(0, "en" if re.search(r"french|francais", unspoken.group(0)) else "fr")]
    return Reply("language", lang=max(picks)[1], language=ctx.language)


def _join(ctx: _Context) -> Reply | None:
    """Someone who wants to become a facilitator."""
    if _rules().join.search(ctx.norm):
        return Reply("join", language=ctx.language)
    return None


def _help(ctx: _Context) -> Reply | None:
    """« aide », "help", how to ask, what the bot does."""
    r = _rules()
    named = r.mention.search(ctx.norm) is not None
    bare = r.mention.sub(" ", ctx.norm)
    bare = re.sub(r"[^\w?' -]+", " ", bare).strip(" .!")
    # The bot named with nothing else (« @Facilibot », « bonjour Facilibot ») asks what it does.
    greeting = named and re.fullmatch(r"(?:(?:bonjour|salut|hello|hi|hey|coucou)\s*)?", bare)
    if greeting or r.help_alone.fullmatch(bare) or r.help_ask.search(ctx.norm):
        return Reply("help", language=ctx.language)
    return None


def _number(ctx: _Context) -> int | None:
    """The request number written in the reply, if any."""
    for m in _rules().number_ref.finditer(ctx.norm):
        return int(m.group(1) or m.group(2))
    for m in re.finditer(r"\b(\d{1,6})\b", ctx.norm):
        if int(m.group(1)) in ctx.pinged:
            return int(m.group(1))
    return None


def _facilitator(ctx: _Context) -> Reply | None:
    """A facilitator's answer to a ping: accept, decline, withdraw, or which one?"""
    r = _rules()
    req = ctx.request
    if ctx.who != "facilitator" and not ctx.pinged:
        return None
    about = req is not None and ctx.where != "room"
    if not ctx.pinged and not about and not (ctx.where == "dm" and _number(ctx) is not None):
        return None
    text = ctx.norm
    intent = None
    if r.withdraw.search(text):
        intent = "withdraw"
    elif r.decline.search(text):
        # Someone who was not pinged and declines had accepted: a withdrawal.
        late = not ctx.pinged or re.search(r"\bfinalement\b|\bafter all\b", text)
        intent = "withdraw" if late else "decline"
    elif r.accept.search(text) or (ctx.pinged and ctx.where == "dm" and r.assent.search(text)):
        intent = "accept"
    elif ctx.pinged and r.regret.search(text):
        intent = "decline"
    if intent is None:
        return None
    number = _number(ctx)
    if number is None:
        if len(ctx.pinged) > 1:
            return Reply("ask_which", language=ctx.language)
        number = ctx.pinged[0] if ctx.pinged else (req.id if req else None)
    if number is None:
        return Reply("ask_which", language=ctx.language)
    return Reply(intent, request=number, language=ctx.language)


def _cancel(ctx: _Context) -> Reply | None:
    """The requester or a coordinator calls the request off."""
    r = _rules()
    req = ctx.request
    if req is None and ctx.where != "dm":
        return None
    if req is not None and req.state == "annulee":
        return None
    text = r.cancel_partial.sub(" ", ctx.norm)
    if r.cancel.search(text):
        return Reply("cancel", language=ctx.language)
    return None


def _status(ctx: _Context) -> Reply | None:
    """Who facilitates, where the request stands."""
    if ctx.request is None and ctx.where != "dm":
        return None
    if _rules().status.search(ctx.norm):
        return Reply("status", language=ctx.language)
    return None


def _new_request(ctx: _Context) -> Reply | None:
    """A new, separate request."""
    req = ctx.request
    if req is not None and ctx.where != "room":
        again = _rules().again.search(ctx.norm)
        if not again and req.state not in _CLOSED:
            return None
        if not again and not dates.mentions(ctx.norm, ctx.today):
            return None
    now = datetime.combine(ctx.today, time(12), PARIS)
    if parse(ctx.text, now).is_request:
        return Reply("request", language=ctx.language)
    return None


def _remark(ctx: _Context) -> Reply:
    """Information for the facilitators, thanks, or conversation between people."""
    r = _rules()
    about = ctx.request is not None and ctx.where != "room"
    if about and r.note.search(ctx.norm):
        return Reply("note", note=ctx.text.strip(), language=ctx.language)
    if r.thanks.search(ctx.norm):
        return Reply("thanks", language=ctx.language)
    words = len(re.findall(r"[a-z0-9']+", ctx.norm))
    if about and words >= NOTE_MIN_WORDS and not r.chat.search(ctx.norm):
        return Reply("note", note=ctx.text.strip(), language=ctx.language)
    return Reply("none", language=ctx.language)


# Corrections ----------------------------------------------------------------------------


def _changes(ctx: _Context) -> dict[str, object]:
    """The fields the reply changes, read against the request as it stands."""
    req = ctx.request
    assert req is not None
    r = _rules()
    # A link's path is no date, time or place.
    norm = r.url.sub(lambda m: " " * len(m.group(0)), ctx.norm)
    found: dict[str, object] = {}
    day, spans = _new_date(norm, ctx.today, req)
    if day is not None:
        found["event_date"] = day
    found.update(_new_times(norm, req))
    found.update(_new_place(ctx, norm, req))
    # A day of the month is no headcount ("le 26 pas le 19").
    found.update(_new_counts(_blank(norm, spans), req))
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
    for cue in _rules().format_before.finditer(norm):
        for pattern, name, _rank in vocabulary().formats:
            if pattern.match(norm, cue.end()):
                return name
    return None


def _negated(norm: str, start: int) -> bool:
    """Whether the word at `start` is named to be left ("pas le 19")."""
    return bool(_rules().negated_before.search(norm[max(0, start - 15) : start]))


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


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """Replace the spans of `text` with spaces, keeping offsets."""
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def _new_date(
    norm: str, today: date, req: RequestView
) -> tuple[date | None, list[tuple[int, int]]]:
    """The new date (written in full, a day of the month, a weekday, a shift) and date spans."""
    r, v = _rules(), vocabulary()
    spans: list[tuple[int, int]] = []
    day: date | None = None
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
    for m in r.bare_day.finditer(norm):
        spans.append(m.span())
        if day is None and not _negated(norm, m.start()):
            named = m.group(1) or m.group(2)
            weekday = v.weekdays[named] if named else None
            day = _day_in_request_month(int(m.group(3)), today, req, weekday)
    if day is not None:
        return day, spans
    m = r.shift.search(norm)
    if m is not None and req.event_date is not None:
        count = 1 if m.group(1) in ("une", "un", "a", "an", "one") else to_int(m.group(1) or "1")
        unit = m.group(2)
        if count:
            days = count * (7 if unit[0] in "sw" else 1)
            # « quinze jours », « une quinzaine », « huit jours » are two weeks and one.
            if unit == "quinzaine" or (unit[0] == "j" and count == 15):
                days = 14
            elif unit[0] == "j" and count == 8:
                days = 7
            if r.earlier.search(m.group(0)):
                days = -days
            return req.event_date + timedelta(days=days), spans
    for m in r.weekday.finditer(norm):
        if _negated(norm, m.start()) or not r.correct_cue.search(norm):
            continue  # « à jeudi ! » greets; « finalement jeudi » moves the event
        if m.group(2) or req.event_date is None:
            return dates.event_date(norm[m.start() : m.end()], today), spans
        monday = req.event_date - timedelta(days=req.event_date.weekday())
        return monday + timedelta(days=v.weekdays[m.group(1)]), spans
    return None, spans


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _clock(minutes: int) -> time | None:
    return time(minutes // 60, minutes % 60) if 0 <= minutes < 24 * 60 else None


def _time_shift(norm: str) -> int:
    """Minutes the whole slot moves by ("une heure plus tard", "push it back by an hour")."""
    r = _rules()
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
    r = _rules()
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
    timing = times.timing(norm)
    if timing.start is None:
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


def _new_place(ctx: _Context, norm: str, req: RequestView) -> dict[str, object]:
    """New modality and city, read against the request's."""
    r = _rules()
    raw = vocabulary().raw["modality"]
    no_remote = bool(r.no_remote.search(norm))
    text = r.no_remote.sub(lambda m: " " * len(m.group(0)), norm)
    # A city the remote part joins from is no place of the event.
    masked = _mask_remote_origins(text)
    place = places.place(Folded(ctx.folded.original, masked, ctx.folded.offsets))
    city = place.location if place.location in set(vocabulary().cities.values()) else None
    hybrid = bool(re.search(raw["hybrid"], text)) or place.modality == "hybride"
    remote = place.modality == "distanciel" and not no_remote
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
    r, v = _rules(), vocabulary()
    for m in v.city_re.finditer(text):
        before = text[max(0, m.start() - 40) : m.start()]
        left = r.negated_before.search(re.sub(r"\b(?:a|au|en|in|at|de|from)\s*$", "", before))
        if r.remote_origin.search(before) or left:
            text = text[: m.start()] + " " * (m.end() - m.start()) + text[m.end() :]
    return text


def _new_counts(norm: str, req: RequestView) -> dict[str, object]:
    """New number of facilitators and of participants."""
    r = _rules()
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
    if needed is not None:
        out["facilitators_needed"] = needed
    text = r.not_attendees.sub(lambda m: " " * len(m.group(0)), norm)
    # « on sera plutôt 18 »: the adverb between the verb and the count hides the count.
    text = _FILLER.sub(lambda m: m.group(1) + " " * (m.end() - m.end(1)), text)
    count = people.participants(text, spans)
    if count is not None:
        out["participants"] = count
    return out

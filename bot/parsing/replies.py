"""Understand a reply: a correction of a request, an intent, or a facilitator's answer."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, time
from difflib import SequenceMatcher
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.parsing import dates, parse
from bot.parsing.corrections import read_changes
from bot.parsing.language import heard_language
from bot.parsing.normalize import fold, fold_plain
from bot.parsing.reply_rules import ReplyContext, RequestView, reply_rules

log = logging.getLogger(__name__)


__all__ = ["INTENTS", "Reply", "RequestView", "read_reply"]


PARIS = ZoneInfo("Europe/Paris")


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
_CLOSED = frozenset({"realisee", "non tenue", "annulee", "cloturee", "terminee"})


# A message this long in a request's conversation is information for the facilitators.
NOTE_MIN_WORDS = 7


# A message this short is all about the value it gives (« 9h30-12h », « 25 personnes »).
SHORT_WORDS = 6


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


def guess_language(norm: str) -> str:
    """Whether normalised text is French or English (French when unsure): the bot's one
    reading of a message's language (`bot.parsing.language`)."""
    return heard_language(norm) or "fr"


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
    ctx = ReplyContext(
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
    changes = read_changes(ctx) if _about_request(ctx) else {}
    if changes and _meant_as_change(ctx, changes):
        return Reply("correct", changes=changes, language=ctx.language)
    if _asks_when_or_where(ctx):
        return Reply("status", language=ctx.language)
    return _remark(ctx)


def _meant_as_change(ctx: ReplyContext, changes: dict[str, object]) -> bool:
    """Whether values read in the reply are meant to change the request.

    A time or a place in a practical note (« café d'accueil à 8h45 ») changes nothing: a
    change is said as one (« finalement », « plutôt »), answers a missing field, or is the
    whole of a short message.
    """
    assert ctx.request is not None
    if reply_rules().correct_cue.search(ctx.norm):
        return True
    if _asks_when_or_where(ctx):
        return False  # « Où ça se passe, à Lyon ? » checks the place, it does not move it
    missing = set(ctx.request.missing)
    if "start_time" in missing or "end_time" in missing:
        missing |= {"start_time", "end_time"}
    if set(changes) <= missing | {"modality"} and set(changes) & missing:
        return True
    # « Les 3 directeurs interviendront en ouverture »: practical information, however short.
    if reply_rules().note.search(ctx.norm):
        return False
    return len(re.findall(r"[a-z0-9']+", ctx.norm)) <= SHORT_WORDS


def _about_request(ctx: ReplyContext) -> bool:
    """Whether the reply belongs to an open request's conversation."""
    req = ctx.request
    return req is not None and req.state not in _CLOSED and ctx.where != "room"


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


def _command(stripped: str, prefix: str, commands: tuple[str, ...], ctx: ReplyContext) -> Reply:
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


def _language(ctx: ReplyContext) -> Reply | None:
    """« pouvez-vous me répondre en anglais ? », "switch back to French"."""
    r = reply_rules()
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


def _join(ctx: ReplyContext) -> Reply | None:
    """Someone who wants to become a facilitator."""
    r = reply_rules()
    if r.join.search(ctx.norm) or (ctx.who == "other" and r.join_verb.search(ctx.norm)):
        return Reply("join", language=ctx.language)
    return None


def _help(ctx: ReplyContext) -> Reply | None:
    """« aide », "help", how to ask, what the bot does."""
    r = reply_rules()
    named = r.mention.search(ctx.norm) is not None
    bare = r.mention.sub(" ", ctx.norm)
    bare = re.sub(r"[^\w?' -]+", " ", bare).strip(" .!")
    # The bot named with nothing else (« @Facilibot », « bonjour Facilibot ») asks what it does.
    greeting = named and re.fullmatch(r"(?:(?:bonjour|salut|hello|hi|hey|coucou)\s*)?", bare)
    if greeting or r.help_alone.fullmatch(bare) or r.help_ask.search(ctx.norm):
        return Reply("help", language=ctx.language)
    return None


def _number(ctx: ReplyContext) -> int | None:
    """The request number written in the reply, if any."""
    for m in reply_rules().number_ref.finditer(ctx.norm):
        return int(m.group(1) or m.group(2))
    for m in re.finditer(r"\b(\d{1,6})\b", ctx.norm):
        if int(m.group(1)) in ctx.pinged:
            return int(m.group(1))
    return None


def _facilitator(ctx: ReplyContext) -> Reply | None:
    """A facilitator's answer to a ping: accept, decline, withdraw, or which one?"""
    r = reply_rules()
    req = ctx.request
    if ctx.who != "facilitator" and not ctx.pinged:
        return None
    about = req is not None and ctx.where != "room"
    if not ctx.pinged and not about and not (ctx.where == "dm" and _number(ctx) is not None):
        return None
    if not ctx.pinged and r.addressed.search(ctx.norm):
        return None  # « @Tom sounds good »: an answer to a person, not to the request
    text = ctx.norm
    intent = None
    if r.withdraw.search(text):
        intent = "withdraw"
    elif r.decline.search(text):
        # Someone who was not pinged and declines had accepted: a withdrawal.
        # A request still open was taken by nobody yet: not pinged there is still a decline.
        taken = req is None or req.state != "ouverte"
        late = (not ctx.pinged and taken) or re.search(r"\bfinalement\b|\bafter all\b", text)
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


def _cancel(ctx: ReplyContext) -> Reply | None:
    """The requester or a coordinator calls the request off."""
    r = reply_rules()
    req = ctx.request
    if req is None and ctx.where != "dm":
        return None
    if req is not None and req.state == "annulee":
        return None
    text = r.cancel_partial.sub(" ", ctx.norm)
    if r.cancel.search(text):
        return Reply("cancel", language=ctx.language)
    return None


def _status(ctx: ReplyContext) -> Reply | None:
    """Who facilitates, where the request stands."""
    if ctx.request is None and ctx.where != "dm" and _number(ctx) is None:
        return None
    if reply_rules().status.search(ctx.norm) or _asks_how_it_stands(ctx):
        return Reply("status", language=ctx.language)
    return None


def _asks_when_or_where(ctx: ReplyContext) -> bool:
    """« c'est où déjà ? », "when is it again?" — read once no new value was found (« quand
    peut-on passer au 21 ? » changes the date); not « on se retrouve où pour déjeuner ? »."""
    r = reply_rules()
    norm = ctx.norm
    if ctx.request is None and ctx.where != "dm" and _number(ctx) is None:
        return False
    if not r.question.search(norm) or r.note.search(norm):
        return False
    return bool(r.ask_when.search(norm) or r.ask_where.search(norm) or "où" in ctx.text.lower())


def _asks_how_it_stands(ctx: ReplyContext) -> bool:
    """A question that gives no value but asks who facilitates, when or where it is, or
    whether someone took it (« c'est qui le facilitateur ? », "when is it again?")."""
    r = reply_rules()
    norm = ctx.norm
    if not r.question.search(norm):
        return False
    who = r.ask_who.search(norm)
    if who is not None and (r.who_about.search(norm) or len(norm.split()) <= 4):
        return True
    subject = r.staff_subject.search(norm)
    if subject is None:
        return False
    # « ya qqn ? », « on a quelqu'un ? »: the question is the person.
    short = len(norm.split()) <= 4 and subject.group(0) != "personne" and not re.search(r"\d", norm)
    return short or r.staff_state.search(norm, subject.end()) is not None


def _new_request(ctx: ReplyContext) -> Reply | None:
    """A new, separate request."""
    req = ctx.request
    if req is not None and ctx.where != "room":
        again = reply_rules().again.search(ctx.norm)
        if not again and req.state not in _CLOSED:
            return None
        if not again and not dates.mentions(ctx.norm, ctx.today):
            return None
    now = datetime.combine(ctx.today, time(12), PARIS)
    if parse(ctx.text, now).is_request:
        return Reply("request", language=ctx.language)
    return None


def _remark(ctx: ReplyContext) -> Reply:
    """Information for the facilitators, thanks, or conversation between people."""
    r = reply_rules()
    about = ctx.request is not None and ctx.where != "room"
    # « Bonjour Claire, je vous propose un point mardi ? »: people speaking to each other.
    between = r.chat.search(ctx.norm) is not None and r.addressed.search(ctx.norm) is not None
    if about and not between and r.note.search(ctx.norm):
        return Reply("note", note=ctx.text.strip(), language=ctx.language)
    if r.thanks.search(ctx.norm):
        return Reply("thanks", language=ctx.language)
    if r.mention.search(ctx.norm) and r.question.search(ctx.norm):
        return Reply("help", language=ctx.language)  # a question to the bot it cannot read
    if between:
        return Reply("none", language=ctx.language)
    words = len(re.findall(r"[a-z0-9']+", ctx.norm))
    if about and words >= NOTE_MIN_WORDS and not r.chat.search(ctx.norm):
        return Reply("note", note=ctx.text.strip(), language=ctx.language)
    return Reply("none", language=ctx.language)

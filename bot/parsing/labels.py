"""Name the format, the directorate and the topic of a request."""

from __future__ import annotations

import re
from functools import cache

from bot.parsing.normalize import Folded, fold_plain
from bot.parsing.vocabulary import vocabulary

_TOPIC_LEAD = re.compile(
    r"\s*(?:de\s+|d'|du\s+|des\s+|sur\s+|autour\s+d[eu]\s+|about\s+|on\s+the\s+|"
    r"pour\s+(?:preparer|construire|travailler\s+sur|definir|co-?construire)\s+)"
    r"(?:la\s+|le\s+|les\s+|l'|nos\s+|notre\s+|vos\s+|votre\s+|our\s+|your\s+)?"
)
_TOPIC_ANYWHERE = re.compile(r"\b(?:sur|autour d[eu]|consacre a|dedie a)\s+(?:la |le |les |l')?")
_TOPIC_WORD = re.compile(r"[a-z][a-z'-]*")
_GENERIC = frozenset(
    {"equipe", "service", "travail", "facilitation", "site", "place", "teams", "bercy", "tchap"}
    | {"direction", "projet", "sprint", "l'equipe", "groupe", "bureau", "pole", "cadres"}
)
_LINKS = frozenset({"de", "du", "des", "d'", "et", "of", "the", "a", "au", "and", "en"})
_ARTICLES = frozenset({"la", "le", "les"})
MAX_TOPIC_WORDS = 8


@cache
def _stop_words() -> frozenset[str]:
    """Words that end a topic phrase: prepositions, dates, places."""
    v = vocabulary()
    words = {
        "le", "la", "les", "pour", "avec", "a", "au", "aux", "en", "dans", "on", "in", "at", "from",
        "for", "with", "this", "next", "ce", "cette", "demain", "apres-demain", "tomorrow", "qui",
        "que", "et", "and", "par", "by", "chez", "depuis", "lundi", "entre", "vers", "sera", "est",
        "aura", "animee", "anime", "organise", "organisee", "prevu", "prevue", "of", "to", "un",
        "une", "nous", "we", "our", "notre", "nos", "vos", "votre", "d'une", "d'un", "via",
    }  # fmt: skip
    return frozenset(words | set(v.weekdays) | set(v.months) | set(v.number_words))


# Rank of the formats only a generic word names ("une réunion", "a meeting").
GENERIC_RANK = 3


def event_format(text: str, *, named: bool = False) -> str | None:
    """Return the canonical format, methods before the events that contain them.

    `named`: only a format named as such, not a bare "réunion" or "meeting".
    """
    best: tuple[int, int, str] | None = None
    for pattern, name, rank in vocabulary().formats:
        if named and rank >= GENERIC_RANK:
            continue
        m = pattern.search(text)
        if m is not None and (best is None or (rank, m.start()) < best[:2]):
            best = (rank, m.start(), name)
    return best[2] if best else None


# "le secrétariat général de l'Insee": a service named with the directorate it belongs to.
_OF = re.compile(r"\s*(?:de la |de l'|du |des |d'|of the |of )")


def directorate(text: str) -> str | None:
    """Return the first directorate named, in canonical form (the owner of a named service)."""
    v = vocabulary()
    first = v.any_directorate.search(text)
    if first is None:
        return None
    # No directorate is named before this point: each one named here is where its own
    # scan would have found it first; the shortest name wins, as in `_named`.
    start = first.start()
    here = []
    for pattern, name in v.directorates:
        if (m := pattern.match(text, start)) is not None:
            here.append((m.end(), name))
    end, name = min(here)
    if _OF.match(text, end) is None:
        return name
    return _named(text)


def _named(text: str) -> str | None:
    """The first directorate named, every directorate's pattern scanning the whole text; a
    service named with the directorate it belongs to gives that directorate."""
    found: list[tuple[int, int, str]] = []
    for pattern, name in vocabulary().directorates:
        m = pattern.search(text)
        if m is not None:
            found.append((m.start(), m.end(), name))
    if not found:
        return None
    found.sort()
    _, end, name = found[0]
    of = _OF.match(text, end)
    if of is not None:
        for other_start, _, other in found[1:]:
            if other_start == of.end() and other != name:
                return other
    return name


def _phrase(folded: Folded, start: int) -> str | None:
    """Read a short noun phrase starting at `start`, stopping at dates, places, punctuation."""
    text, stops, cities = folded.text, _stop_words(), vocabulary().cities
    kept: list[tuple[str, int]] = []
    end = start
    for m in _TOPIC_WORD.finditer(text, start):
        if text[end : m.start()].strip() or len(kept) >= MAX_TOPIC_WORDS:
            break
        word = m.group(0)
        after_link = bool(kept) and kept[-1][0] in ("de", "du", "des")
        if (word in stops and not (word in _ARTICLES and after_link)) or word in cities:
            break
        if directorate(word) is not None:
            break
        kept.append((word, m.end()))
        end = m.end()
    while kept and (kept[-1][0] in _LINKS or kept[-1][0] in _ARTICLES):
        kept.pop()
    if not kept:
        return None
    phrase = folded.source(start, kept[-1][1]).strip(" '-")
    if fold_plain(phrase) in _GENERIC or len(phrase) < 3:
        return None
    return phrase


def topic(folded: Folded) -> str | None:
    """Return a short summary of what the session is about, or None."""
    text = folded.text
    for pattern, _name, _rank in vocabulary().formats:
        for m in pattern.finditer(text):
            lead = _TOPIC_LEAD.match(text, m.end())
            if lead is not None:
                phrase = _phrase(folded, lead.end())
                if phrase is not None:
                    return phrase
    for m in _TOPIC_ANYWHERE.finditer(text):
        phrase = _phrase(folded, m.end())
        if phrase is not None:
            return phrase
    return None


# A name in quotes after an event word or a naming word ("atelier « parcours de formation »",
# "a workshop called "Cancel or keep?"", "séminaire intitulé « l'accueil de demain »"): the
# event's title. Its words name the event; they are no act or date of the writer's.
_QUOTED = re.compile(r"\"[^\"\n]{1,80}\"")
_HEAD = re.compile(r"(?:[a-z'-]+\s+){0,4}:?\s*$")
_NAMING = re.compile(
    r"\b(?:intitulee?s?|titled|called|named|nommee?s?|baptisee?s?|theme|sujet|topic)\b"
)


def title_spans(text: str) -> list[tuple[int, int]]:
    """Return where `text` (normalised) quotes an event's title, the quotes included."""
    if '"' not in text:
        return []
    events = vocabulary().pattern("dates", "event_words")
    out = []
    for m in _QUOTED.finditer(text):
        head = _HEAD.search(text, max(0, m.start() - 60), m.start())
        words = head.group(0) if head else ""
        if events.search(words) or _NAMING.search(words):
            out.append(m.span())
    return out


def mask_titles(text: str) -> str:
    """Blank the words of the quoted titles in `text` (normalised), keeping the quotes."""
    for start, end in title_spans(text):
        text = text[: start + 1] + " " * (end - start - 2) + text[end - 1 :]
    return text

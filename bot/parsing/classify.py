"""Decide whether a message asks the network to facilitate an event."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from bot.parsing.vocabulary import vocabulary


@dataclass(frozen=True)
class Evidence:
    """What the extractors found, as seen by the classifier."""

    has_date: bool
    has_time: bool
    has_format: bool
    has_place: bool
    has_people: bool


@cache
def _pattern(key: str) -> re.Pattern[str]:
    return re.compile(vocabulary().raw["classify"][key])


# Kinds of message that are not requests even when they name a date or a format.
_DECLINED = ("thanks", "availability", "question", "cancel", "notice")

_FIELD_LIST = re.compile(
    r"^\s*-?\s*(?:date|lieu|format|horaires?|direction|participants|besoin)\s*:", re.M
)


def is_request(text: str, evidence: Evidence) -> bool:
    """Return True when `text` (normalised) asks for a facilitation."""
    strong = bool(_pattern("strong_request").search(text) or _pattern("possible").search(text))
    declined = any(_pattern(kind).search(text) for kind in _DECLINED)
    if declined:
        # A thank-you or a question can still carry a real request with a date.
        return strong and evidence.has_date and not _pattern("cancel").search(text)
    if strong:
        return evidence.has_date or evidence.has_format or evidence.has_time or _asks(text)
    details = sum((evidence.has_date, evidence.has_time, evidence.has_place, evidence.has_people))
    if evidence.has_format and details >= 1:
        return True
    if _pattern("event_noun").search(text) and details >= 2:
        return True
    if len(_FIELD_LIST.findall(text)) >= 2:
        return True
    return bool(_pattern("facilitate").search(text)) and details >= 2


def _asks(text: str) -> bool:
    """Whether a strong phrase also says what for (facilitate, a session)."""
    return bool(_pattern("facilitate").search(text) or _pattern("event_noun").search(text))

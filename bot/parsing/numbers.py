"""Read numbers written in digits or in words (French and English)."""

from __future__ import annotations

import re

from bot.parsing.vocabulary import vocabulary

_SPLIT = re.compile(r"\s+(?:et|and)\s+|[-\s]+")


def to_int(token: str) -> int | None:
    """Return the value of "12", "douze", "vingt-cinq" or "one hundred and twenty"."""
    token = token.strip()
    if not token:
        return None
    if token.isdigit():
        return int(token)
    words = vocabulary().number_words
    if token in words:
        return words[token]
    total = current = 0
    pieces = _SPLIT.split(token)
    index = 0
    while index < len(pieces):
        piece = pieces[index]
        # "quatre-vingt" is one number, not four plus twenty.
        if piece == "quatre" and index + 1 < len(pieces) and pieces[index + 1].startswith("vingt"):
            current += 80
            index += 2
            continue
        value = words.get(piece)
        if value is None:
            return None
        if value == 100:
            current = max(current, 1) * 100
        elif value == 1000:
            total += max(current, 1) * 1000
            current = 0
        else:
            current += value
        index += 1
    return total + current


def approx_value(word: str) -> int | None:
    """Return the value of "dizaine", "vingtaine", "dozen"..."""
    return vocabulary().approx_words.get(word)

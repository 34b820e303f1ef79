"""Fold text for matching: lowercase, no accents, plain punctuation."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Longer messages are cut: a request fits well within this, and it bounds the cost.
MAX_CHARS = 4000

_SPECIAL = {
    "œ": "oe",
    "æ": "ae",
    "ß": "ss",
    "’": "'",
    "‘": "'",
    "`": "'",
    "´": "'",
    "ʼ": "'",
    "–": "-",
    "—": "-",
    "‑": "-",
    "‐": "-",
    "−": "-",
    "«": '"',
    "»": '"',
    "“": '"',
    "”": '"',
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "…": "...",
}


@dataclass(frozen=True)
class Folded:
    """Normalised text plus, for each of its characters, the index in the original."""

    original: str
    text: str
    offsets: tuple[int, ...]

    def source(self, start: int, end: int) -> str:
        """Return the original text behind the normalised span [start, end)."""
        if start >= end or start >= len(self.offsets):
            return ""
        first = self.offsets[start]
        last = self.offsets[end - 1] + 1 if end - 1 < len(self.offsets) else len(self.original)
        return self.original[first:last]

    def after(self, start: int) -> Folded:
        """The folded text from normalised index `start` on, with its offsets."""
        shift = self.offsets[start] if start < len(self.offsets) else len(self.original)
        return Folded(
            self.original[shift:],
            self.text[start:],
            tuple(offset - shift for offset in self.offsets[start:]),
        )


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """Fold one character to lowercase ASCII-ish text."""
    if char in _SPECIAL:
        return _SPECIAL[char]
    if char == "\n":
        return "\n"
    category = unicodedata.category(char)
    if category[0] in "CZ":
        return " "
    decomposed = unicodedata.normalize("NFKD", char.lower())
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPECIAL.get(folded, folded)


@lru_cache(maxsize=8)
def fold(text: str) -> Folded:
    """Normalise `text`, collapsing runs of spaces and keeping line breaks.

    The last few are kept: a message is folded by several readers in turn (its
    language, the parser, the conversation's cues), and the result is immutable.
    """
    original = text[:MAX_CHARS]
    out: list[str] = []
    offsets: list[int] = []
    previous_space = True
    for index, char in enumerate(original):
        piece = char.lower() if char.isascii() and char.isalnum() else _fold_char(char)
        for sub in piece:
            if sub == " ":
                if previous_space:
                    continue
                previous_space = True
            elif sub == "\n":
                if out and out[-1] == " ":
                    out.pop()
                    offsets.pop()
                previous_space = True
            else:
                previous_space = False
            out.append(sub)
            offsets.append(index)
    return Folded(original, "".join(out), tuple(offsets))


def blank(text: str, spans: list[tuple[int, int]]) -> str:
    """Replace the spans of `text` with spaces, keeping offsets."""
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def fold_plain(text: str) -> str:
    """Normalise a vocabulary entry the same way as message text."""
    return fold(text).text.strip()

"""Sentences in two languages, and which one to answer a person in.

The bot writes French first. A sentence that people writing in English may read
is a `Say`: its French text (it is a `str`, so it works wherever French is
expected) with its English twin beside it. The reader's language is the one
they chose (`!langue en`), else the one of the message being answered when it
is clear, else the one they last wrote in, else French.
"""

from __future__ import annotations

from datetime import datetime

from bot.parsing.language import heard_language
from storage.store import Store

LANGUAGES = ("fr", "en")


class Say(str):
    """A French sentence (a template for `str.format`) with its English twin."""

    en: str

    def __new__(cls, fr: str, en: str) -> Say:
        sentence = super().__new__(cls, fr)
        sentence.en = en
        return sentence

    def in_(self, lang: str) -> str:
        """The sentence in `lang` (French for any language it has no twin in)."""
        return self.en if lang == "en" else str(self)


def pick(sentence: str, lang: str) -> str:
    """A sentence in `lang`: the twin of a `Say`, any other text as it is."""
    return sentence.in_(lang) if isinstance(sentence, Say) else sentence


def render(sentence: str, lang: str, **values: object) -> str:
    """A sentence in `lang` with its values, each value that is a `Say` in `lang` too
    (a sentence given no values is returned as it is)."""
    text = pick(sentence, lang)
    if not values:
        return text
    return text.format(
        **{name: pick(v, lang) if isinstance(v, str) else v for name, v in values.items()}
    )


async def reader_language(
    store: Store, sender: str, body: str, *, prefix: str, at: datetime
) -> str:
    """The language to answer this message in; a clearly heard language is kept for the
    messages the bot will send this person later (reminders, notices)."""
    preference = await store.languages.get(sender)
    if preference is not None and preference.chosen:
        return preference.lang
    heard = heard_language(body) if body and not body.lstrip().startswith(prefix) else None
    if heard is None:
        return preference.lang if preference else "fr"
    if (preference.lang if preference else "fr") != heard:
        await store.languages.set(sender, heard, chosen=False, at=at)
    return heard

"""Which language a person wrote in, and whether a short answer says yes or no."""

from __future__ import annotations

import re

from bot.parsing.normalize import fold_plain

# Words that are common in one language and rare in the other (accents folded).
_ENGLISH = frozenset(
    "the we we'll we'd you i i'm i'll it's is are can could would will please thanks thank "
    "to of and for with this that my our yes sorry sure how what who do does need "
    "after actually update instead anyone someone looking facilitator facilitators "
    "workshop meeting session team people next week there here hi hello hey".split()
)
_FRENCH = frozenset(
    "le la les un une des du de et est je j on nous vous merci pour pas ce cette qui que "
    "il elle avec sur dans au aux oui non svp bonjour finalement plutot sera c'est mais "
    "ou tres bien quelqu'un aide personnes facilitateur facilitateurs facilitatrice atelier "
    "seminaire equipe salut cordialement besoin cherche".split()
)
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")

# Short answers that confirm or decline what the bot just asked, word by word; polite
# words may come with them (« oui merci », "yes please", « ok, je confirme »).
_YES = frozenset(
    "oui ouais yes yep yeah ok okay d'accord dac confirme confirmed confirm go absolument "
    "exactement parfait sure volontiers".split()
)
_YES_PHRASES = ("je confirme", "c'est ca", "tout a fait", "bien sur", "of course", "i confirm")
_NO = frozenset("non no nope".split())
_NO_PHRASES = ("pas du tout", "surtout pas", "laisse tomber", "never mind", "finalement non")
_POLITE = frozenset("merci svp stp please thanks thank you bien sur".split())


def heard_language(text: str) -> str | None:
    """« fr » or « en » when a message is clearly in one of them; None when unsure
    (a command, a number, « ok », a name)."""
    words = _WORD.findall(fold_plain(text))
    english = sum(w in _ENGLISH for w in words)
    french = sum(w in _FRENCH for w in words)
    if english >= 2 and english > 2 * french:
        return "en"
    if french >= 2 and french > 2 * english:
        return "fr"
    return None


def says_yes(text: str) -> bool:
    """Whether a short answer confirms (« oui », « ok », "yes", « oui, je confirme »)."""
    return _only(text, _YES, _YES_PHRASES)


def says_no(text: str) -> bool:
    """Whether a short answer declines (« non », "no", « non non, on garde »)."""
    words = _WORD.findall(fold_plain(text))
    if not words or len(words) > 5:
        return False
    joined = " ".join(words)
    return words[0] in _NO or any(joined.startswith(phrase) for phrase in _NO_PHRASES)


def _only(text: str, words: frozenset[str], phrases: tuple[str, ...]) -> bool:
    """Whether the text is made of these words or phrases (at least one), and polite words."""
    folded = " " + " ".join(_WORD.findall(fold_plain(text))) + " "
    found = False
    for phrase in phrases:
        if f" {phrase} " in folded:
            folded = folded.replace(f" {phrase} ", " ")
            found = True
    rest = folded.split()
    if len(rest) > 4:
        return False
    found = found or any(w in words for w in rest)
    return found and all(w in words or w in _POLITE for w in rest)

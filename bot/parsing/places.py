"""Find where the event happens: modality (on site, remote, hybrid) and city."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from bot.parsing.normalize import Folded
from bot.parsing.vocabulary import place_key, vocabulary

WEAK = 2


@dataclass(frozen=True)
class Place:
    """Modality and canonical city of the event."""

    modality: str | None
    location: str | None


@dataclass(frozen=True)
class _Patterns:
    hybrid: re.Pattern[str]
    remote: re.Pattern[str]
    onsite: re.Pattern[str]
    teams_word: re.Pattern[str]
    teams_capital: re.Pattern[str]
    arrondissement: re.Pattern[str]
    strong_before: re.Pattern[str]
    weak_before: re.Pattern[str]
    home_before: re.Pattern[str]
    plus_remote: re.Pattern[str]
    not_medium: re.Pattern[str]
    partial_remote: re.Pattern[str]
    team_before: re.Pattern[str]
    team_after: re.Pattern[str]
    venue_before: re.Pattern[str]
    event_place_before: re.Pattern[str]
    own_office_before: re.Pattern[str]


@cache
def _patterns() -> _Patterns:
    """Compile the place patterns from the vocabulary."""
    raw = vocabulary().raw
    return _Patterns(
        hybrid=re.compile(raw["modality"]["hybrid"]),
        remote=re.compile(raw["modality"]["remote"]),
        onsite=re.compile(raw["modality"]["onsite"]),
        teams_word=re.compile(raw["modality"]["teams_word"]),
        teams_capital=re.compile(r"\bTeams\b|\bTEAMS\b"),
        arrondissement=re.compile(raw["places"]["paris_arrondissement"]),
        strong_before=re.compile(raw["places"]["strong_before"]),
        weak_before=re.compile(raw["places"]["weak_before"]),
        home_before=re.compile(raw["places"]["home_before"]),
        plus_remote=re.compile(
            r"^\s*(?:\)|,)?\s*(?:\+|et|and|&|avec|with)\s*(?:en |via |sur |on )?"
            r"(?:teams|visio\w*|webex|zoom|distanciel|a distance|remote|en ligne|online)\b"
        ),
        not_medium=re.compile(raw["modality"]["not_medium"]),
        partial_remote=re.compile(raw["modality"]["partial_remote"]),
        team_before=re.compile(raw["places"]["team_before"]),
        team_after=re.compile(raw["places"]["team_after"]),
        venue_before=re.compile(raw["places"]["venue_before"]),
        event_place_before=re.compile(raw["places"]["event_place_before"]),
        own_office_before=re.compile(raw["places"]["own_office_before"]),
    )


def _cities(folded: Folded) -> list[tuple[int, int, int, str]]:
    """Return (rank, position, end, city) for each city named; rank 0 is the event's place."""
    p, v = _patterns(), vocabulary()
    text = re.sub(r"[-']", " ", folded.text)
    out = []
    for m in v.city_re.finditer(text):
        key = place_key(m.group(0))
        city = v.cities.get(key)
        if city is None:
            continue
        if key in v.ambiguous_cities and not folded.source(m.start(), m.end())[:1].isupper():
            continue
        prefix = text[max(0, m.start() - 30) : m.start()]
        wide = text[max(0, m.start() - 70) : m.start()]
        if p.home_before.search(wide) or p.own_office_before.search(wide):
            continue  # the writer's own office
        if prefix.endswith(("seine ", "heure de ")) or text.startswith(" time", m.end()):
            continue  # a département ("Seine-Saint-Denis") or a time zone ("Paris time")
        if p.event_place_before.search(prefix):
            rank = -1
        elif p.team_after.match(text, m.end()):
            rank = WEAK  # "Insee Metz ici"
        elif p.venue_before.search(wide):
            rank = 0
        elif p.team_before.search(prefix):
            rank = WEAK
        elif p.strong_before.search(prefix):
            rank = 0
        else:
            rank = WEAK if p.weak_before.search(prefix) else 1
        if city == "Paris" and key != "paris":
            rank = min(rank, 1)  # Bercy and its buildings are event places
        out.append((rank, m.start(), m.end(), city))
    for m in p.arrondissement.finditer(folded.text):
        out.append((0, m.start(), m.end(), "Paris"))
    return sorted(out)


def _remote(text: str, original: str) -> bool:
    """Whether the text names a remote medium (visio, Teams, en ligne...)."""
    p = _patterns()
    return bool(
        p.remote.search(text) or p.teams_word.search(text) or p.teams_capital.search(original)
    )


# A town the list does not know, named after a venue ("dans un domaine à Chantilly",
# "salle municipale de Plérin", "at ENSAI in Bruz"): capitalised, as written.
_UNLISTED = re.compile(
    r"\b(?:domaine|salle municipale|salle des fetes|saline|chateau|abbaye|palais|centre|maison"
    r"|campus|site|locaux|premises|offices?|lieu ?:|location ?:|venue ?:)\b[^,.;:!?()\n]{0,30}?"
    r"\b(?:a|au|de|d'|in|at)\s*$"
)
_LINK = re.compile(r"\b(?:a|au|de|d'|in|at)\b")
_TOWN = re.compile(r"\s*([A-ZÀ-Ý][a-zà-ÿ]+(?:-[a-zà-ÿ]+-[A-ZÀ-Ý][a-zà-ÿ]+|-[A-ZÀ-Ý][a-zà-ÿ]+)*)\b")


def _unlisted_venue_town(folded: Folded) -> str | None:
    """Return a town named after a venue word though not in the list of cities, or None."""
    text = folded.text
    not_towns = vocabulary().raw["places"]["not_towns"]
    for m in _LINK.finditer(text):
        if not _UNLISTED.search(text[max(0, m.start() - 40) : m.end()]):
            continue
        town = _TOWN.match(folded.source(m.end(), min(len(text), m.end() + 40)))
        if town is not None and town.group(1).lower() not in not_towns:
            return town.group(1)
    return None


def place(folded: Folded) -> Place:
    """Return the modality and city of the event described in `folded`."""
    p = _patterns()
    # "pas encore sur Tchap", "vente en ligne", "travail hybride" name no medium.
    text = p.not_medium.sub(lambda m: " " * len(m.group(0)), folded.text)
    # A city only named as a team's home ("la DRFiP de Lyon") is not the event's place.
    cities = [c for c in _cities(folded) if c[0] < WEAK]
    city = cities[0][3] if cities else None
    if city is None:
        city = _unlisted_venue_town(folded)
        if city is not None:
            cities = [(0, 0, 0, city)]
    remote = _remote(text, folded.original)
    onsite = bool(p.onsite.search(text))
    hybrid = bool(p.hybrid.search(text))
    if not hybrid and remote and cities:
        # "(Lyon + visio)": a site plus a remote link is hybrid.
        hybrid = any(p.plus_remote.match(text[end : end + 25]) for _, _, end, _ in cities)
    if not hybrid and remote and (cities or onsite):
        # "à Bercy, avec quelques collègues à distance", "dont 4 en visio".
        hybrid = bool(p.partial_remote.search(text))
    if hybrid:
        return Place("hybride", city)
    if remote and onsite:
        return Place("hybride", city)
    if remote:
        return Place("distanciel", None)
    if onsite or city:
        return Place("presentiel", city)
    return Place(None, None)

"""Find where the event happens: modality (on site, remote, hybrid) and city."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from bot.parsing.labels import directorate
from bot.parsing.normalize import Folded, blank, fold_plain
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
    office_before: re.Pattern[str]
    closing: re.Pattern[str]
    signed: re.Pattern[str]
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
            r"^\s*(?:\)|,)?\s*(?:\+|et|and|&|avec|with|plus)\s*(?:en |via |sur |on )?"
            r"(?:teams|visio\w*|webex|zoom|distanciel|a distance|remote|en ligne|online)\b"
        ),
        not_medium=re.compile(raw["modality"]["not_medium"]),
        partial_remote=re.compile(raw["modality"]["partial_remote"]),
        team_before=re.compile(raw["places"]["team_before"]),
        team_after=re.compile(raw["places"]["team_after"]),
        venue_before=re.compile(raw["places"]["venue_before"]),
        office_before=re.compile(raw["places"]["office_before"]),
        closing=re.compile(raw["places"]["closing"]),
        # A last line that opens with a name and a comma or a dash ("Sébastien, SIE de
        # Rouen", "Manon – SIE d'Angers", "-- Anne"): the writer's signature.
        signed=re.compile(
            r"^\s*(?:--\s*)?[A-ZÀ-Ý][\w'-]+(?:\s+[A-ZÀ-Ý][\w'-]+){0,2}\s*(?:,|-|–|—|\(|$)"
        ),
        event_place_before=re.compile(raw["places"]["event_place_before"]),
        own_office_before=re.compile(raw["places"]["own_office_before"]),
    )


# First words of a last line that is a sentence, not a name.
_NOT_NAMES = frozenset(
    "merci thanks thank bonne bon belle bien cordialement hello bonjour salut hi ps nb lieu"
    " date format horaire rdv rendez a see".split()
)


def signature_start(folded: Folded) -> int:
    """Return where the writer's signature starts in `folded.text` (its length if none)."""
    text = folded.text
    if "\n" not in text.strip():
        return len(text)
    p = _patterns()
    position = 0
    for line in text.split("\n"):
        if position and p.closing.match(line):
            return position + len(line)  # "Cordialement," : what follows is signed
        position += len(line) + 1
    last = text.rstrip().rfind("\n") + 1
    line = folded.source(last, len(text.rstrip()))
    name = p.signed.match(line)
    if name is None or len(line) > 80:
        return len(text)
    first = place_key(line.split(",")[0].split()[0].strip("-–— ")) if line.split() else ""
    if first in vocabulary().cities or first in _NOT_NAMES or any(ch.isdigit() for ch in line):
        return len(text)  # "Lyon, salle 3", "Merci, à jeudi à Lyon": a place, not a name
    return last


def _cities(folded: Folded) -> list[tuple[float, int, int, str]]:
    """Return (rank, position, end, city) for each city named; rank 0 is the event's place."""
    p, v = _patterns(), vocabulary()
    text = re.sub(r"[-']", " ", folded.text)
    signed = signature_start(folded)
    out: list[tuple[float, int, int, str]] = []
    for m in v.city_re.finditer(text):
        key = place_key(m.group(0))
        city = v.cities.get(key)
        if city is None or m.start() >= signed:
            continue  # a city in the signature is the writer's, not the event's
        if key in v.ambiguous_cities and not folded.source(m.start(), m.end())[:1].isupper():
            continue
        prefix = text[max(0, m.start() - 30) : m.start()]
        wide = text[max(0, m.start() - 70) : m.start()]
        if p.home_before.search(wide) or p.own_office_before.search(wide):
            continue  # the writer's own office
        if _REMOTE_FROM.search(wide):
            continue  # "+ 3 collègues sur Teams depuis Marseille": where the remote ones are
        if prefix.endswith(("seine ", "heure de ")) or text.startswith(" time", m.end()):
            continue  # a département ("Seine-Saint-Denis") or a time zone ("Paris time")
        if p.event_place_before.search(prefix) or _LABELLED_LINE.search(text, 0, m.start()):
            rank = -1  # "Lieu : direction régionale des douanes de Bordeaux + Teams"
        elif p.team_after.match(text, m.end()):
            rank = WEAK  # "Insee Metz ici"
        elif p.office_before.search(wide):
            rank = 0.5
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
        if m.start() < signed:
            out.append((0, m.start(), m.end(), "Paris"))
    return sorted(out)


def _remote(text: str, folded: Folded, unsaid: list[tuple[int, int]]) -> bool:
    """Whether the text names a remote medium (visio, Teams, en ligne...).

    `unsaid`: spans of the original that name no medium of the event ("pas de Teams").
    """
    p = _patterns()
    if p.remote.search(text) or p.teams_word.search(text):
        return True
    return any(
        not any(a <= m.start() < b for a, b in unsaid)
        for m in p.teams_capital.finditer(folded.original)
    )


# A town the list does not know, named after a venue ("dans un domaine à Chantilly",
# "salle municipale de Plérin", "at ENSAI in Bruz"): capitalised, as written.
_UNLISTED = re.compile(
    r"\b(?:domaine|salle municipale|salle des fetes|saline|chateau|abbaye|palais|centre|maison"
    r"|campus|site|locaux|premises|offices?|lieu ?:|location ?:|venue ?:)\b[^,.;:!?()\n]{0,30}?"
    r"\b(?:a|au|de|d'|in|at)\s*$"
    r"|\bat [a-z-]+(?: [a-z-]+)? in\s*$"  # "at ENSAI in Bruz"
)
# Some of the attendees remote ("dont quelques-uns en visio"): the event still has a site.
_SOME_REMOTE = re.compile(
    r"\b(?:dont|certains|quelques|some|a few)\b[^.;!?\n,]{0,30}?"
    r"(?:a distance|en visio|en ligne|online|remote|remotely|teams)\b"
)
_LINK = re.compile(
    r"(?<!-)\b(?:a|au|de|d'|in|at)\b(?!-)|\b(?:lieu|location|venue|place|where|ou|adresse|address)\s*:"
    r"|\("
)
# A form's place line ("- Lieu : ..."): the town it names is the event's.
_LABELLED_LINE = re.compile(
    r"(?:^|\n)[\s*-]*(?:lieu|location|venue|place|adresse|address|ou|where)\s*:[^\n]*$"
)
# Attendees joining remotely from a town: the town is theirs, not the event's.
_REMOTE_FROM = re.compile(
    r"\b(?:teams|visio\w*|a distance|remote\w*|en ligne|online|zoom|webex|connecte\w*"
    r"|joining|dialing in)\b[^.;,!?\n]{0,25}\b(?:depuis|from)\s*$"
)
# "nos méthodes d'enquête en ligne": "en ligne" completing a noun names a topic, not the
# event's medium, when the event has a town of its own.
_TOPIC_ONLINE = re.compile(r"\b(?:d'|de |des |du )[a-z-]+ en ligne\b")
# A venue's town in brackets: "au Domaine des Vaux-de-Cernay (Cernay-la-Ville)".
_VENUE_BRACKET = re.compile(
    r"\b(?:domaine|salle|chateau|abbaye|palais|centre|center|maison|campus|site|hotel|manoir"
    r"|ferme|moulin|espace|auditorium|amphi\w*|cite|parc|institut|ecole|venue)\b"
    r"[^,.;:!?()\n]{0,40}\($"
)
_TOWN = re.compile(r"\s*([A-ZÀ-Ý][a-zà-ÿ]+(?:-[a-zà-ÿ]+-[A-ZÀ-Ý][a-zà-ÿ]+|-[A-ZÀ-Ý][a-zà-ÿ]+)*)\b")


# A local unit named with its town ("la brigade des douanes de Modane", "the customs IT unit
# in Osny"): the team's home, the event's place when the message says no other. A
# département or a region ("la DDFiP du Finistère", "la DR de Bretagne") is no town.
_LOCAL_UNIT = re.compile(
    r"\b(?:brigade|bureau|poste|antenne|tresorerie|sie|sip|sgc|cdif|spf|recette|laboratoire"
    r"|labo|lab|unit|office|branch|agence|subdivision|pole|cellule)\b[^,.;:!?()\n]{0,30}"
    r"\b(?:de|d'|in|at)\s*$"
)
# A town said plainly after "à" / "in" in a sentence about an event ("un codev à Osny le
# 3 mars", "a team meeting in Modane, Monday 9am").
_BARE = re.compile(r"(?:^|[^a-z'])(?:a|in|at)\s*$")
_EVENT_CLAUSE = re.compile(r"[^.;!?\n]{0,80}$")
# Who is named after "à" is a person ("merci à Julie", "jusqu'à Noël", "thanks to Marc").
_PERSON_BEFORE = re.compile(
    r"\b(?:merci|thanks?|grace|jusqu'|jusqu|aupres|cotes|nom|part|demande[rz]?|ecri(?:re|vez)"
    r"|envoye[rz]?|repondre|adresse[rz]?|parle[rz]?|signale[rz]?|dites|write|send|talk"
    r"|speak|reply|ask)\b[^.;!?\n]{0,12}$"
)
# A venue named, then its town: "le domaine de Grosbois à Marolles", "Château X in Y".
_TOWN_AFTER = re.compile(r"\s*,?\s*(?:(?:à|a|in|at)\s+|\(\s*)[A-ZÀ-Ý]")
_NOT_TOWN_WORDS = frozenset(
    "english french anglais francais espagnol german allemand spanish europe asia africa"
    " america amerique asie afrique noel paques toussaint".split()
)


@cache
def _not_towns() -> frozenset[str]:
    v = vocabulary()
    words = set(v.raw["places"]["not_towns"]) | _NOT_TOWN_WORDS
    return frozenset(words | set(v.weekdays) | set(v.months) | set(v.number_words))


def _unlisted_towns(folded: Folded) -> list[tuple[float, str]]:
    """Return (rank, town) for towns named though not in the list of cities, in order."""
    text = folded.text
    events = vocabulary().pattern("dates", "event_words")
    formats = vocabulary().formats
    out: list[tuple[float, str]] = []
    signed = signature_start(folded)
    for m in _LINK.finditer(text):
        if m.start() >= signed:
            break
        town = _TOWN.match(folded.source(m.end(), min(len(text), m.end() + 40)))
        if town is None or fold_plain(town.group(1)) in _not_towns():
            continue
        if vocabulary().cities.get(place_key(town.group(1))) is not None:
            continue  # a listed city is read by _cities
        before = text[max(0, m.start() - 40) : m.end()]
        after = folded.source(m.end(), min(len(text), m.end() + 80))[town.end() :]
        if m.group(0).strip() in ("de", "d'") and _TOWN_AFTER.match(after):
            continue  # "au domaine de Grosbois à Marolles-en-Brie": the venue's name
        if m.group(0) == "(":
            if not _VENUE_BRACKET.search(before):
                continue
            rank = 0.0
        elif m.group(0).endswith(":") or _UNLISTED.search(before):
            rank = 0.0  # "Lieu : Pontarlier", "salle municipale de Plérin"
        elif _LOCAL_UNIT.search(before):
            rank = WEAK
        elif _BARE.search(before) and not _PERSON_BEFORE.search(before):
            clause = _EVENT_CLAUSE.search(text, 0, m.start())
            said = clause.group(0) if clause else ""
            if not (events.search(said) or any(f.search(said) for f, _, _ in formats)):
                continue
            rank = 1.0
        else:
            continue
        if directorate(fold_plain(town.group(1))) is not None:
            continue  # "at Treasury", "in Customs"
        out.append((rank, town.group(1)))
    return out


def place(folded: Folded, *, dated: bool = False) -> Place:
    """Return the modality and city of the event described in `folded`.

    `dated`: the message gives the event's day, so a team named with its city ("le
    séminaire des douanes de Marseille", "the DGE team in Toulouse") holds it there
    when no other place is said and it is not remote.
    """
    p = _patterns()
    # "pas encore sur Tchap", "vente en ligne", "travail hybride" name no medium.
    spans = [m.span() for m in p.not_medium.finditer(folded.text) if m.end() > m.start()]
    unsaid = [(folded.offsets[start], folded.offsets[end - 1] + 1) for start, end in spans]
    text = blank(folded.text, spans)
    named = _cities(folded)
    # A city only named as a team's home ("la DRFiP de Lyon") is not the event's place.
    cities = [c for c in named if c[0] < WEAK]
    city = cities[0][3] if cities else None
    unlisted = _unlisted_towns(folded) if city is None else []
    placed = sorted((rank, i, town) for i, (rank, town) in enumerate(unlisted) if rank < WEAK)
    if placed:
        city = placed[0][2]
        cities = [(0, 0, 0, city)]
    if cities and cities[0][0] <= 0 and "en ligne" in text:
        topic = _TOPIC_ONLINE.sub(lambda m: " " * len(m.group(0)), text)
        if "en ligne" not in topic:
            text = topic
    remote = _remote(text, folded, unsaid)
    onsite = bool(p.onsite.search(text))
    # "Our customs team in Dunkerque ... in person": the team's town, on site, when no
    # other place is said.
    if city is None and (dated or onsite) and (not remote or _SOME_REMOTE.search(text)):
        if named:
            cities = named[:1]
            city = cities[0][3]
        elif unlisted:
            city = unlisted[0][1]
            cities = [(0, 0, 0, city)]
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

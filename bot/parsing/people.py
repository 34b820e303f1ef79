"""Count facilitators asked for and participants expected."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from bot.parsing.normalize import blank
from bot.parsing.numbers import approx_value, to_int
from bot.parsing.vocabulary import vocabulary

# Numbers this large are years, room numbers or postcodes, not attendees.
MAX_PARTICIPANTS = 5000
MAX_FACILITATORS = 20
# Words that cannot stand between a number and its noun ("45 à Bordeaux" is no headcount).
_LINK_WORDS = (
    r"(?:a|au|aux|en|de|du|des|d'|le|la|les|l'|dans|sur|pour|et|ou|avec|chez|at|in|on|to|for"
    r"|and|or|the|of|with|from|by)"
)


# A link for some of them ("+ lien Teams pour 3 collègues"): those attend remotely.
_LINK_FOR = re.compile(
    r"\b(?:lien|link|teams|visio|connexion|zoom|webex)\b[^.;!?\n]{0,15}\b(?:pour|for)\s*$"
)
# A count joined to others ("nos 3 chefs de pôle et leurs adjoints"): part of the group.
_AND_OTHERS = re.compile(
    r"^[^.;!?\n(),]{0,30}?\s(?:et|and|plus|\+)\s+(?:leurs|les|des|ses|nos|vos|their|the|our|some)\s+[a-z]"
)


# Some of the attendees ("avec deux collègues à distance", "with about five of them online").
_SOME_OF = re.compile(
    r"\b(?:avec|dont|with|including|plus|et|and)\s+(?:(?:une?|an?|some|quelques|environ|about"
    r"|around|~|pres de|jusqu'a|up to)\s+)*$"
)


# People a count tells something of in a past tense: who left, joined or retired.
_WENT = re.compile(
    r"\s*(?:have\s+|had\s+|recently\s+|just\s+)?(?:left|quit|retired|joined|departed|resigned)\b"
    r"|\s*(?:sont|ont|nous ont|viennent de)\s+(?:\w+\s+)?(?:partie?s|quitte|rejoint|arrivee?s"
    r"|retraite|partir|quitter|arriver)\b"
)


@dataclass(frozen=True)
class _Patterns:
    facilitator_count: re.Pattern[str]
    facilitator_range: re.Pattern[str]
    facilitator_label: re.Pattern[str]
    helpers: re.Pattern[str]
    pair: re.Pattern[str]
    trio: re.Pattern[str]
    several: re.Pattern[str]
    with_noun: re.Pattern[str]
    approx: re.Pattern[str]
    attendance: re.Pattern[str]
    attending: re.Pattern[str]
    team_cue: re.Pattern[str]
    attend_cue: re.Pattern[str]
    any_noun: re.Pattern[str]
    of_us: re.Pattern[str]
    team_of: re.Pattern[str]
    sized_team: re.Pattern[str]
    will_be: re.Pattern[str]
    in_brackets: re.Pattern[str]
    counts_events: re.Pattern[str]
    subset_cue: re.Pattern[str]
    total_cue: re.Pattern[str]
    sum_before: re.Pattern[str]
    summed: re.Pattern[str]
    sum_words: re.Pattern[str]


@cache
def _patterns() -> _Patterns:
    """Compile the people patterns from the vocabulary."""
    v = vocabulary()
    raw = v.raw["people"]
    num, fac, nouns = v.number_re, raw["facilitator_nouns"], raw["participant_nouns"]
    approx_words = "|".join(sorted(v.approx_words, key=len, reverse=True))
    pre = raw["approx_prefix"]
    return _Patterns(
        facilitator_count=re.compile(rf"\b({num})[ \t]+(?:[a-z]+[ \t]+)?(?:{fac})\b"),
        facilitator_range=re.compile(rf"\b({num})\s*(?:ou|or|a|to|-|/)\s*({num})\s+(?:{fac})\b"),
        facilitator_label=re.compile(
            rf"\b(?:{fac})\s*(?:(?:souhaites?|needed|required|requested|wanted|requis|demandes?"
            rf"|attendus?|necessaires?)\s*)?[:=]\s*(?:idealement|ideally|environ|about|~)?\s*"
            rf"({num})\b"
        ),
        helpers=re.compile(
            rf"\b({num})\s+(?:personnes|people|persons|volontaires|volunteers|collegues)\s+"
            r"(?:pour|to)\s+(?:animer|faciliter|facilitate|co-?animer|help|run|moderate)"
        ),
        pair=re.compile(raw["pair"]),
        trio=re.compile(raw["trio"]),
        several=re.compile(rf"\b(?:plusieurs|several|multiple|quelques|a few)\s+(?:{fac})\b"),
        with_noun=re.compile(
            rf"(?:{pre}\s*)?(?<![\d/:.,])\b({num})\s*(?:\+\s*)?(?:[a-z]+\s+)?(?:{nouns})\b"
        ),
        approx=re.compile(
            rf"\b(?:une?|a|an)?\s*(?:petite\s+|bonne\s+|good\s+)?({approx_words})\b"
            r"(?!\s+(?:de\s+|d')?(?:jours?|days?|minutes|min|semaines?|mois|ans?|annees?|km|euros?))"
        ),
        attendance=re.compile(
            rf"(?:{raw['attendance_before']})\s*(?:{pre}\s*)?({num})\b"
            r"(?![ \t]*(?:h\b|h\d|:|/|%|ans\b|jours?\b|min|facilit|animat|\w+ (?:facilit|animat)))"
        ),
        attending=re.compile(rf"(?<![\d/:.,])\b({num})(?={raw['attend_cue'][1:]})"),
        team_cue=re.compile(raw["team_cue"]),
        attend_cue=re.compile(raw["attend_cue"]),
        # "16 juristes", "12 statisticians": the noun does not matter, unless it counts things.
        any_noun=re.compile(
            rf"(?:{pre}\s*)?(?<![\d/:.,])(?<!\d h )(?<!\dh )\b({num})\s+"
            rf"(?:(?!{_LINK_WORDS}\b)(?!(?:{raw['not_people']})\b)[a-z'-]+\s+){{0,2}}"
            rf"(?!(?:{raw['not_people']}|{_LINK_WORDS})\b)"
            r"([a-z][a-z'-]*[sx])\b"
        ),
        # "avec tous ses agents (~150)", "l'ensemble des agents du service (environ 35)":
        # the count said of the attendees, in brackets.
        in_brackets=re.compile(
            rf"\b(?:{nouns})\b(?:\s+[a-z'-]+){{0,3}}\s*\(\s*(?:{pre}\s*)?({num})\s*\)"
        ),
        # "3 world cafés", "two half-days", "3 codev": a number of sessions, not of people.
        counts_events=re.compile(
            rf"\s+(?:[a-z'-]+\s+)?(?:{'|'.join(p for p, _, _ in v.raw['formats']['patterns'])}"
            rf"|{raw['session_nouns']})"
        ),
        subset_cue=re.compile(raw["subset_cue"]),
        # "on sera 18", "on serait 15", "we'll be 12": the attendance, in any tense or mood.
        will_be=re.compile(
            r"(?:\bser(?:ons|ont|a|ait|ions|aient)|will be|would be)"
            r"\s*(?:(?:maybe|perhaps|probably|peut-etre|probablement|sans doute)\s+)?$"
        ),
        total_cue=re.compile(raw["total_cue"]),
        sum_before=re.compile(raw["sum_before"]),
        # "soit 9 au total", "so 9 in total", "30 en tout": a headcount with no noun.
        summed=re.compile(
            rf"(?<![\d/:.,])\b({num})(?={raw['total_cue'][1:]})"
            rf"|(?:{raw['sum_before'][:-1]})(?<![\d/:.,])\b({num})\b"
            rf"(?=\s*(?:[,.;!?)\n]|$|{raw['total_cue'].lstrip('^')}|{nouns}))"
        ),
        # A cheap test for the words `summed` needs, before its slow scan.
        sum_words=re.compile(
            r"\b(?:au total|in total|en tout|in all|all told|altogether|soit|so|donc|that is"
            r"|that.s|ce qui|which makes|making|total)\b|=|\bi\.e\."
        ),
        of_us=re.compile(rf"(?:{pre}\s*)?\b({num})\s+of\s+(?:us|them)\b"),
        team_of=re.compile(
            rf"\b(?:team|equipe|groupe|group|unit|unite|promo|cohorte)\s+(?:[a-z0-9]+\s+)?(?:de|of)"
            rf"\s+({num})\b"
            r"(?![ \t]*(?:h\b|h\d|:|/|%|ans\b|jours?\b|min|facilit|animat|\w+ (?:facilit|animat)))"
        ),
        # "our 12-person team", "a 15-strong unit": the size said before the noun.
        sized_team=re.compile(
            rf"\b({num})[- ](?:person|people|member|strong)\s+(?:[a-z]+\s+)?"
            r"(?:team|group|unit|department|service|office)\b"
        ),
    )


def facilitators(text: str) -> tuple[int | None, list[tuple[int, int]]]:
    """Return the number of facilitators asked for (None when unsaid) and where it is said."""
    p = _patterns()
    found: list[tuple[int, int, int]] = []
    for m in p.facilitator_range.finditer(text):
        low, high = to_int(m.group(1)), to_int(m.group(2))
        if low and high:
            found.append((m.start(), m.end(), max(low, high)))
    for pattern in (p.facilitator_count, p.facilitator_label, p.helpers):
        for m in pattern.finditer(text):
            value = to_int(m.group(1))
            taken = any(s <= m.start() < e for s, e, _ in found)
            if value and value <= MAX_FACILITATORS and not taken:
                found.append((m.start(), m.end(), value))
    for pattern, value in ((p.pair, 2), (p.trio, 3), (p.several, 2)):
        for m in pattern.finditer(text):
            if not any(s <= m.start() < e or m.start() <= s < m.end() for s, e, _ in found):
                found.append((m.start(), m.end(), value))
    found = [f for f in found if 0 < f[2] <= MAX_FACILITATORS]
    found.sort()
    spans = [(s, e) for s, e, _ in found]
    # "un facilitateur ... donc 3 facilitateurs ce serait bien": the largest count asked.
    return (max(f[2] for f in found) if found else None), spans


_SIZE_WORDS = re.compile(r"[- ](?:person|people|member|strong) ")


@cache
def _day_of_month() -> re.Pattern[str]:
    """A month name right before a number: the number is a day ("Dec 3", "March the 4th")."""
    return re.compile(rf"\b(?:{vocabulary().month_re})\.?\s*(?:the\s+)?$")


def participants(text: str, masked: list[tuple[int, int]]) -> int | None:
    """Return the number of attendees, preferring who attends over the team's size."""
    p = _patterns()
    text = blank(text, masked)
    candidates: list[tuple[int, float, int]] = []  # position, rank (0 best), value

    def add(start: int, value: int | None, end: int, known_noun: bool = True) -> None:
        if value is None or not 1 < value <= MAX_PARTICIPANTS:
            return
        if 1990 <= value <= 2100 and text[start : start + 4].isdigit():
            return  # a year ("nos priorités 2027", "plan 2027"), not a headcount
        if _day_of_month().search(text, max(0, start - 12), start):
            return  # "the workshop on Dec 3 will be online": a day, not a headcount
        prefix = text[max(0, start - 30) : start]
        suffix = text[end : end + 30]
        if _WENT.match(suffix):
            return  # "two people left", "3 agents sont partis": news of the team, no headcount
        rank = 1
        if (p.subset_cue.match(suffix) and _SOME_OF.search(prefix)) or _LINK_FOR.search(prefix):
            rank = 3  # "avec deux collègues à distance", "+ lien Teams pour 3 collègues"
        elif _AND_OTHERS.match(suffix):
            rank = 2  # "nos 3 chefs de pôle et leurs adjoints": part of a larger group
        elif p.attend_cue.match(suffix) or p.will_be.search(prefix):
            rank = 0  # "on sera 18 en tout": who attends, whatever follows
        elif p.total_cue.match(suffix) or p.sum_before.search(prefix):
            rank = 0.5  # "7 développeurs et 2 PO, soit 9 au total": the sum, not a part
        elif p.team_cue.search(prefix):
            rank = 2
        elif not known_noun:
            rank = 1.5  # "deux antennes ... 9 agents": a noun of attendees says more
        candidates.append((start, rank, value))

    for m in p.with_noun.finditer(text):
        add(m.start(1), to_int(m.group(1)), m.end())
    for m in p.in_brackets.finditer(text):
        add(m.start(1), to_int(m.group(1)), m.end())
    for m in p.approx.finditer(text):
        add(m.start(1), approx_value(m.group(1)), m.end())
    for m in p.of_us.finditer(text) if " of " in text else ():
        if not any(start == m.start(1) for start, _, _ in candidates):
            add(m.start(1), to_int(m.group(1)), m.end(1))
            candidates[-1:] = [(c[0], 0, c[2]) for c in candidates[-1:] if c[0] == m.start(1)]
    cities = vocabulary().cities
    for m in p.any_noun.finditer(text):
        if m.group(2) in cities or p.counts_events.match(text, m.end(1)):
            continue
        if not any(start == m.start(1) for start, _, _ in candidates):
            add(m.start(1), to_int(m.group(1)), m.end(), known_noun=False)
    for m in p.team_of.finditer(text):
        if not any(start == m.start(1) for start, _, _ in candidates):
            add(m.start(1), to_int(m.group(1)), m.end(1))
    sized = p.sized_team.finditer(text) if _SIZE_WORDS.search(text) else ()
    for m in sized:
        if not any(start == m.start(1) for start, _, _ in candidates):
            add(m.start(1), to_int(m.group(1)), m.end(1))
            if candidates and candidates[-1][0] == m.start(1):
                # A team's size: a count of who attends says more.
                candidates[-1] = (m.start(1), max(2, candidates[-1][1]), candidates[-1][2])
    for m in p.summed.finditer(text) if p.sum_words.search(text) else ():
        group = 1 if m.group(1) else 2
        if not any(start == m.start(group) for start, _, _ in candidates):
            add(m.start(group), to_int(m.group(group)), m.end(group))
    for pattern in (p.attendance, p.attending):
        for m in pattern.finditer(text):
            if not any(start == m.start(1) for start, _, _ in candidates):
                add(m.start(1), to_int(m.group(1)), m.end(1))
    if not candidates:
        return None
    candidates.sort(key=lambda c: (c[1], c[0]))
    return candidates[0][2]

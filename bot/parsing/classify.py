"""Decide whether a message asks the network to facilitate an event: its speech act.

A requests room is mostly conversation. A message is a request when its writer asks the
network for someone to facilitate a specific event (or relays such an ask), not when it
reports a past session, offers availability, asks how things work, announces the network's
own events, coordinates logistics, or updates a request that already exists. The writer's
own words decide; quoted text (">" lines, reply fallbacks) is only context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from bot.parsing.alternation import join as _join
from bot.parsing.labels import directorate, mask_titles
from bot.parsing.vocabulary import vocabulary


@dataclass(frozen=True)
class Evidence:
    """What the extractors found, as seen by the classifier."""

    has_date: bool
    has_time: bool
    has_format: bool
    has_place: bool
    has_people: bool
    today: bool = False  # the event is today and under way: a report of it, not an ask


@dataclass(frozen=True)
class Quoting:
    """A message split into the writer's own lines and the lines it quotes."""

    own: str
    quoted: str
    reply: bool  # the quote is a Matrix reply fallback ("> <@user:server> ...")


@dataclass(frozen=True)
class _Cues:
    ask: re.Pattern[str]
    want: re.Pattern[str]
    someone: re.Pattern[str]
    ask_bare: re.Pattern[str]
    another: re.Pattern[str]
    weak_ask: re.Pattern[str]
    weak_count: re.Pattern[str]
    relay: re.Pattern[str]
    condition: re.Pattern[str]
    wondering: re.Pattern[str]
    context: re.Pattern[str]
    event: re.Pattern[str]

    hard: re.Pattern[str]
    soft: re.Pattern[str]
    amend: re.Pattern[str]
    coordination: re.Pattern[str]
    meta: re.Pattern[str]
    report: re.Pattern[str]
    said_over: re.Pattern[str]
    addressed: re.Pattern[str]
    sentence_end: re.Pattern[str]


def _words(fragments: list[str]) -> re.Pattern[str]:
    """Compile cues that all start a word: one boundary test per position, not one per cue."""
    return re.compile(rf"(?:^|\b)(?:{_join(fragments)})")


@cache
def _cues() -> _Cues:
    """Compile the speech-act cues from the vocabulary."""
    s = vocabulary().raw["speech"]
    someone = _join(s["someone"])
    return _Cues(
        ask=re.compile(
            rf"\b(?:(?:{someone})\b[^.?!\n]{{0,60}}?\b(?:{_join(s['someone_does'])})\b"
            rf"|(?:{_join(s['want'])})\b[^.?!\n]{{0,60}}?(?:{_join(s['wanted'])}))"
        ),
        want=re.compile(rf"(?:{_join(s['want'])})\b"),
        someone=re.compile(rf"\b(?:{someone})\b"),
        ask_bare=re.compile(_join(s["ask_bare"])),
        another=re.compile(_join(s["ask_another"])),
        weak_ask=re.compile(rf"\b(?:{_join(s['weak_ask'])})"),
        weak_count=re.compile(rf"\b(?:{s['weak_ask'][1]})"),
        relay=re.compile(_join(s["relay"])),
        condition=re.compile(
            r"\b(?:si|if|s'il|when|quand|whether|ceux|celles|those)\b[^.?!\n,;:]{0,60}$"
        ),
        # "je me demandais si qqn pourrait...": a polite ask put as an indirect question.
        wondering=re.compile(
            r"\b(?:demandais|demandions|demande|savoir|wondering|wondered|wonder|know)"
            r"\s+(?:si|s'|if|whether)\b[^.?!\n,;:]{0,60}$"
        ),
        context=re.compile(_join(s["context"])),
        event=re.compile(_join(s["event"])),
        hard=_words(s["covered"] + s["announcement"]),
        soft=_words(s["update"] + s["cancel"] + s["offer"]),
        amend=_words(s["update"]),
        coordination=_words(s["coordination"]),
        meta=_words(s["meta"]),
        report=_words(s["report"] + s["coordination"]),
        said_over=re.compile(_join(s["said_over"])),
        addressed=re.compile(r"^\W*@\w"),
        sentence_end=re.compile(r"[.!?\n]"),
    )


_QUOTE_LINE = re.compile(r"^\s*>", re.M)


def split_quotes(text: str) -> Quoting:
    """Separate the writer's own lines from quoted ones (">" lines)."""
    if ">" not in text:
        return Quoting(text, "", False)
    own: list[str] = []
    quoted: list[str] = []
    for line in text.split("\n"):
        (quoted if _QUOTE_LINE.match(line) else own).append(line)
    # A quote that opens the message, or a reply fallback, is what the writer answers.
    opens_with_quote = bool(_QUOTE_LINE.match(text.lstrip()))
    reply = bool(quoted) and (quoted[0].lstrip(" >").startswith("<@") or opens_with_quote)
    return Quoting("\n".join(own).strip(), "\n".join(quoted), reply)


# What someone can be asked to do (the infinitive after "qqn pourrait", "qui peut"...): a
# French infinitive outside these asks for an errand ("qui peut passer récupérer les
# paperboards ?", "qqn pourrait me dire..."), not for a facilitator; so do these English verbs.
_MODAL_VERB = re.compile(
    r"\b(?:peut|peuvent|pourrai\w*|pourra|voudrai\w*|veut|serai\w*\s+(?:dispo\w*\s+)?pour"
    r"|dispo\w*\s+pour|could|can|would|will|able to)(?:-t)?(?:-(?:il|elle|on|ils|elles|vous))?\s+"
    r"(?:(?:(?:me|nous|vous|le|la|les|lui|leur|en|y|bien|aussi|svp|stp|please|you|venir|aller"
    r"|come)\b|m'|l'|s')\s*)*"
    r"([a-z-]+)"
)
_FACILITATE = frozenset(
    "animer co-animer coanimer faciliter co-faciliter cofaciliter accompagner aider prendre"
    " reprendre remplacer intervenir venir assurer encadrer soutenir epauler etre tenir piloter"
    " occuper charger rejoindre depanner donner filer porter gerer organiser construire"
    " co-construire monter preparer conduire mener proposer fournir mobiliser trouver faire"
    " couvrir seconder relayer suppleer joindre lancer dynamiser orchestrer moderer appuyer"
    " assister renforcer guider coacher cadrer".split()
)
# A French verb in the present, third person singular, right after "quelqu'un" ("court",
# "part", "vient"); être and the modals ask about the person ("quelqu'un est dispo ?",
# "si quelqu'un pouvait...") and stay out, as do adverbs ("quelqu'un rapidement ?").
_PRONOUN = re.compile(r"qq|quelqu")
_FINITE = re.compile(r"\s+([a-z]{2,}(?<!ai)(?<!men)t)\b(?![-'])")
_NOT_FINITE = frozenset("est peut veut doit dit".split())
_HELPER = re.compile(
    r"\bfacilitat|\banimat|main[- ]forte|coup de main|renfort|binome|\bquelqu|\bqqn|\bsomeone"
    r"|\bsomebody"
)
_INTEREST = re.compile(
    r"[^.?!\n]{0,30}?\b(?:(?:serai\w*|est|sont|would be|is|are)\s+)?(?:\w+\s+)?"
    r"(?:interess\w*|interested)\s+"
    r"(?:par|in)\b(?!\s+(?:facilit|anim|co-?anim|running|helping))"
)
_ENGLISH_ASK = re.compile(
    r"\b(?:could|can|would|will)\s+(?:someone|somebody|anyone|anybody|you)\s+(?:please\s+)?"
    r"([a-z]+)"
)
_BARE_VERB = re.compile(r"\s+(?:please\s+)?([a-z]+)\b")
_ERRANDS = frozenset(
    "send share bring pick grab print book recommend tell point lend forward explain answer"
    " fetch carry buy order check review proofread".split()
)


# Someone asked where they are ("quelqu'un sur place ?", "anyone around?"), not what to run.
_PRESENT = re.compile(
    r"\s+(?:(?:est|serait|sera|is|would be|will be)\s+)?(?:deja\s+|encore\s+|already\s+|still\s+)?"
    r"(?:sur place|sur site|on site|onsite|there|dans les locaux|in the building|au bureau"
    r"|in the office|at the office)\b"
)
_TO_FACILITATE = re.compile(
    r"\b(?:pour|to)\s+(?:\w+\s+)?(?:anim|facilit|co-?anim|co-?facilit|run|lead|help|aider"
    r"|remplac|reprendre|take over|step in|cover)"
)
# Words that open a noun phrase, never an infinitive: what follows "dispo pour" is the event.
_DETERMINERS = frozenset(
    "notre votre leur nos vos leurs un une des du ce cet cette ces mon ma mes ton ta tes son sa"
    " ses the a an our your their this that my".split()
)


# Someone asked whether they hold a known thing ("qqn a les slides ?", "anyone got the link?");
# "qqn a le temps de..." asks for their time.
_HAS_THING = re.compile(
    r"\s+(?:a|aurait|has|have|got|would have)\s+(?:(?:les|le|la|the|du|de la|des|any|some|spare)\s+"
    r"(?!(?:temps|time|dispos?|disponibilites?|creneaux?|moments?|bandwidth|availability)\b)"
    r"|l'|d')"
)
# Acts on a session from outside it: its object may be the session, it is still an errand.
_OUTSIDE = frozenset(
    "filmer photographier enregistrer annuler decaler reporter deplacer installer ranger"
    " observer documenter retransmettre diffuser".split()
)
# The start of a verb's object: a determiner and at most one word before the noun.
_OBJECT = re.compile(
    r"\s+(?:(?:un|une|des|le|la|les|notre|nos|votre|vos|ce|cet|cette|ces|our|the|a|an|this|your)"
    r"\s+|l'|d')(?:(?:petite?|grande?|premiere?|nouvel(?:le)?|prochaine?|short|small|new|first)\s+)?"
)


def _errand(text: str, start: int, c: _Cues) -> bool:
    """Whether the ask at `start` asks someone to do something other than facilitate."""
    who = c.someone.match(text, start)
    if not who:
        return False  # the writer's own wish ("on voudrait enchaîner avec une rétro")
    end = c.sentence_end.search(text, start)
    if (
        _PRESENT.match(text, who.end())
        and not _TO_FACILITATE.search(text, who.end(), end.start() if end else len(text))
        and not introduces_event(text)
    ):
        return True  # "il manque des nappes pour le world café, qqn sur place ?": who is there
    if _HAS_THING.match(text, who.end()):
        return True  # "quelqu'un a les slides du séminaire ?": who holds a thing
    bare = _BARE_VERB.match(text, who.end())
    if bare and bare.group(1) in _ERRANDS and not _HELPER.search(text, bare.end(), bare.end() + 40):
        return True  # "could someone bring markers?": the modal before, the errand after
    m = _MODAL_VERB.search(text, start, end.start() if end else len(text))
    if m is None:
        # "Quelqu'un court les 10 km dimanche ?": what someone does, not what they are asked.
        verb = _FINITE.match(text, who.end()) if _PRONOUN.match(who.group(0)) else None
        if verb is not None and verb.group(1) not in _NOT_FINITE:
            return True
        return bool(_INTEREST.match(text, start, end.start() if end else len(text)))
    if _INTEREST.match(text, start, end.start() if end else len(text)):
        return True  # "qqn serait intéressé par un partage d'expérience ?": a poll of interest
    verb = m.group(1)
    if verb in _DETERMINERS or _event_words().match(text, m.start(1)):
        return False  # "dispo pour notre réunion", "pour la plénière": a noun, no errand
    if _HELPER.search(text, m.end(), end.start() if end else len(text)):
        return False  # "nous prêter main-forte", "send us a facilitator"
    if verb in _ERRANDS:
        return True
    if verb.endswith(("er", "ir", "re", "oir")) and verb not in _FACILITATE:
        # "superviser un world café", "tenir notre rétro": whatever the verb, a session as
        # its object makes the ask one for running it; "récupérer les paperboards" stays.
        obj = _OBJECT.match(text, m.end(1))
        return (
            obj is None
            or verb in _OUTSIDE
            or not (_event_words().match(text, obj.end()) or _GENERIC_EVENT.match(text, obj.end()))
        )
    return False


# An ask that follows from an event the writer's team only supposes ("si jamais on fait un
# séminaire en juin, on aurait besoin de deux facilitateurs", "if we end up running a
# hackathon, we'd need facilitators"); "si on pouvait avoir qqn le 10" asks politely.
_SUPPOSED = re.compile(
    r"\b(?:si|if)\s+(?:jamais\s+|ever\s+|par hasard\s+)?(?:on|nous|je|j'|we|i)\b\s*"
    r"(?!(?:pouv\w*|could|peut|can|avait|avions|had)\b)[^.?!\n]{0,90},[^.?!\n]{0,40}$"
)


def _sentence_start(text: str, position: int, c: _Cues) -> int:
    """Where the sentence around `position` starts."""
    start = position
    while start > 0 and not c.sentence_end.match(text[start - 1]):
        start -= 1
    return start


# A wish denied ("je ne voudrais pas", "pas besoin de", "we don't need") asks for nothing.
_NEGATED = re.compile(
    r"(?:\bne\s+|\bn'|\bpas\s+|\b(?:don.t|do not|doesn.t|does not|didn.t|did not|wouldn.t"
    r"|would not|won.t|will not|never)\s+(?:really\s+|necessarily\s+)?)$"
)


# What a team wants may be a thing for a known event, not a facilitator ("on voudrait la
# même salle que la dernière fois", "we'd like the same room", "besoin d'un vidéoprojecteur").
_THING = re.compile(
    r"\s*(?:(?:le|la|les|l'|un|une|des|du|de la|d'|de|notre|nos|votre|vos|the|a|an|some|our"
    r"|your)\s*)(?:(?:meme|memes|same|autre|autres|other|nouvelle?|new|grande?|petite?|big"
    r"|small|bigger|larger|plus grande?)\s+)?(?:salles?|supports?|materiel|badges?|paperboards?"
    r"|post-its?|videoprojecteur|projecteur|ecran|micros?|sono|rooms?|slides|projector|screen"
    r"|markers|feutres|pause|dejeuner|repas|traiteur|plateau|lunch|coffee|catering|parking"
    r"|wifi|lien|link|templates?|trame|modeles?|compte-rendu|devis|idees?|ideas?|suggestions?"
    r"|conseils?|exemples?|examples?|inspirations?|outils?|tools?|jeux|games?|energi[sz]ers?"
    r"|ice-?breakers?|brise-glace|methodes?|methods?|ressources?|resources?|avis|retours?"
    r"|feedback|tips?|astuces?)\b"
)


# English names things in the plural with no article ("looking for icebreaker ideas").
_THINGS = re.compile(
    r"\s*(?:[a-z-]+\s+)?(?:ideas|tips|suggestions|examples|resources|tools|games|energi[sz]ers"
    r"|icebreakers|templates|advice|feedback|slides|rooms)\b"
)
_AND_HELPER = re.compile(
    r"[^.?!\n;]{0,30}?\b(?:et|and|ainsi que|plus|avec|with)\s+(?:\w+\s+){0,2}?"
    r"(?:co-?)?(?:facilitat|animat|someone|somebody|qqn|quelqu)"
)


def _wants_a_thing(text: str, start: int, c: _Cues) -> bool:
    """Whether the wish at `start` wants a thing (a room, slides) rather than a facilitator."""
    wish = c.want.match(text, start)
    if wish is None:
        return False
    thing = _THING.match(text, wish.end()) or _THINGS.match(text, wish.end())
    # "une salle et un facilitateur": the thing comes with a facilitator.
    return thing is not None and _AND_HELPER.match(text, thing.end()) is None


# What the writer may want to do that is asking for a session: to hold one, or to have it run.
_HOLD = frozenset(
    "organiser monter lancer faire avoir refaire renouveler recommencer reconduire enchainer"
    " poursuivre continuer reproduire prevoir programmer caler mettre planifier tenir obtenir"
    " beneficier solliciter demander trouver organise organize run hold get book have host"
    " set plan arrange schedule find secure repeat do".split()
)
# "we need to finalise the agenda", "on aurait besoin de savoir", "j'aimerais assister": the
# writer wants to do something; "besoin d'aide pour imprimer": help with an errand.
_ACT = re.compile(
    r"\s*(?:(?:d'|de\b|to\b|a\b)\s*)?"
    r"(?:(?:aide|help|un coup de main|a hand)\s+(?:pour|to|with)\s+)?"
    r"(?:(?:(?:me|nous|vous|le|la|les|en|y|bien|vraiment|really|also|aussi|just|simplement"
    r"|first)\b|l'|d'abord\b)\s*)*([a-z-]+)\b"
)


# The same session once more, named by a pronoun.
_AGAIN = re.compile(r"(?:remettre (?:ca|cela)|another one|one more time|another time)\b")
_RUN_BY_SOMEONE = re.compile(r"\b(?:facilitee?s?|animee?s?|accompagnee?s?|facilitated)\b")
_KNOWN_PEOPLE = re.compile(
    r"\b(?:les|la|le|l'|the|nos|notre|our|mes|my|vos|your|ces|these|those|tous les|all the)\s*"
    r"(?:\w+\s+)?$"
)


def _wants_an_act(text: str, start: int, c: _Cues) -> bool:
    """Whether the wish at `start` is to do something other than hold or staff a session."""
    wish = c.want.match(text, start)
    if wish is None:
        return False
    act = _ACT.match(text, wish.end())
    if act is None:
        return False
    verb = act.group(1)
    said = text[wish.end() : act.start(1)]
    english = re.search(r"\bto\s*$|\b(?:help|hand)\s+(?:to|with)\s*$", said) is not None
    french = verb.endswith(("er", "ir", "re", "oir")) and verb not in _DETERMINERS
    if not (english or french) or verb in _FACILITATE or verb in _HOLD:
        return False
    if _AGAIN.match(text, act.start(1)):
        return False  # "on voudrait remettre ça le 10/12", "we'd love another one": again
    if english and verb in ("facilitate", "co-facilitate", "lead", "help", "support"):
        return False
    end = c.sentence_end.search(text, act.end())
    rest = text[act.end() : end.start() if end else len(text)]
    # "aimerait repartir sur de bonnes bases avec une réunion d'équipe facilitée": the act
    # brings a new session; "finaliser le déroulé de l'atelier du 10/12" is about a known one.
    # "trouver un facilitateur" asks for one; "remercier les facilitatrices" names known ones.
    helper = any(
        not _KNOWN_PEOPLE.search(rest, max(0, h.start() - 12), h.start())
        for h in _HELPER.finditer(rest)
    )
    # "un temps d'échange facilité", "une séance animée": a session run by someone.
    run = _RUN_BY_SOMEONE.search(rest) is not None
    return not (helper or run or introduces_event(rest) or introduces_event(rest, _GENERIC_EVENT))


# Help asked for in general ("besoin d'aide", "un coup de main", "help needed", "need a hand"):
# what it is for is said next.
_GENERIC_HELP = re.compile(
    r"(?:\baide|\bhelp|coup de main|\ba hand|\b(?:qqn|quelqu.un|someone|somebody))\W*$"
)


def _help_with_errand(text: str, m: re.Match[str], c: _Cues) -> bool:
    """Whether a general call for help is explained, in its sentence, by an errand put to
    someone ("besoin d'aide : qqn a du matériel à prêter pour jeudi ?", "help needed: could
    someone bring markers?"), not by an event to run."""
    tail = _GENERIC_HELP.search(m.group(0))
    if tail is None:
        return False
    start = m.start() + tail.start()
    end = c.sentence_end.search(text, m.end())
    stop = end.end() if end else len(text)
    rest = text[start:stop]
    if introduces_event(rest) or _TO_FACILITATE.search(rest):
        return False
    who = [w.start() for w in c.someone.finditer(text, start, stop)]
    return any(_errand(text, w, c) for w in who) or any(
        e.group(1) in _ERRANDS for e in _ENGLISH_ASK.finditer(text, max(0, start - 12), stop)
    )


def _asks(text: str, c: _Cues, errands: list[int] | None = None) -> list[int]:
    """Return where the writer asks the network for someone (positions of explicit asks).

    Asks for an errand or for what someone knows are left out, and their positions
    added to `errands` when given.
    """
    out = []
    set_aside: list[tuple[int, int]] = []  # wishes for a thing or an act: their words
    # "une 2e séance le 2/12 ?": only a question proposes another session.
    patterns = (c.ask, c.ask_bare, c.another) if "?" in text else (c.ask, c.ask_bare)
    for pattern in patterns:
        for m in pattern.finditer(text):
            if any(s <= m.start() < e for s, e in set_aside):
                continue  # "ce serait possible d'avoir le support": the same wish, for a thing
            before = text[max(0, m.start() - 70) : m.start()]
            if c.condition.search(before) and not c.wondering.search(before):
                continue  # "si qqn a besoin..." offers, it does not ask
            if _NEGATED.search(before):
                continue  # "je ne voudrais pas bloquer des facilitateurs": no wish at all
            if _SUPPOSED.search(text, _sentence_start(text, m.start(), c), m.start()):
                continue  # "si jamais on fait un séminaire en juin, on aurait besoin de..."
            # "qqn sait si la salle est libre ?": the verb asks what someone knows.
            knows = c.meta.match(text, m.start())
            if (
                knows
                or _help_with_errand(text, m, c)
                or _errand(text, m.start(), c)
                or _wants_a_thing(text, m.start(), c)
                or _wants_an_act(text, m.start(), c)
            ):
                if errands is not None:
                    errands.append(m.start())
                set_aside.append((m.start(), m.end()))
                continue
            out.append(m.start())
    if errands is not None:
        # "Qui veut venir observer...": someone asked for an errand though no ask cue matched.
        errands.extend(m.start() for m in c.someone.finditer(text) if _errand(text, m.start(), c))
        # "Could someone share the Miro board?": an English errand put to the room.
        for m in _ENGLISH_ASK.finditer(text):
            if m.group(1) in _ERRANDS and not _HELPER.search(text, m.end(), m.end() + 40):
                errands.append(m.start())
    return sorted(out)


def _sentence(text: str, position: int, c: _Cues) -> str:
    """Return the sentence of `text` around `position`."""
    start = _sentence_start(text, position, c)
    m = c.sentence_end.search(text, position)
    return text[start : m.end() if m else len(text)]


# An event the room already knows is named after a preposition with a definite article or
# a demonstrative ("pour le world café du 10/12 :", "RDV pour préparer le codev", "going
# to the plenary"): news or logistics about it. A new one is introduced bare or
# indefinite ("atelier ...", "un codev"), or as the subject of its own description
# ("l'atelier du 12/10 sera en ligne").
_KNOWN_EVENT = re.compile(
    r"(?:\b(?:pour|de|sur|a|concernant|avec|dans|apres|avant|prepar\w*|for|at|to|of|on|in"
    r"|about|with|after|before|from)\s+(?:le|la|les|the|ce|cet|cette|this|that)\s+"
    r"|\b(?:pour|de|sur|a|concernant|avec|dans|apres|avant|prepar\w*)\s+l'"
    r"|\b(?:du|au|aux)\s+)"
    r"(?:(?:prochaine?|premiere?|dernier|derniere|grande?|petite?|next|first|big)\s+)?$"
    # English puts the event's modifiers before it ("on the open data hackathon") and says
    # when it is with a possessive ("tomorrow's hackathon", "Friday's retro").
    r"|\b(?:for|at|to|of|on|in|about|with|after|before|from|re|regarding)\s+(?:the|this|that)\s+"
    r"(?:(?!(?:a|an|the|our|your|new|another)\b)[a-z0-9'-]+\s+){1,3}$"
    r"|\b(?:tomorrow|today|tonight|yesterday|monday|tuesday|wednesday|thursday|friday|saturday"
    r"|sunday|week|month)'s\s+(?:[a-z0-9-]+\s+){0,3}$"
)


@cache
def _event_words() -> re.Pattern[str]:
    """The format words of the vocabulary, in one pattern."""
    return re.compile(_join([p for p, _, _ in vocabulary().raw["formats"]["patterns"]]))


# A question put with an interrogative word or an inversion ("is the codev still on?",
# "est-ce que l'atelier est maintenu ?") asks about an event, it does not describe one.
_INTERROGATIVE = re.compile(
    r"^\W*(?:[^.?!\n:,]{0,30}[:,!-]\s*)?"  # "Hello!", "Quick check:", "Petite question,"
    r"(?:is|are|was|were|does|do|did|has|have|will|est-ce|quand|ou|where|when|what|why"
    r"|pourquoi|c.est|y a-t-il)\b|\best-ce qu|-t-(?:il|elle|on)\b"
)


# A session named without its method ("une matinée d'intelligence collective", "a half-day
# session", "un temps d'échange"): an event all the same when its day and hour are given.
_GENERIC_EVENT = re.compile(
    r"\b(?:seances?|sessions?|temps (?:collectif|d.echange|de travail|fort|d.intelligence)"
    r"|matinee|journee|demi-journee|half-day|apres-midi|intelligence collective)\b"
)


_PART_OF_DAY = re.compile(
    r"\b(?:au matin|le matin|en matinee|(?:l.|en |dans l.)apres-midi|aprem|in the morning"
    r"|in the afternoon)\b"
    r"|\b(?:\d{1,2}(?:er)?(?:/\d{1,2}| [a-z]+)?|[a-z]+ \d{1,2})\s+(?:matin|apres-midi|morning"
    r"|afternoon)\b"
)
_OURS = re.compile(r"\b(?:nous|notre|nos|on|we|our|organis\w*|organiz\w*)\b")


def introduces_event(own: str, words: re.Pattern[str] | None = None) -> bool:
    """Whether `own` (normalised) names an event as a new one, not one the room knows."""
    c = _cues()
    for m in (words or _event_words()).finditer(own):
        if _KNOWN_EVENT.search(own[max(0, m.start() - 30) : m.start()]):
            continue
        sentence = _sentence(own, m.start(), c)
        if sentence.rstrip().endswith("?") and _INTERROGATIVE.search(sentence):
            continue
        return True
    return False


# A session described in the future ("sera en ligne", "se tiendra à Lyon"), not news of it
# ("est maintenu", "aura bien lieu", "is confirmed").
_DESCRIBED = re.compile(
    r"[^.;!?\n]{0,40}?\b(?:sera|seront|will be|se tiendra|se deroulera|aura lieu|will take place)\b"
)


@cache
def _known_dated() -> re.Pattern[str]:
    """A session named with a definite article and identified by its day."""
    v = vocabulary()
    day = (
        rf"(?:\d{{1,2}}(?:er)?(?:/\d{{1,2}}|\s+(?:{v.month_re}))|(?:{v.weekday_re})\b"
        rf"|(?:{v.month_re})\s+\d)"
    )
    events = _join([p for p, _, _ in v.raw["formats"]["patterns"]])
    return re.compile(
        rf"(?:^|[^a-z'])(?:le|la|les|l'|the|ce|cet|cette)\s*(?:[a-z]+\s+){{0,2}}?(?:{events})"
        rf"(?:\s+[a-z'-]+){{0,3}}?\s+(?:du|of|on)\s+(?:le\s+|the\s+)?{day}"
        rf"|\bthe\s+{day}\w*\s+(?:[a-z-]+\s+)?(?:{events})"
    )


def _known_by_its_day(own: str) -> bool:
    """Whether every session of `own` is one the room knows, named by its day."""
    first = _known_dated().search(own)
    if first is None or _DESCRIBED.match(own, first.end()):
        return False  # "l'atelier du 12/10 sera en ligne": the event described, to come
    # A new session said before it ("Atelier le 12/11 ... pour faire suite au codev du 5/11").
    return not introduces_event(own[: first.start()])


_VOCATIVE = re.compile(r"(?:^|\s)@\w")

# "Notre question : pourriez-vous...": the word labels the ask that follows it.
_LABEL = re.compile(r"\bquestion\s*:")

_OPENING = 400
# "Suite à notre séminaire du 12 janvier (merci encore !), ...": an aside in brackets too.
_PAST_LEAD = re.compile(
    r"^\W*(?:(?:bonjour|hello|hi|salut|coucou|bonsoir|bjr|hey)\b[^,.;!?\n\w]*[,.;!?\n]?\W*)?"
    r"(?:suite a(?:ux?)?|following|apres|after)\b(?:[^,.;!?\n(]|\([^()\n]{0,40}\)){0,90},",
    re.M,
)


_FOCUS_END = re.compile(r"[.;!?\n\u2600-\u27bf\U0001f300-\U0001faff]")


# A cheap test for the closings `_closes_another` looks at, before the slow scan.
_COVERED_WORD = re.compile(
    r"couvert|en charge|pourvu|covered|staffed|handled|taken|sorted|c.est (?:bon|ok|regle|cale)"
)


def focus(text: str) -> int:
    """Where the new ask starts after opening thanks for a past session ("merci pour hier !"),
    or after a closing said of another event ("un séminaire (déjà couvert) mais...")."""
    c = _cues()
    if _COVERED_WORD.search(text, 0, _OPENING) and ("(" in text or _CONTRAST.search(text)):
        for m in c.hard.finditer(text, 0, _OPENING):
            start = _closes_another(text, m, c)
            if start:
                return start
    # ... also at the head of a relayed request ("je relaie :\n> Bonjour, suite au séminaire...").
    lead = _PAST_LEAD.match(text) or (_PAST_LEAD.search(text) if "\n" in text else None)
    if lead is not None and _asks(text[lead.end() :], c):
        return lead.end()
    # A report of a past session opens a message: its first lines are enough to look at.
    reports = list(c.report.finditer(text, 0, _OPENING))
    if not reports:
        return 0
    # The ask after the last report of a past session, wherever the report stands; in chat
    # an emoji ends a sentence too ("merci pour hier 🙏 On voudrait une suite...").
    for m in _FOCUS_END.finditer(text, reports[0].start()):
        if m.end() < reports[-1].end():
            continue  # a report still follows
        rest = text[m.end() :]
        if rest.strip() and not c.report.search(rest) and _asks(rest, c):
            return m.end()
    return 0


# The writer's own part in the event ("je devais l'animer", "I was supposed to facilitate"):
# said in a clause of an ask ("Could anyone take over the hackathon I was supposed to
# facilitate?"), it names the event taken over; alone, it tells of a change of plan.
_WAS_TO = re.compile(r"je devais|i was (?:supposed|due|meant) to|j.etais cense")


def _same_sentence_after(text: str, asks: list[int], position: int, c: _Cues) -> bool:
    """Whether an ask starts before `position` in the same sentence."""
    return any(a < position and c.sentence_end.search(text, a, position) is None for a in asks)


# A closing said of a time to come or as a condition ("je reviens vers vous dès que c'est
# calé", "once it's all set") closes nothing yet; nor does one that its own clause denies
# ("les facilitateurs inscrits ne sont plus dispos", "the facilitators lined up can no
# longer come").
_NOT_YET = re.compile(
    r"\b(?:des qu|quand|lorsqu|une fois qu|jusqu.a ce qu|avant qu|si|s.il|once|when|as soon as"
    r"|if|until|before)\w*\b[^.,;:!?\n]{0,30}$"
)
_DENIED = re.compile(
    r"[^.,;:!?\n]{0,30}?\b(?:(?:ne|n')\s*\w+(?:\s+\w+)?\s+plus\b|no longer\b"
    r"|(?:ne|n')\s*(?:\w+\s+)?\w+\s+(?:pas|plus|jamais)\b"
    r"|not (?:available|able|coming)\b|can.?not\b|can.t\b|won.t\b|isn.t\b|aren.t\b"
    r"|(?:dropped|pulled) out\b|(?:se sont|s.est|ont|a) desist)"
)


# A closing said of another event than the one asked for: in an aside ("un séminaire le
# 11/05 (déjà couvert) mais on aimerait un atelier avant") or set against the ask that
# follows ("le codev est couvert, par contre il nous faudrait qqn pour la rétro").
_IN_ASIDE = re.compile(r"\([^()\n]{0,40}$")
_CONTRAST = re.compile(r"\b(?:mais|but|par contre|en revanche|however|cependant|en plus)\b")


def _closes_another(said: str, m: re.Match[str], c: _Cues) -> int:
    """Where the ask starts when the closing `m` is said of another event (0 if it is not)."""
    aside = _IN_ASIDE.search(said, max(0, m.start() - 40), m.start()) is not None
    if aside:
        start = said.find(")", m.end()) + 1
        if start <= 0:
            return 0
    else:
        contrast = _CONTRAST.search(said, m.end())
        if contrast is None:
            return 0
        start = contrast.end()
    rest = said[start:]
    # The ask must bring an event of its own, not staff the one just closed.
    return start if _asks(rest, c) and introduces_event(rest) else 0


def _closed(said: str, c: _Cues) -> bool:
    """Whether the writer says the event is covered, or announces the network's own event."""
    for m in c.hard.finditer(said):
        if _NOT_YET.search(said, max(0, m.start() - 40), m.start()):
            continue
        if _DENIED.match(said, m.end()):
            continue
        if _closes_another(said, m, c):
            continue
        return True
    return False


def relays_quote(text: str) -> bool:
    """Whether `text` (normalised) relays a quoted request to the network."""
    quoting = split_quotes(text)
    return bool(quoting.quoted) and not quoting.reply and bool(_cues().relay.search(quoting.own))


def answers_quote(text: str) -> bool:
    """Whether `text` (normalised) replies to a quote rather than relaying it."""
    quoting = split_quotes(text)
    return quoting.reply and bool(quoting.own) and not _cues().relay.search(quoting.own)


_ASIDE = re.compile(r"\([^()\n]{0,80}\)")


def _unbracket(text: str) -> str:
    """`text` with its asides in brackets blanked out."""
    return _ASIDE.sub(lambda m: " " * len(m.group(0)), text) if "(" in text else text


# A cheap test for the words of `said_over`, before its slow scan.
_OVER_WORD = re.compile(r"termin|fini|boucl|achev|day ")

_GREETING = re.compile(
    r"^\W*(?:(?:bonjour|hello|hi|salut|coucou|bonsoir|bjr|hey)\b(?:\s+(?:a tous|all|everyone"
    r"|le reseau|team))?\W*)?"
)
_DAY = re.compile(
    r"\b\d{1,2}/\d{1,2}\b|\b(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday"
    r"|tuesday|wednesday|thursday|friday|saturday|sunday|demain|tomorrow)\b"
    r"|\b\d{1,2}(?:er)? (?:janv|fev|mars|avr|mai|juin|juil|aout|sept|oct|nov|dec|jan|feb|mar|apr"
    r"|may|jun|jul|aug|sep)|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w* \d{1,2}\b"
)
_HOUR = re.compile(r"\b\d{1,2} ?h(?:\d\d)?\b|\b\d{1,2}(?::\d\d)? ?(?:am|pm)\b|\bmidi\b|\bnoon\b")


_BACK_REFERENCE = re.compile(
    r"\b(?:elle|il|ca|it|this|that|they|ils|elles|c)\s*(?:s.est|se sont|a ete|ont ete|etait"
    r"|etaient|was|were|went)\b|\b(?:merci|thanks?|thank you|bravo)\b(?! d.avance| par avance"
    r"| in advance| de\b| d')"
)


def _leads_with_event(own: str, c: _Cues, evidence: Evidence) -> bool:
    """Whether the message's first sentence describes a coming event of its own: a format
    named as new, its day and its hour, with no report, question or vocative in it."""
    if evidence.today or not (evidence.has_date and evidence.has_time and evidence.has_format):
        return False
    start = _GREETING.match(own).end()
    end = c.sentence_end.search(own, start)
    first = own[start : end.end() if end else len(own)]
    return (
        not first.rstrip().endswith("?")
        and _DAY.search(first) is not None
        and _HOUR.search(first) is not None
        and introduces_event(first)
        and not c.report.search(first)
        and not c.meta.search(first)
        and not c.soft.search(first)
        and not _VOCATIVE.search(own)
        and not c.coordination.search(own)  # "inscriptions sur le pad": the network's own
        # "Rétro DAJ mardi 10h. Elle s'est très bien passée, merci Paul": told of itself.
        and not _BACK_REFERENCE.search(own, len(first))
    )


# What a requester adds after the ask: an offer of details ("n'hésitez pas à me contacter si
# besoin de précisions", "let me know if you need more details") or a detail changed
# ("finalement on sera 6 et pas 8"); not a word of their earlier request ("pour ma demande").
_CLOSING_OFFER = re.compile(
    r"n.hesitez pas a me|si besoin|let me know if|if (?:needed|you need)|fai(?:tes|s)-moi signe"
)
_EARLIER_REQUEST = re.compile(r"demande|request|mise a jour|update|rectificatif|erratum")


def _aside_to_ask(own: str, said: str, m: re.Match[str], asks: list[int], c: _Cues) -> bool:
    """Whether the soft cue `m`, said after an ask for a new event, only adds to that ask."""
    if not asks or asks[0] >= m.start() or _same_sentence_after(own, asks, m.start(), c):
        return False
    cue = m.group(0)
    if _CLOSING_OFFER.match(cue) is None and (
        c.amend.match(said, m.start()) is None or _EARLIER_REQUEST.search(cue)
    ):
        return False
    return introduces_event(own[asks[0] : m.start()])


def is_request(text: str, evidence: Evidence) -> bool:
    """Return True when `text` (normalised) asks for a facilitation, by the rules alone."""
    return verdict(text, evidence)[0]


def verdict(text: str, evidence: Evidence) -> tuple[bool, str]:
    """Return whether `text` (normalised) asks for a facilitation, and which rule said so.

    The rule's name tells how strong the evidence was: an explicit ask ("ask"), or only
    a plain description of a coming event ("plain").
    """
    c = _cues()
    quoting = split_quotes(text)
    own = quoting.own
    # The words of a quoted title ("atelier « parcours de formation »") are no act of the writer.
    said = mask_titles(own)
    if _closed(said, c):
        return False, "covered"  # already covered, or the network's own announcement
    if quoting.quoted and not quoting.reply and c.relay.search(own):
        return True, "relay"  # relaying a quoted request to the network
    errands: list[int] = []
    asks = _asks(own, c, errands) + [m.start() for m in c.relay.finditer(own)]
    asks.sort()
    blocks = [
        m.start()
        for m in c.soft.finditer(said)
        if not (
            (_WAS_TO.match(own, m.start()) or c.amend.match(said, m.start()))
            and _same_sentence_after(own, asks, m.start(), c)
        )
        and not _aside_to_ask(own, said, m, asks, c)
    ]
    if asks:
        if blocks and asks[-1] < blocks[0]:
            return False, "ask_blocked"
        if blocks and not any(a > blocks[0] for a in asks):
            return False, "ask_blocked"
        if c.meta.search(said):
            # A question about how the network works; only an ask about an event survives.
            # A rhetorical opening question ("Comment faire parler 80 personnes... ? On
            # pense forum ouvert ! ... On cherche trois facilitateurs.") leaves the ask whole.
            specific = evidence.has_date or evidence.has_time
            return (
                specific
                and any(
                    c.event.search(sentence) or not c.meta.search(_LABEL.sub(" ", sentence))
                    for sentence in (_sentence(own, a, c) for a in asks)
                ),
                "ask_meta",
            )
        return bool(c.context.search(own)) or evidence.has_date, "ask"
    # A past tense in an aside ("(le 8, la salle était indispo)") tells of something else.
    reported = c.report.search(_unbracket(said)) or (
        _OVER_WORD.search(said) is not None and c.said_over.search(said) is not None
    )
    if (reported or c.meta.search(said)) and not blocks and _leads_with_event(own, c, evidence):
        # "Atelier ... le 12/11 de 9h à 12h à Bercy. L'an dernier c'était très utile" and
        # "Codev le 12/11 à 14h ... Petite question : faut-il un binôme ?": the message opens
        # with the event, dated and timed; what it adds about the past or how to do is aside.
        return True, "plain"
    if blocks or c.meta.search(said) or reported or c.addressed.search(own):
        return False, "no_ask_blocked"
    if quoting.reply:
        return False, "reply"
    if errands:
        return False, "errand"  # someone is asked for something, not to facilitate
    if c.weak_ask.search(own):
        # An event held today is being reported on, not asked for ("Séminaire à Metz
        # aujourd'hui : 58 chefs de service, 3 facilitateurs").
        # A count of facilitators with no day or hour ("Forum de Bordeaux : 214 agents,
        # 6 facilitateurs au top") tells of a session, it does not ask for one.
        # A request that names itself ("demande de facilitation") needs no day.
        named = c.weak_ask.search(c.weak_count.sub(" ", own)) is not None
        coming = evidence.has_date or evidence.has_time or named
        return bool(c.context.search(own)) and coming and not evidence.today, "weak_ask"
    # No explicit ask: in a requests room, a plain description of a coming event of the
    # team ("Atelier X jeudi 5/11, 9h30-12h, dans nos locaux. Merci !") is a request;
    # not news of a known one ("Pour le hackathon d'aujourd'hui : le wifi invité...").
    # A description that speaks to a member by name ("... 3 pistes testées. Merci @Jeanne !")
    # tells that person about a session; a plain request speaks to the whole room.
    if evidence.today or not evidence.has_date or _VOCATIVE.search(own):
        return False, "plain"
    if evidence.has_format:
        # "Le codev DAJ du 12/11 est maintenu", "the Nov 12 retro moves to 3pm": the event
        # the sentence is about is one the room knows, named by its day.
        return introduces_event(own) and not _known_by_its_day(own), "plain"
    # Without its method, the session must be the writer's team's ("la DGCCRF organise une
    # matinée...", "pour notre service"), not the network's or the ministry's news.
    # A part of the day ("le 1er juillet au matin") times it when its place and size are said.
    timed = (evidence.has_time and (evidence.has_place or evidence.has_people)) or (
        evidence.has_place and evidence.has_people and _PART_OF_DAY.search(own) is not None
    )
    ours = directorate(own) is not None or _OURS.search(own) is not None
    return timed and ours and introduces_event(own, _GENERIC_EVENT), "plain"

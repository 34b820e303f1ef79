"""What reading a reply needs: the request as it stands, the reply being read, and the
compiled phrases of replies.toml."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, time
from functools import cache
from pathlib import Path

from bot.parsing.normalize import Folded
from bot.parsing.vocabulary import vocabulary

_PATH = Path(__file__).with_name("replies.toml")


@dataclass(frozen=True)
class RequestView:
    """The request a reply belongs to, as it stands."""

    id: int
    state: str = "ouverte"
    event_date: date | None = None
    start_time: time | None = None
    end_time: time | None = None
    format: str | None = None
    modality: str | None = None
    location: str | None = None
    participants: int | None = None
    facilitators_needed: int = 1
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReplyRules:
    """The compiled phrases of replies.toml."""

    lang_ask: re.Pattern[str]
    lang_en: re.Pattern[str]
    lang_fr: re.Pattern[str]
    lang_alone: re.Pattern[str]
    not_spoken: re.Pattern[str]
    join: re.Pattern[str]
    join_verb: re.Pattern[str]
    addressed: re.Pattern[str]
    help_alone: re.Pattern[str]
    help_ask: re.Pattern[str]
    withdraw: re.Pattern[str]
    decline: re.Pattern[str]
    accept: re.Pattern[str]
    assent: re.Pattern[str]
    regret: re.Pattern[str]
    cancel: re.Pattern[str]
    cancel_partial: re.Pattern[str]
    status: re.Pattern[str]
    question: re.Pattern[str]
    ask_who: re.Pattern[str]
    who_about: re.Pattern[str]
    ask_when: re.Pattern[str]
    ask_where: re.Pattern[str]
    staff_subject: re.Pattern[str]
    staff_state: re.Pattern[str]
    thanks: re.Pattern[str]
    note: re.Pattern[str]
    chat: re.Pattern[str]
    again: re.Pattern[str]
    correct_cue: re.Pattern[str]
    no_remote: re.Pattern[str]
    all_onsite: re.Pattern[str]
    no_onsite: re.Pattern[str]
    remote_added: re.Pattern[str]
    headcount: re.Pattern[str]
    remote_origin: re.Pattern[str]
    end_before: re.Pattern[str]
    side_time: re.Pattern[str]
    shift: re.Pattern[str]
    time_shift: re.Pattern[str]
    shift_verb: re.Pattern[str]
    earlier: re.Pattern[str]
    same_time: re.Pattern[str]
    week_after: re.Pattern[str]
    week_before: re.Pattern[str]
    day_after: re.Pattern[str]
    day_before: re.Pattern[str]
    not_moved: re.Pattern[str]
    move_cue: re.Pattern[str]
    later: re.Pattern[str]
    today_offset: re.Pattern[str]
    format_before: re.Pattern[str]
    one_facilitator: re.Pattern[str]
    one_more: re.Pattern[str]
    per_group: re.Pattern[str]
    run_by: re.Pattern[str]
    count_delta: re.Pattern[str]
    attend_delta: re.Pattern[str]
    fewer: re.Pattern[str]
    groups: re.Pattern[str]
    ordinal: re.Pattern[str]
    not_attendees: re.Pattern[str]
    negated_before: re.Pattern[str]
    bare_day: re.Pattern[str]
    written_date: re.Pattern[str]
    weekday: re.Pattern[str]
    time_range: re.Pattern[str]
    clock: re.Pattern[str]
    number_ref: re.Pattern[str]
    mention: re.Pattern[str]
    url: re.Pattern[str]


def any_of(fragments: list[str]) -> str:
    """Join regex fragments into one alternation."""
    return "(?:" + "|".join(fragments) + ")"


@cache
def reply_rules() -> ReplyRules:
    """Load and compile the phrases (once per process)."""
    with _PATH.open("rb") as handle:
        raw = tomllib.load(handle)
    v = vocabulary()
    c = raw["correct"]
    num = v.number_re
    amount = rf"(?:d'|de |by |of )?(?:(une?|a|an|one|{num})\s+)"
    return ReplyRules(
        lang_ask=re.compile(any_of(raw["language"]["ask"])),
        lang_en=re.compile(rf"\b{any_of(raw['language']['english'])}\b"),
        lang_fr=re.compile(rf"\b{any_of(raw['language']['french'])}\b"),
        lang_alone=re.compile(any_of(raw["language"]["alone"])),
        not_spoken=re.compile(any_of(raw["language"]["not_spoken"])),
        join=re.compile(any_of(raw["join"]["ask"])),
        join_verb=re.compile(raw["join"]["verb"]),
        # A message that opens on another person's name speaks to that person.
        addressed=re.compile(
            r"^\s*(?:@(?!facilibot)[\w.-]+|(?:bonjour|salut|hello|hi|hey|coucou|re)\s+"
            r"(?!facilibot\b|a tous|a toutes|tout le monde|all|everyone|team|equipe)"
            r"[a-z][\w-]+\s*[,!:])"
        ),
        help_alone=re.compile(rf"{any_of(raw['help']['alone'])}"),
        help_ask=re.compile(any_of(raw["help"]["ask"])),
        withdraw=re.compile(any_of(raw["facilitator"]["withdraw"])),
        decline=re.compile(any_of(raw["facilitator"]["decline"])),
        accept=re.compile(any_of(raw["facilitator"]["accept"])),
        assent=re.compile(any_of(raw["facilitator"]["assent"])),
        regret=re.compile(any_of(raw["facilitator"]["regret"])),
        cancel=re.compile(any_of(raw["cancel"]["ask"])),
        cancel_partial=re.compile(any_of(raw["cancel"]["partial"])),
        status=re.compile(any_of(raw["status"]["ask"])),
        question=re.compile(raw["status"]["question"]),
        ask_who=re.compile(raw["status"]["who"]),
        who_about=re.compile(raw["status"]["who_about"]),
        ask_when=re.compile(raw["status"]["when"]),
        ask_where=re.compile(raw["status"]["where"]),
        staff_subject=re.compile(raw["status"]["staff_subject"]),
        staff_state=re.compile(raw["status"]["staff_state"]),
        thanks=re.compile(any_of(raw["thanks"]["ask"])),
        note=re.compile(any_of(raw["note"]["cue"])),
        chat=re.compile(any_of(raw["note"]["chat"])),
        again=re.compile(any_of(raw["request"]["again"])),
        correct_cue=re.compile(rf"\b{any_of(c['cue'])}\b"),
        no_remote=re.compile(any_of(c["no_remote"])),
        all_onsite=re.compile(any_of(c["all_onsite"])),
        no_onsite=re.compile(any_of(c["no_onsite"])),
        remote_added=re.compile(any_of(c["remote_added"])),
        headcount=re.compile(c["headcount"]),
        remote_origin=re.compile(c["remote_origin"]),
        end_before=re.compile(c["end_before"]),
        side_time=re.compile(c["side_time"]),
        shift=re.compile(
            rf"\b(?:{c['shift_verb']})\b[^.;!?\d]{{0,25}}?\b{amount}"
            r"(semaines?|weeks?|jours?|days?|quinzaine)\b"
        ),
        time_shift=re.compile(
            r"(?:\b(?:d'|de|by|of|back)\s*)?"
            rf"\b(?:(une demi[- ]heure|half an hour)|(une?|a|an|one|{num})\s*"
            r"(heures?|hours?|h|minutes?|mins?|mn))\b(?:\s+(plus tard|later|plus tot|earlier))?"
        ),
        shift_verb=re.compile(rf"\b(?:{c['shift_verb']})\b"),
        earlier=re.compile(rf"\b(?:{c['earlier']})"),
        same_time=re.compile(rf"\b(?:{c['same_time']})\b"),
        week_after=re.compile(
            rf"\b(?:semaine|week)\s+(?:{c['after']})\b|\b(?:{c['after']}) week\b"
            rf"|\b(?:{v.weekday_re})\s+(?:{c['after']})\b|\bweek after\b"
            rf"|\b(?:following|d'apres)\s+(?:{v.weekday_re})\b"
        ),
        week_before=re.compile(
            rf"\b(?:semaine|week)\s+(?:{c['before']})\b|\b(?:{c['before']}) week\b"
            rf"|\b(?:{v.weekday_re})\s+(?:{c['before']})\b|\bweek before\b"
        ),
        today_offset=re.compile(r"\b(?:apres[- ]?demain|demain|tomorrow)\b"),
        day_after=re.compile(c["day_after"]),
        day_before=re.compile(c["day_before"]),
        not_moved=re.compile(c["not_moved"]),
        move_cue=re.compile(c["move_cue"]),
        later=re.compile(
            rf"\b(?:(une?|a|an|one|{num})\s+)(semaines?|weeks?|jours?|days?)\s+"
            r"(plus tard|plus tot|later|earlier|apres|avant|after|before)\b"
        ),
        format_before=re.compile(c["format_before"]),
        one_facilitator=re.compile(rf"\b(?:{c['one_facilitator']})\b"),
        one_more=re.compile(rf"\b(?:{c['one_more']})"),
        count_delta=re.compile(
            rf"\b({num}|\d{{1,4}})\s+(?:(?:{c['more']})\s+({v.raw['people']['participant_nouns']}"
            rf"|{v.raw['people']['facilitator_nouns']})|({v.raw['people']['participant_nouns']}"
            rf"|{v.raw['people']['facilitator_nouns']})\s+({c['more']}|{c['fewer']}))\b"
        ),
        attend_delta=re.compile(c["attend_delta"].replace("{number}", num)),
        fewer=re.compile(rf"(?:{c['fewer']})$"),
        run_by=re.compile(c["run_by"].replace("{number}", num)),
        per_group=re.compile(
            rf"\b(une?|a|an|one|{num})\s+(?:co-?)?(?:facilitat|animat)\w*\s+"
            r"(?:par|per|for each|pour chaque|each)\s+"
        ),
        groups=re.compile(
            rf"\b({num}|\d{{1,2}})\s+(?:sous-groupes?|groupes?|groups?|tables?|ateliers?|salles?"
            r"|rooms?|tracks?|equipes?|teams?|breakouts?|breakout rooms?)\b"
        ),
        ordinal=re.compile(c["ordinal"]),
        not_attendees=re.compile(c["not_attendees"].replace("{number}", num)),
        negated_before=re.compile(rf"\b{c['negated_before']}"),
        bare_day=re.compile(
            r"\b(?:(?:le|au|the|du|on the|for the|c)\s+"
            rf"(?:({v.weekday_re})\s+)?|({v.weekday_re})\s+)"
            r"(\d{1,2})(?:er|e|eme|st|nd|rd|th)?\b"
            rf"(?!\s*(?:h\b|h\d|:|/|\.\d|%|\d|am\b|pm\b|(?:{v.month_re})\b))"
            # « au 2e étage », "the 3rd floor", « le 2e groupe »: an ordinal of something else.
            r"(?!\s*(?:etages?|floor|arr\w*|rang|row|ligne|edition|promo\w*|tour|round|partie"
            r"|part|sessions?|seances?|ateliers?|groupes?|groups?|trimestre|semestre|quarter"
            r"|fois|time|personnes?|participants?|facilitat\w*|animat\w*|co-?\w+)\b)"
        ),
        written_date=re.compile(rf"\b(?:{v.month_re})\b|\d[/.-]\d"),
        weekday=re.compile(
            rf"\b({v.weekday_re})\b(?!\s*\d)(?:\s+(prochain|next|en huit|dernier|last))?"
        ),
        time_range=re.compile(
            r"\b\d{1,2}(?:[h:][0-5]\d|\s?h)?\s?(?:am|pm)?\s*(?:-|a|to|till|until|jusqu'a|>)\s*"
            r"(?:\d{1,2}(?:[h:][0-5]\d|\s?h)?\s?(?:am|pm)?|midi|noon|minuit|midnight)\b"
        ),
        clock=re.compile(
            r"\b\d{1,2}\s?(?:h|heures?)(?:\s?[0-5]\d)?\b|\b\d{1,2}(?::[0-5]\d)?\s?(?:am|pm)\b"
            r"|\b\d{1,2}:[0-5]\d\b|\bmidi\b|\bnoon\b"
        ),
        number_ref=re.compile(
            r"#\s?(\d{1,6})\b|\b(?:la|demande|request|mission|n°|no|numero|number)\s+#?(\d{1,6})\b"
        ),
        mention=re.compile(r"@?\bfacilibot\b\s*[:,]?", re.IGNORECASE),
        url=re.compile(r"https?://\S+|www\.\S+"),
    )


@dataclass
class ReplyContext:
    """One reply being read."""

    text: str
    folded: Folded
    norm: str
    today: date
    where: str
    who: str
    request: RequestView | None
    pinged: tuple[int, ...]
    language: str

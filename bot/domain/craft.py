"""The craft made visible: one person's year of missions, and the attestation of it (pure)."""

from __future__ import annotations

import hashlib
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date

from bot.domain.calendar_words import MONTHS
from bot.domain.requests import FORMAT_LABELS


@dataclass(frozen=True)
class CraftMission:
    """One mission one person facilitated (an accepted place on a request not cancelled)."""

    request_id: int
    event_date: date
    format: str | None
    directorate: str | None  # the requesting team's directorate
    minutes: int | None  # the session, from its times or stated duration
    declared_minutes: int | None = None  # `!temps`: the whole time given, preparation included
    partners: int = 0  # how many others facilitated it too
    rating: float | None = None  # the requester's rating of the request

    @property
    def in_pair(self) -> bool:
        """Whether it was facilitated with someone else (in a pair or more)."""
        return self.partners > 0

    @property
    def preparation_minutes(self) -> int:
        """Time declared beyond the session itself (0 when nothing was declared)."""
        if self.declared_minutes is None:
            return 0
        return max(0, self.declared_minutes - (self.minutes or 0))


@dataclass(frozen=True)
class Parcours:
    """A person's missions of one year, done (dated up to today) and to come."""

    year: int
    missions: tuple[CraftMission, ...]
    upcoming: int
    cohort: int | None

    @property
    def minutes(self) -> int:
        """Hours facilitated, in minutes (sessions of unknown length count 0)."""
        return sum(m.minutes or 0 for m in self.missions)

    @property
    def preparation_minutes(self) -> int:
        """Hours of preparation, in minutes: declared time beyond the sessions."""
        return sum(m.preparation_minutes for m in self.missions)

    @property
    def in_pair(self) -> int:
        """How many missions were facilitated with someone else."""
        return sum(m.in_pair for m in self.missions)

    @property
    def formats(self) -> tuple[tuple[str, int], ...]:
        """Formats practised, most frequent first (unknown formats left out)."""
        return _ranked(m.format for m in self.missions if m.format)

    @property
    def directorates(self) -> tuple[tuple[str, int], ...]:
        """Directorates served, most frequent first (unknown ones left out)."""
        return _ranked(m.directorate for m in self.missions if m.directorate)

    @property
    def ratings(self) -> int:
        """How many of the missions were rated by their requester."""
        return sum(m.rating is not None for m in self.missions)

    @property
    def mean_rating(self) -> float | None:
        """The mean rating of the rated missions, None when none was."""
        rated = [m.rating for m in self.missions if m.rating is not None]
        return round(statistics.fmean(rated), 2) if rated else None


def parcours(
    missions: list[CraftMission], *, year: int, today: date, cohort: int | None
) -> Parcours:
    """Split a year's missions into done (dated today or before) and upcoming, in date order."""
    of_year = sorted(
        (m for m in missions if m.event_date.year == year),
        key=lambda m: (m.event_date, m.request_id),
    )
    done = tuple(m for m in of_year if m.event_date <= today)
    return Parcours(year, done, upcoming=len(of_year) - len(done), cohort=cohort)


def _ranked(values: object) -> tuple[tuple[str, int], ...]:
    counts = Counter(values)  # type: ignore[call-overload]
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


# -- formatting shared by the chat answer and the PDF --------------------------------------------


def hours(minutes: int) -> str:
    """« 3 h », « 3 h 30 », « 0 h »."""
    whole, rest = divmod(minutes, 60)
    return f"{whole} h {rest:02d}" if rest else f"{whole} h"


def short_date(day: date) -> str:
    """« 12/03/2026 »."""
    return day.strftime("%d/%m/%Y")


def long_date(day: date) -> str:
    """« 1er mars 2026 », « 12 mars 2026 »."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS[day.month - 1]} {day.year}"


def format_label(name: str | None) -> str:
    """A format as the sentences name it (« codéveloppement »), « — » when unknown."""
    return FORMAT_LABELS.get(name, name) if name else "—"


# -- the attestation ----------------------------------------------------------------------------


def attestation_reference(number: int, year: int, holder: str, issued_at: str) -> str:
    """« ATT-2026-0007-3FA2 »: the year, the issue number, and a check on what was issued.

    The check makes a mistyped reference fail to match rather than name
    another attestation; the register (`attestations`) is the proof.
    """
    check = hashlib.sha256(f"{number}:{year}:{holder}:{issued_at}".encode()).hexdigest()[:4]
    return f"ATT-{year}-{number:04d}-{check.upper()}"


@dataclass(frozen=True)
class AttestationLine:
    """One mission as the attestation lists it."""

    day: str
    format: str
    directorate: str
    duration: str


@dataclass(frozen=True)
class Attestation:
    """What the attestation PDF says, already worded (the layout only places it)."""

    network: str
    title: str
    holder: str
    directorate: str | None
    period: str
    intro: str
    lines: tuple[AttestationLine, ...]
    totals: tuple[str, ...]
    signatory: tuple[str, ...]
    place_date: str
    reference: str
    footer: str


ATTESTATION_TITLE = "Attestation de facilitation"
ATTESTATION_INTRO = (
    "La coordination du réseau atteste que {holder}{directorate} a facilité, {period}, "
    "les missions suivantes."
)
ATTESTATION_TOTAL_MISSIONS = "Missions facilitées : {count}, dont {pair} en binôme ou en équipe"
ATTESTATION_TOTAL_HOURS = "Heures de facilitation : {hours}"
ATTESTATION_TOTAL_PREP = "Heures de préparation déclarées : {hours}"
ATTESTATION_DONE_ON = "Fait le {day}"
ATTESTATION_FOOTER = (
    "Référence {reference}. L'équipe de coordination du réseau peut vérifier "
    "cette référence auprès de Facilibot."
)


def attestation_period(year: int, today: date) -> str:
    """« du 1er janvier au 31 décembre 2025 », or up to today for the current year."""
    last = min(date(year, 12, 31), today)
    return f"du {long_date(date(year, 1, 1)).removesuffix(f' {year}')} au {long_date(last)}"


def attestation(
    record: Parcours,
    *,
    network: str,
    holder: str,
    directorate: str | None,
    signatory: str,
    today: date,
    reference: str,
) -> Attestation:
    """Word the attestation of a person's year."""
    period = attestation_period(record.year, today)
    intro = ATTESTATION_INTRO.format(
        network=network,
        holder=holder,
        directorate=f", {directorate}," if directorate else "",
        period=period,
    )
    lines = tuple(
        AttestationLine(
            day=short_date(m.event_date),
            format=format_label(m.format).capitalize(),
            directorate=m.directorate or "—",
            duration=hours(m.minutes) if m.minutes else "—",
        )
        for m in record.missions
    )
    totals = [
        ATTESTATION_TOTAL_MISSIONS.format(count=len(record.missions), pair=record.in_pair),
        ATTESTATION_TOTAL_HOURS.format(hours=hours(record.minutes)),
    ]
    if record.preparation_minutes:
        totals.append(ATTESTATION_TOTAL_PREP.format(hours=hours(record.preparation_minutes)))
    return Attestation(
        network=network,
        title=ATTESTATION_TITLE,
        holder=holder,
        directorate=directorate,
        period=period,
        intro=intro,
        lines=lines,
        totals=tuple(totals),
        signatory=tuple(line.strip() for line in signatory.splitlines() if line.strip()),
        place_date=ATTESTATION_DONE_ON.format(day=long_date(today)),
        reference=reference,
        footer=ATTESTATION_FOOTER.format(reference=reference),
    )

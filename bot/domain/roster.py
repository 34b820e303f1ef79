"""Read and check facilitator data: roster CSV rows and `!profil` values.

Pure: values in, values or `Invalid` out. Problems carry a code and the
values to name; their French wording lives in `handlers.messages`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from bot.domain.geography import REGIONS, canonical_city, canonical_region, fold, region_of
from bot.domain.profiles import ROSTER_FIELDS, USER_ID
from bot.domain.requests import FORMAT_LABELS
from bot.parsing.labels import directorate as find_directorate
from bot.parsing.normalize import fold_plain
from bot.parsing.vocabulary import vocabulary

# The roster columns of DESIGN.md, in order; `matrix_id` is required.
COLUMNS = ("matrix_id", *ROSTER_FIELDS)
MAX_TEXT = 100
MAX_COHORT = 99
MAX_CAP = 31

_TCHAP_LABEL = re.compile(r"\s*\[[^\[\]]*\]\s*$")
_YES = frozenset({"yes", "oui", "o", "y", "true", "vrai", "1"})
_NO = frozenset({"no", "non", "n", "false", "faux", "0"})
_LANGUAGE_NAMES = {
    "francais": "fr",
    "french": "fr",
    "anglais": "en",
    "english": "en",
    "allemand": "de",
    "german": "de",
    "espagnol": "es",
    "spanish": "es",
    "italien": "it",
    "italian": "it",
}
_REGION_ALIASES = {
    "idf": "Île-de-France",
    "ile de france": "Île-de-France",
    "aura": "Auvergne-Rhône-Alpes",
    "paca": "Provence-Alpes-Côte d'Azur",
    "reunion": "La Réunion",
}
# Overseas regions live in their own time zone: the default for their people.
REGION_TIMEZONES = {
    "Guadeloupe": "America/Guadeloupe",
    "Martinique": "America/Martinique",
    "Guyane": "America/Cayenne",
    "La Réunion": "Indian/Reunion",
    "Mayotte": "Indian/Mayotte",
}


@dataclass(frozen=True)
class Invalid(ValueError):
    """A value that cannot be used: `code` says why, `values` fill the sentence."""

    code: str
    values: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code} {self.values}"


def _invalid(code: str, **values: Any) -> Invalid:
    return Invalid(code, values)


# -- one value -----------------------------------------------------------------------------------


def parse_matrix_id(text: str) -> str:
    """Return a Matrix user id, lowercased (Tchap ids come from e-mail addresses)."""
    value = text.strip()
    lowered = value.lower()
    if not USER_ID.match(lowered):
        raise _invalid("matrix_id", value=value[:80])
    return lowered


def clean_display_name(text: str) -> str:
    """Drop Tchap's « [Finances] » label from a display name."""
    return _TCHAP_LABEL.sub("", text).strip()


def _text(text: str, name: str) -> str:
    value = " ".join(text.split())
    if len(value) > MAX_TEXT:
        raise _invalid("too_long", field=name, limit=MAX_TEXT)
    return value


def parse_site(text: str) -> str:
    """Return a city as the matching tables spell it (« bercy » is Paris)."""
    return canonical_city(_text(text, "site")) or ""


def parse_region(text: str) -> str:
    """Return a region's official name.

    Raises:
        Invalid: not a French region.
    """
    value = _text(text, "region")
    region = _REGION_ALIASES.get(fold(value)) or canonical_region(value)
    if region not in REGIONS:
        raise _invalid("region", value=value)
    return region


def parse_directorate(text: str) -> str:
    """Return a directorate's short name (« finances publiques » is DGFiP)."""
    value = _text(text, "directorate")
    return find_directorate(fold_plain(value)) or value


@cache
def _skill_names() -> dict[str, str]:
    names = {}
    for key, label in FORMAT_LABELS.items():
        names[fold(key.replace("_", " "))] = key
        names[fold(label)] = key
    return names


def parse_skill(text: str) -> str:
    """Return the format key of one skill (« codev » is codeveloppement).

    Raises:
        Invalid: not a known format.
    """
    value = text.strip()
    name = fold(value.replace("_", " "))
    key = _skill_names().get(name)
    if key is None:
        # The request parser's words for formats, but only as the whole value:
        # « atelier codev » is two skills, not one.
        plain = fold_plain(value)
        key = next((k for pattern, k, _ in vocabulary().formats if pattern.fullmatch(plain)), None)
    if key is None:
        raise _invalid("skill", value=value[:40], known=", ".join(FORMAT_LABELS.values()))
    return key


def parse_skills(text: str, separators: str = ",;") -> tuple[str, ...]:
    """Return the format keys of a list of skills, each once, in the order given."""
    found: list[str] = []
    for chunk in re.split(f"[{re.escape(separators)}]", text):
        if not chunk.strip():
            continue
        try:
            skills = [parse_skill(chunk)]
        except Invalid:
            words = chunk.split()
            if len(words) < 2:
                raise
            skills = [parse_skill(word) for word in words]
        found.extend(s for s in skills if s not in found)
    return tuple(found)


def parse_languages(text: str) -> tuple[str, ...]:
    """Return two-letter language codes from `fr;en` (or « français »)."""
    found: list[str] = []
    for chunk in re.split(r"[,;\s]+", text.strip()):
        if not chunk:
            continue
        code = _LANGUAGE_NAMES.get(fold(chunk), chunk.lower())
        if not re.fullmatch(r"[a-z]{2}", code):
            raise _invalid("language", value=chunk[:40])
        if code not in found:
            found.append(code)
    return tuple(found)


def parse_yes_no(text: str) -> bool:
    """Return True for yes/oui, False for no/non."""
    value = fold(text)
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise _invalid("yes_no", value=text.strip()[:40])


def _integer(text: str, code: str, low: int, high: int) -> int:
    value = text.strip()
    if not re.fullmatch(r"\d{1,4}", value) or not low <= int(value) <= high:
        raise _invalid(code, value=value[:40], low=low, high=high)
    return int(value)


def parse_cohort(text: str) -> int:
    """Return a cohort number (1 to 99)."""
    return _integer(text.removeprefix("P").removeprefix("p"), "cohort", 1, MAX_COHORT)


def parse_cap(text: str) -> int:
    """Return a monthly cap of missions (1 to 31)."""
    return _integer(text, "cap", 1, MAX_CAP)


@cache
def _zones() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones() if "/" in name}


def parse_timezone(text: str) -> str:
    """Return an IANA time zone name (`America/Cayenne`), whatever its case."""
    value = text.strip()
    zone = _zones().get(value.lower())
    if zone is None:
        raise _invalid("timezone", value=value[:60])
    return zone


def effective_timezone(timezone: str | None, region: str | None, default: str) -> str:
    """A profile's time zone: its own, else its overseas region's, else the default."""
    return timezone or REGION_TIMEZONES.get(region or "") or default


# -- the roster file -----------------------------------------------------------------------------

_PARSERS: dict[str, Callable[[str], Any]] = {
    "display_name": lambda text: clean_display_name(_text(text, "display_name")),
    "site": parse_site,
    "region": parse_region,
    "directorate": parse_directorate,
    "cohort": parse_cohort,
    "skills": lambda text: parse_skills(text, ";"),
    "languages": parse_languages,
    "remote_ok": parse_yes_no,
    "max_missions_per_month": parse_cap,
}


@dataclass(frozen=True)
class RosterEntry:
    """A good row: the person and the columns it filled (empty cells are left out)."""

    line: int
    matrix_id: str
    values: dict[str, Any]


@dataclass(frozen=True)
class RejectedRow:
    """A bad row, with every problem found in it (the column in `values["column"]`)."""

    line: int
    problems: tuple[Invalid, ...]


@dataclass(frozen=True)
class Roster:
    """What a roster file holds: the rows to load and the rows rejected."""

    entries: tuple[RosterEntry, ...]
    rejected: tuple[RejectedRow, ...]


def parse_roster(text: str, *, is_allowed: Callable[[str], bool] | None = None) -> Roster:
    """Read a roster CSV (header row, comma separated); check every row.

    A region left empty is taken from a known site. `is_allowed` tells
    whether a user's homeserver is served.

    Raises:
        Invalid: the file itself cannot be read (no `matrix_id` column).
    """
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header: list[str] | None = None
    entries: list[RosterEntry] = []
    rejected: list[RejectedRow] = []
    seen: dict[str, int] = {}
    line = 1
    for row in reader:
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [fold(cell).replace(" ", "_") for cell in row]
            if "matrix_id" not in header:
                code = "header_semicolon" if ";" in row[0] else "header"
                raise _invalid(code, columns=", ".join(COLUMNS))
            continue
        problems: list[Invalid] = []
        if len(row) > len(header):
            problems.append(_invalid("columns", found=len(row), expected=len(header)))
        cells = dict(zip(header, row, strict=False))
        entry = _entry(start, cells, problems, is_allowed)
        if entry is not None and entry.matrix_id in seen:
            problems.append(
                _invalid("duplicate", value=entry.matrix_id, line=seen[entry.matrix_id])
            )
        if problems or entry is None:
            rejected.append(RejectedRow(start, tuple(problems)))
            continue
        seen[entry.matrix_id] = start
        entries.append(entry)
    if header is None:
        raise _invalid("empty", columns=", ".join(COLUMNS))
    return Roster(tuple(entries), tuple(rejected))


def _entry(
    line: int,
    cells: dict[str, str],
    problems: list[Invalid],
    is_allowed: Callable[[str], bool] | None,
) -> RosterEntry | None:
    raw_id = (cells.get("matrix_id") or "").strip()
    matrix_id = None
    if not raw_id:
        problems.append(_invalid("matrix_id_missing"))
    else:
        try:
            matrix_id = parse_matrix_id(raw_id)
        except Invalid as exc:
            problems.append(exc)
        else:
            if is_allowed is not None and not is_allowed(matrix_id):
                problems.append(_invalid("server", server=matrix_id.split(":", 1)[1]))
    values: dict[str, Any] = {}
    for column, parse in _PARSERS.items():
        cell = (cells.get(column) or "").strip()
        if not cell:
            continue
        try:
            values[column] = parse(cell)
        except Invalid as exc:
            problems.append(Invalid(exc.code, {**exc.values, "column": column}))
    if "region" not in values and values.get("site"):
        region = region_of(values["site"])
        if region:
            values["region"] = region
    if matrix_id is None or problems:
        return None
    return RosterEntry(line, matrix_id, values)

"""A facilitator's profile, as the roster and `!profil` set it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

# A Matrix user id, as Tchap writes them:
# `@prenom.nom-dgfip.finances.gouv.fr:agent.finances.tchap.gouv.fr`.
USER_ID = re.compile(r"^@[a-z0-9._=\-/+]+:[a-zA-Z0-9.\-]+(:\d+)?$")

UpsertOutcome = Literal["added", "updated", "unchanged"]

# The columns a roster import sets; `active` and `timezone` belong to the
# facilitator (`!profil`) or a coordinator, so a re-import leaves them alone.
ROSTER_FIELDS = (
    "display_name",
    "site",
    "region",
    "directorate",
    "cohort",
    "skills",
    "languages",
    "remote_ok",
    "max_missions_per_month",
)


@dataclass(frozen=True)
class Facilitator:
    """One facilitator's profile."""

    matrix_id: str
    display_name: str = ""
    site: str | None = None
    region: str | None = None
    directorate: str | None = None
    cohort: int | None = None
    skills: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    remote_ok: bool = False
    max_missions_per_month: int | None = None
    active: bool = True
    timezone: str | None = None
    created_at: datetime | None = field(default=None, compare=False)
    updated_at: datetime | None = field(default=None, compare=False)


def name_from_id(user_id: str) -> str:
    """A name read from a Tchap id when no display name is known:
    `@jean-marc.dupont-dgfip.finances.gouv.fr:server` → « Jean-Marc Dupont »."""
    person = user_id.removeprefix("@").split(":", 1)[0]
    head, _, domain = person.rpartition("-")
    if head and "." in domain:  # the e-mail's domain, after its last hyphen
        person = head
    words = [w for w in person.replace("_", ".").split(".") if w]
    if not words:
        return user_id
    return " ".join("-".join(p[:1].upper() + p[1:] for p in w.split("-")) for w in words)


def _words(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("-", " ").replace("'", " ").split()


def name_fit(typed: str, display_name: str) -> int:
    """How a typed name fits a display name: 2 the whole name (accents and case aside),
    1 each typed word starts a word of it (« Paul », « lea dub »), 0 not at all."""
    wanted, words = _words(typed), _words(display_name)
    if not wanted or not words:
        return 0
    if wanted == words:
        return 2
    return 1 if all(any(w.startswith(t) for w in words) for t in wanted) else 0

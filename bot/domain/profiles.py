"""A facilitator's profile, as the roster and `!profil` set it."""

from __future__ import annotations

import re
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

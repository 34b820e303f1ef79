"""Golden transcripts per role: every command, every outcome, as its reader sees it.

To rewrite them after a deliberate change of wording, run
`FACILIBOT_GOLDEN=rewrite pytest tests/unit/test_golden.py`, then read the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.unit.golden import Session
from tests.unit.golden_scripts import CONFIGS, SCRIPTS

GOLDEN = Path(__file__).parent.parent / "golden"
REWRITE = os.environ.get("FACILIBOT_GOLDEN") == "rewrite"


async def transcript(role: str, folder: Path) -> str:
    """Play a role's script in a fresh world and return what was said."""
    session = await Session.open(folder, **CONFIGS.get(role, {}))
    try:
        await SCRIPTS[role](session)
    finally:
        await session.close()
    return session.text()


@pytest.mark.parametrize("role", list(SCRIPTS))
async def test_transcript_matches_the_golden_file(role, tmp_path):
    said = transcript(role, tmp_path)
    path = GOLDEN / f"{role}.txt"
    text = await said
    if REWRITE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"no golden file for {role}: run with FACILIBOT_GOLDEN=rewrite"
    assert text == path.read_text(encoding="utf-8"), (
        f"{role}'s transcript changed: rerun with FACILIBOT_GOLDEN=rewrite and read the diff"
    )


@pytest.mark.parametrize("role", list(SCRIPTS))
async def test_no_raw_matrix_id_in_what_people_read(role, tmp_path):
    """Ids appear only where one is asked for: a pill's target, the directory's homonyms."""
    import re

    text = await transcript(role, tmp_path)
    for line in text.splitlines():
        if line.startswith("»") or "[pastille" in line:
            continue
        found = re.findall(r"@[a-z0-9._=\-/+]+:[a-z0-9.\-]+", line)
        allowed = ("Plusieurs", "(exemple :", "n'est pas un identifiant")
        assert not found or any(word in line for word in allowed), line

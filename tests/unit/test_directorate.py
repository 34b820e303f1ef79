"""The directorate a message names: the first one, or the one a named service belongs to."""

from __future__ import annotations

import pytest

from bot.parsing.labels import _named, directorate
from bot.parsing.normalize import fold
from tests.unit.test_alternation import corpus_texts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Atelier pour la DGFiP à Lille, puis la DGDDI", "DGFiP"),
        ("le secrétariat général de la DGFiP organise un séminaire", "DGFiP"),
        ("notre équipe des douanes de Marseille", "DGDDI"),
        ("un atelier sans direction nommée", None),
    ],
)
def test_first_directorate_named(text, expected):
    assert directorate(fold(text).text) == expected


def test_one_scan_finds_what_every_directorates_scan_finds():
    texts = corpus_texts()
    words = {word for text in texts[:600] for word in text.split()}
    for text in [*texts, *words]:
        assert directorate(text) == _named(text), text

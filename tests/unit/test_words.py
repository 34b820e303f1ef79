"""The words that vary are said alike everywhere: epicene forms, one order, no point médian."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import handlers
from handlers.core import wording
from handlers.features import COMMANDS

# `!stats` (handlers/reports.py) is being reworked on its own.
SKIPPED = {"handlers.reports"}


def _sentences() -> list[tuple[str, str]]:
    found = []
    for module_info in pkgutil.walk_packages(handlers.__path__, "handlers."):
        if module_info.name in SKIPPED:
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, str):
                found.append((f"{module_info.name}.{name}", value))
            elif name.isupper() and isinstance(value, dict):
                found += [
                    (f"{module_info.name}.{name}[{k}]", v)
                    for k, v in value.items()
                    if isinstance(v, str)
                ]
    found += [(f"!{c.name}", c.summary) for c in COMMANDS if c.name != "stats"]
    return [(where, text) for where, text in found if where != "handlers.core.wording.AVOID"]


@pytest.mark.parametrize(("where", "text"), _sentences(), ids=lambda v: str(v)[:60])
def test_sentences_use_the_words_of_the_network(where, text):
    plain = text
    for kept in wording.AVOID_EXCEPT:
        plain = plain.replace(kept, "")
    for avoid, use in wording.AVOID.items():
        assert avoid not in plain.lower(), f"{where}: « {avoid} » → « {use} »"

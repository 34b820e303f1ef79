"""nio's checks of what the homeserver sends, with each schema compiled once.

matrix-nio checks every response and every event it reads against a JSON
schema with jsonschema, building a new validator for each document. In the
busy-room benchmark that was about a millisecond of the bot's CPU a request
(an own-echo sync and three send responses: 0.77 ms to read, 0.03 ms of it
without the checks). `install()` has nio use the same schemas compiled once
by fastjsonschema instead: the same draft (4), the same formats, the same
defaults filled in, and jsonschema's `ValidationError` raised on a failure,
which is what nio catches. A schema fastjsonschema cannot compile is left to
jsonschema.
"""

from __future__ import annotations

import copy
import importlib
import logging
import re
from collections.abc import Callable
from typing import Any

import fastjsonschema
import nio.schemas
from jsonschema.exceptions import ValidationError

log = logging.getLogger(__name__)

_DRAFT4 = "http://json-schema.org/draft-04/schema#"
_HTTP_URL = re.compile(r"^https?://.+")
# The formats nio's checker knows (`nio.schemas.Checker`); others are not checked.
_FORMATS: dict[str, Callable[[str], bool]] = {
    "user_id": lambda value: value.startswith("@") and ":" in value,
    "http_url": lambda value: _HTTP_URL.match(value) is not None,
}
# The modules that call nio's `validate_json` by that name.
_USERS = ("nio.schemas", "nio.responses", "nio.events.misc", "nio.crypto.olm_machine")

Check = Callable[[Any], Any]
# By the schema's id: (the schema, kept so that its id is not reused; its check,
# or None when left to jsonschema).
_compiled: dict[int, tuple[dict[str, Any], Check | None]] = {}
# nio's own check (jsonschema), for the schemas fastjsonschema cannot compile.
jsonschema_check: Callable[[Any, dict[str, Any]], None] = nio.schemas.validate_json
_installed = False


def compiled(schema: dict[str, Any]) -> Check | None:
    """The compiled check of one of nio's schemas (None: fastjsonschema cannot)."""
    found = _compiled.get(id(schema))
    if found is not None and found[0] is schema:
        return found[1]
    try:
        check: Check | None = fastjsonschema.compile(
            {"$schema": _DRAFT4, **schema}, formats=_FORMATS, use_default=False
        )
    except fastjsonschema.JsonSchemaDefinitionException as exc:
        log.debug("schema left to jsonschema: %s", exc)
        check = None
    _compiled[id(schema)] = (schema, check)
    return check


def validate_json(instance: Any, schema: dict[str, Any]) -> None:
    """Check `instance` against `schema` as nio does, filling in defaults.

    Raises:
        ValidationError: the instance does not fit the schema.
    """
    check = compiled(schema)
    if check is None:
        jsonschema_check(instance, schema)
        return
    _fill_defaults(instance, schema)
    try:
        check(instance)
    except fastjsonschema.JsonSchemaValueException as exc:
        raise ValidationError(exc.message) from None


def _fill_defaults(instance: Any, schema: dict[str, Any]) -> None:
    """Fill in the defaults as nio's jsonschema checker does: a missing property that has
    one gets it (before `required` is looked at), and the check goes on into each
    property, defaults included, and into each key a `patternProperties` pattern finds
    (nio's schemas put defaults nowhere else)."""
    if not isinstance(instance, dict):
        return
    properties = schema.get("properties")
    if isinstance(properties, dict):
        for key, sub in properties.items():
            if isinstance(sub, dict) and "default" in sub and key not in instance:
                instance[key] = copy.deepcopy(sub["default"])
        for key, sub in properties.items():
            if key in instance and isinstance(sub, dict):
                _fill_defaults(instance[key], sub)
    patterns = schema.get("patternProperties")
    if isinstance(patterns, dict):
        for pattern, sub in patterns.items():
            for key, value in instance.items():
                if isinstance(sub, dict) and re.search(pattern, key):
                    _fill_defaults(value, sub)


def install() -> None:
    """Have nio check with the compiled schemas (once)."""
    global _installed
    if _installed:
        return
    _installed = True
    for name in _USERS:
        module = importlib.import_module(name)
        if getattr(module, "validate_json", None) is jsonschema_check:
            module.validate_json = validate_json  # type: ignore[attr-defined]

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
Fill = Callable[[Any], None]
# By the schema's id: (the schema, kept so that its id is not reused; its check,
# or None when left to jsonschema; what fills in its defaults, None when it has none).
_compiled: dict[int, tuple[dict[str, Any], Check | None, Fill | None]] = {}
# nio's own check (jsonschema), for the schemas fastjsonschema cannot compile.
jsonschema_check: Callable[[Any, dict[str, Any]], None] = nio.schemas.validate_json
_installed = False


def compiled(schema: dict[str, Any]) -> Check | None:
    """The compiled check of one of nio's schemas (None: fastjsonschema cannot)."""
    return _compile(schema)[1]


def _compile(schema: dict[str, Any]) -> tuple[dict[str, Any], Check | None, Fill | None]:
    found = _compiled.get(id(schema))
    if found is not None and found[0] is schema:
        return found
    try:
        check: Check | None = fastjsonschema.compile(
            {"$schema": _DRAFT4, **schema}, formats=_FORMATS, use_default=False
        )
    except fastjsonschema.JsonSchemaDefinitionException as exc:
        log.debug("schema left to jsonschema: %s", exc)
        check = None
    found = _compiled[id(schema)] = (schema, check, _filler(schema))
    return found


def validate_json(instance: Any, schema: dict[str, Any]) -> None:
    """Check `instance` against `schema` as nio does, filling in defaults.

    Raises:
        ValidationError: the instance does not fit the schema.
    """
    _, check, fill = _compile(schema)
    if check is None:
        jsonschema_check(instance, schema)
        return
    if fill is not None:
        fill(instance)
    try:
        check(instance)
    except fastjsonschema.JsonSchemaValueException as exc:
        raise ValidationError(exc.message) from None


def _filler(schema: dict[str, Any]) -> Fill | None:
    """What fills in a schema's defaults as nio's jsonschema checker does (None when it
    has none): a missing property that has one gets it (before `required` is looked
    at), and the filling goes on into each property, defaults included, and into each
    key a `patternProperties` pattern finds (nio's schemas put defaults nowhere else).
    Only the properties with a default somewhere beneath them are visited."""
    properties = schema.get("properties")
    properties = properties if isinstance(properties, dict) else {}
    defaults = {
        key: sub["default"]
        for key, sub in properties.items()
        if isinstance(sub, dict) and "default" in sub
    }
    inner = {
        key: fill
        for key, sub in properties.items()
        if isinstance(sub, dict) and (fill := _filler(sub)) is not None
    }
    patterns = schema.get("patternProperties")
    by_pattern = [
        (re.compile(pattern), fill)
        for pattern, sub in (patterns.items() if isinstance(patterns, dict) else ())
        if isinstance(sub, dict) and (fill := _filler(sub)) is not None
    ]
    if not defaults and not inner and not by_pattern:
        return None

    def fill(instance: Any) -> None:
        if not isinstance(instance, dict):
            return
        for key, default in defaults.items():
            if key not in instance:
                instance[key] = copy.deepcopy(default)
        for key, fill_in in inner.items():
            if key in instance:
                fill_in(instance[key])
        for pattern, fill_in in by_pattern:
            for key, value in instance.items():
                if pattern.search(key):
                    fill_in(value)

    return fill


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

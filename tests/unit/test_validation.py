"""nio's schema checks compiled once (bot/matrix/validation.py) decide as nio's own do."""

from __future__ import annotations

import copy
from typing import Any

import nio.schemas
import pytest
from jsonschema.exceptions import ValidationError
from nio import RoomSendResponse, SyncResponse
from nio.events.misc import UnknownBadEvent

from bot.matrix import validation

SCHEMAS = {
    name: schema for name, schema in vars(nio.schemas.Schemas).items() if isinstance(schema, dict)
}


def _example(schema: dict[str, Any]) -> Any:
    """A document shaped by the schema (first branch, first enum value, every property)."""
    if not isinstance(schema, dict):  # a malformed schema (nio's delete_devices has one)
        return "text"
    for branch in ("oneOf", "anyOf", "allOf"):
        if branch in schema:
            return _example(schema[branch][0])
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = kind[0]
    if kind == "object":
        return {key: _example(sub) for key, sub in schema.get("properties", {}).items()}
    if kind == "array":
        items = schema.get("items", {})
        return [_example(items)] if isinstance(items, dict) else []
    return {
        "string": {"user_id": "@alice:example.org", "http_url": "https://example.org"}.get(
            schema.get("format", ""), "text"
        ),
        "integer": 1,
        "number": 1.5,
        "boolean": True,
        "null": None,
    }.get(kind, "text")


def _variants(document: Any) -> list[Any]:
    """The document, and copies with each key of each object missing or of another type."""
    found = [document]

    def walk(node: Any, path: tuple) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                for replacement in (None, [], "text", 7, {"x": 1}):
                    found.append(_replaced(document, (*path, key), replacement))
                found.append(_replaced(document, (*path, key), _MISSING))
                walk(value, (*path, key))
        elif isinstance(node, list) and node:
            walk(node[0], (*path, 0))

    walk(document, ())
    return found


_MISSING = object()


def _replaced(document: Any, path: tuple, value: Any) -> Any:
    copied = copy.deepcopy(document)
    node = copied
    for step in path[:-1]:
        node = node[step]
    if value is _MISSING:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return copied


def _outcome(check: Any, document: Any, schema: dict[str, Any]) -> tuple[bool, Any]:
    copied = copy.deepcopy(document)
    try:
        check(copied, schema)
    except ValidationError:
        return False, copied
    except Exception as exc:  # nio's delete_devices schema is malformed: both fail alike
        return type(exc).__name__, None
    return True, copied  # with the defaults filled in


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_nio_schema_accepts_refuses_and_fills_in_as_nio_does(name):
    schema = SCHEMAS[name]
    original = validation.jsonschema_check
    for document in _variants(_example(schema)):
        assert _outcome(validation.validate_json, document, schema) == _outcome(
            original, document, schema
        ), (name, document)


def test_installed_nio_reads_syncs_events_and_answers_through_the_compiled_checks():
    validation.install()
    assert nio.responses.validate_json is validation.validate_json
    assert nio.events.misc.validate_json is validation.validate_json
    message = {
        "type": "m.room.message",
        "sender": "@alice:example.org",
        "event_id": "$one",
        "origin_server_ts": 1,
        "content": {"msgtype": "m.text", "body": "On cherche un facilitateur"},
    }
    no_sender = {key: value for key, value in message.items() if key != "sender"}
    sync = SyncResponse.from_dict(
        {
            "next_batch": "s1",
            "rooms": {"join": {"!r:x": {"timeline": {"events": [message, no_sender]}}}},
        }
    )
    assert isinstance(sync, SyncResponse)
    good, bad = sync.rooms.join["!r:x"].timeline.events
    assert good.body == "On cherche un facilitateur"
    assert isinstance(bad, UnknownBadEvent)  # as nio reads an event that misses its sender
    assert isinstance(RoomSendResponse.from_dict({"event_id": "$e"}, "!r:x"), RoomSendResponse)
    assert not isinstance(RoomSendResponse.from_dict({"event": 3}, "!r:x"), RoomSendResponse)

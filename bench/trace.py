"""Run a bot with timestamps taken inside it: `python -m bench.trace OUT -- ARGS`.

Wraps matrix-nio's client (every HTTP call; the events each sync brought;
each `room_send` with the event it answers) and, when the process is
Facilibot, the dispatcher (an event's handling, its commit), then runs
`ARGS` (`-m module ...` or a script path) as `__main__`. The records are
kept in memory and written to OUT as JSON lines when the process exits,
so the tracing costs the bot no I/O while it is measured. Times are epoch
milliseconds (`time.time()`), comparable with the homeserver's
`origin_server_ts` on the same machine.

Records (`k` is the kind):

- `http`: method, path (no query), `t0` call, `th` response headers in, `t1` response
  parsed, `t2` returned
  (after nio took the response in: for a sync, decryption and room state);
- `sync`: `t0`/`t1`/`t2` as above, and `events`: [event id, room id] of its timelines;
- `send`: `rel` (the event answered, if any), `t0` room_send called, `t1` returned,
  `event_id`;
- `handle`: `event_id`, `t0` dispatcher entered, `t1` left; `commit`: `event_id`, `t`;
- `sql`: `t0`/`t1` around one hop to the database's thread, `sql` its statement (the
  first words), `n` the statements it carried, `event_id` the event being handled if any.
"""

from __future__ import annotations

import atexit
import contextvars
import json
import runpy
import sys
import time
from typing import Any
from urllib.parse import urlparse

RECORDS: list[dict[str, Any]] = []
# The times of the `_send` being run (a sync's callbacks may send inside it): [headers, parsed].
_call: contextvars.ContextVar[list[float] | None] = contextvars.ContextVar("call", default=None)
_handling: contextvars.ContextVar[str | None] = contextvars.ContextVar("handling", default=None)


def now() -> float:
    """Epoch milliseconds."""
    return time.time() * 1000


def _relates(content: Any) -> str | None:
    relates = content.get("m.relates_to") if isinstance(content, dict) else None
    if not isinstance(relates, dict):
        return None
    return relates.get("event_id") or relates.get("m.in_reply_to", {}).get("event_id")


def install_nio() -> None:
    """Wrap the nio client's calls."""
    from nio import AsyncClient, SyncResponse

    original_send = AsyncClient._send
    original_http = AsyncClient.send
    original_create = AsyncClient.create_matrix_response
    original_room_send = AsyncClient.room_send

    async def create_matrix_response(self: Any, *args: Any, **kwargs: Any) -> Any:
        response = await original_create(self, *args, **kwargs)
        if (call := _call.get()) is not None and len(call) == 1:
            call.append(now())
        return response

    async def http(self: Any, method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        t0 = now()
        response = await original_http(self, method, path, *args, **kwargs)
        if (call := _call.get()) is not None:
            if not call:
                call.append(now())
        else:  # a raw call (keys.post)
            t = now()
            p = urlparse(path).path
            RECORDS.append({"k": "http", "m": method, "p": p, "t0": t0, "th": t, "t1": t, "t2": t})
        return response

    async def _send(self: Any, response_class: type, method: str, path: str, *a: Any, **kw: Any):
        t0 = now()
        call: list[float] = []
        token = _call.set(call)
        try:
            response = await original_send(self, response_class, method, path, *a, **kw)
        finally:
            _call.reset(token)
        call += [None, None]  # type: ignore[list-item]  # failed before the headers
        record: dict[str, Any] = {
            "k": "http",
            "m": method,
            "p": urlparse(path).path,
            "t0": t0,
            "th": call[0],
            "t1": call[1],
            "t2": now(),
        }
        if isinstance(response, SyncResponse):
            record["k"] = "sync"
            record["events"] = [
                [event.event_id, room_id]
                for room_id, room in response.rooms.join.items()
                for event in room.timeline.events
            ]
        RECORDS.append(record)
        return response

    async def room_send(self: Any, room_id: str, message_type: str, content: Any, *a, **kw):
        t0 = now()
        response = await original_room_send(self, room_id, message_type, content, *a, **kw)
        RECORDS.append(
            {
                "k": "send",
                "rel": _relates(content),
                "room": room_id,
                "t0": t0,
                "t1": now(),
                "event_id": getattr(response, "event_id", None),
            }
        )
        return response

    AsyncClient.create_matrix_response = create_matrix_response
    AsyncClient._send = _send
    AsyncClient.send = http
    AsyncClient.room_send = room_send


def install_facilibot() -> None:
    """Wrap the dispatcher: when an event is taken up, and when its answers are committed."""
    from bot.app import App
    from handlers.core.dispatch import Dispatcher
    from storage.db import Database

    original_handle = Dispatcher.handle
    original_commit = App._send_answers

    async def handle(self: Any, event: Any, room_kind: str, **options: Any) -> str:
        t0 = now()
        token = _handling.set(event.event_id)
        try:
            return await original_handle(self, event, room_kind, **options)
        finally:
            _handling.reset(token)
            RECORDS.append({"k": "handle", "event_id": event.event_id, "t0": t0, "t1": now()})

    async def send_answers(self: Any) -> None:
        RECORDS.append({"k": "commit", "event_id": _handling.get(), "t": now()})
        await original_commit(self)

    original_hop = Database._hop

    async def hop(self: Any, run: Any, sql: str, params: Any) -> Any:
        carried = 1 + len(self._unsent)
        t0 = now()
        try:
            return await original_hop(self, run, sql, params)
        finally:
            words = " ".join(sql.split()[:6])
            RECORDS.append(
                {"k": "sql", "t0": t0, "t1": now(), "sql": words, "n": carried,
                 "event_id": _handling.get()}
            )  # fmt: skip

    Dispatcher.handle = handle
    App._send_answers = send_answers
    Database._hop = hop


def main() -> None:
    """Install the wrappers, then run the target as `__main__`."""
    out, sep, *target = sys.argv[1:]
    assert sep == "--" and target, __doc__

    def dump() -> None:
        with open(out, "w", encoding="utf-8") as handle:
            for record in RECORDS:
                handle.write(json.dumps(record) + "\n")

    atexit.register(dump)
    install_nio()
    if target[0] == "-m":
        sys.argv = target[1:]
        if target[1] == "bot.cli":
            install_facilibot()
        runpy.run_module(target[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = target
        runpy.run_path(target[0], run_name="__main__")


if __name__ == "__main__":
    main()

"""Facilibot's acknowledgment in the room it lives in, against the echo floor.

The setting: a requests room with a handful of members; a directory of 20
facilitators who exist on the homeserver, each with an end-to-end capable
client that long-polls with a 3-second timeout and accepts invitations;
every request is complete, so each also pings 2 facilitators by DM (the bot
creates each DM, encrypted, on first contact); requests arrive about every
1.4 s, interleaved with messages to a bare matrix-nio echo bot in another
room with the same members (`--echo-members 0` leaves the echo room to the
requester and the echo bot: the floor then also gains the homeserver's work
for a room of two against one of five). Both bots run as processes on one
throwaway Synapse.

Prints the acknowledgment's median and p90 for both (from the homeserver's
own timestamps) and their ratio, the CPU per message of each process, and
the machine's load average around each run. Unless `--no-trace`, both bots
run under `bench/trace.py` and the run's latency is split with timestamps
taken inside them (median and p90 of each step, in ms):

- `poll late`: how long after the request was stamped the long-poll that
  brought it was sent (0 when it was already waiting);
- `delivered`: request stamped → the sync's response parsed by the bot, made of
  `server` (→ the homeserver logs the bot's /sync done), `to bot` (→ its headers
  in the bot) and `parse` (→ its body read and parsed by nio);
- `nio`: nio taking the sync in (to-device, decryption, room state; the echo
  bot answers in there, so not shown for it);
- `to handler`: → the dispatcher takes the event (key maintenance, earlier events);
- `handled`: → its answers committed; `to send`: → `room_send` called;
- `encrypt`: → the HTTP request sent; `stamped`: → the homeserver's timestamp of
  the answer; `accepted`: → the homeserver's answer back in the bot;

and the bot's other HTTP calls in flight between a request and its answer
are counted by endpoint.

    python bench/bench_room.py [--requests 60] [--every 1.4] [--runs 1] [--no-trace]
                               [--receipts] [--profile DIR] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_bot import (  # noqa: E402
    Requester,
    _answers_200,
    cpu_ms,
    machine,
    percentile,
    request_text,
    spawn,
)
from bench.postgres import Postgres  # noqa: E402
from bot.sandbox.homeserver import Synapse, free_port  # noqa: E402
from bot.sandbox.people import Person, until  # noqa: E402
from storage.store import Store  # noqa: E402

GOALS = {"median": 1.05, "p90": 1.10, "cpu": 3.0}
STEPS = (
    "poll late",
    "delivered",
    "server",
    "to bot",
    "parse",
    "nio",
    "to handler",
    "handled",
    "to send",
    "encrypt",
    "stamped",
    "accepted",
)
FACILITATORS = 20
ROOM_MEMBERS = 3  # facilitators who are also in the requests room


@dataclass(frozen=True)
class Ack:
    """A request and the homeserver's timestamps of it and of its acknowledgment."""

    event_id: str
    asked_ms: int
    answered_ms: int

    @property
    def latency(self) -> float:
        """Request to acknowledgment, in ms, by the homeserver's clock."""
        return float(self.answered_ms - self.asked_ms)


def server_syncs(log: Path) -> dict[str, list[float]]:
    """When the homeserver finished each /sync, by user (epoch ms, from its access log)."""
    found: dict[str, list[float]] = {}
    if not log.exists():
        return found
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if "Processed request" not in line or "/_matrix/client/v3/sync" not in line:
            continue
        user = line.partition("{")[2].partition("}")[0]
        stamp = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
        found.setdefault(user, []).append(stamp.timestamp() * 1000)
    return found


def split(
    ack: Ack, records: list[dict[str, Any]], served: list[float] | None = None
) -> dict[str, float] | None:
    """The steps of one acknowledgment by the bot's own timestamps (None if not traced)."""
    sync = next((r for r in records if r["k"] == "sync" and _brought(r, ack.event_id)), None)
    send = next((r for r in records if r["k"] == "send" and r["rel"] == ack.event_id), None)
    if sync is None or send is None or sync["t1"] is None:
        return None
    put = next(
        (
            r
            for r in records
            if r["k"] == "http" and "/send/" in r["p"] and send["t0"] <= r["t0"] <= send["t1"]
        ),
        None,
    )
    handle = next(
        (r for r in records if r["k"] == "handle" and r["event_id"] == ack.event_id), None
    )
    commit = next(
        (r for r in records if r["k"] == "commit" and r["event_id"] == ack.event_id), None
    )
    steps = {
        "poll late": max(0.0, sync["t0"] - ack.asked_ms),
        "delivered": sync["t1"] - ack.asked_ms,
        "parse": sync["t1"] - sync["th"],
        "nio": sync["t2"] - sync["t1"],
    }
    done = [t for t in served or () if sync["t0"] <= t <= sync["th"] + 2]
    if done:  # the homeserver's log has whole milliseconds
        steps["server"] = max(done) - ack.asked_ms
        steps["to bot"] = sync["th"] - max(done)
    if handle and commit:
        steps["to handler"] = handle["t0"] - sync["t2"]
        steps["handled"] = commit["t"] - handle["t0"]
        steps["to send"] = send["t0"] - commit["t"]
    else:  # the echo bot: its callback runs inside nio's sync
        del steps["nio"]
        steps["to send"] = send["t0"] - sync["t1"]
    sent = put["t0"] if put else send["t0"]
    steps["encrypt"] = sent - send["t0"]
    steps["stamped"] = ack.answered_ms - sent
    steps["accepted"] = send["t1"] - ack.answered_ms
    return steps


def _brought(record: dict[str, Any], event_id: str) -> bool:
    return any(e == event_id for e, _ in record["events"])


def in_flight(acks: list[Ack], records: list[dict[str, Any]]) -> dict[str, int]:
    """The bot's HTTP calls (long-polls aside) in flight between a request and its
    answer, by endpoint, summed over the requests."""
    counts: dict[str, int] = {}
    calls = [r for r in records if r["k"] == "http"]
    for ack in acks:
        for call in calls:
            if call["t0"] < ack.answered_ms and call["t2"] > ack.asked_ms:
                name = _endpoint(call)
                counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def _endpoint(call: dict[str, Any]) -> str:
    path = call["p"].split("/_matrix/client/", 1)[-1]
    parts = [p for p in path.split("/") if p]
    if "rooms" in parts and len(parts) > parts.index("rooms") + 2:
        i = parts.index("rooms")
        return f"{call['m']} rooms/…/{parts[i + 2]}"
    if "sendToDevice" in parts:
        return f"{call['m']} sendToDevice"
    return f"{call['m']} " + "/".join(p for p in parts[1:3])


class RoomBench:
    """The homeserver, the people, both bots."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="facilibot-room-"))
        self.postgres = Postgres(self.tmp / "postgres") if args.postgres else None
        database = None
        if self.postgres is not None:
            self.postgres.start()
            database = self.postgres.synapse_database()
        self.synapse = Synapse(self.tmp / "synapse", access_log=args.trace, database=database)
        self.processes: dict = {}
        self.people: list[Person] = []
        self.health_port = free_port()

    async def setup(self) -> None:
        """Start Synapse, the facilitators' clients, the rooms and both bots."""
        await self.synapse.start()
        self.bot = await self.synapse.register("facilibot", "bot-password")
        self.echo = await self.synapse.register("echo", "echo-password")
        self.requester = Requester(self.synapse.url, await self.synapse.register("requester"))
        await self.requester.start()
        for n in range(FACILITATORS):
            user = await self.synapse.register(f"facilitateur{n}")
            person = Person(
                self.synapse.url,
                user,
                self.tmp / "people" / str(n),
                f"Facilitateur {n}",
                poll_ms=3000,
                read_receipts=self.args.receipts,
            )
            await person.start()
            self.people.append(person)
        members = [p.user_id for p in self.people[:ROOM_MEMBERS]]
        self.bot_room = await self.requester.create_room("Demandes", self.bot.user_id)
        for user_id in members:
            await self.requester.client.room_invite(self.bot_room, user_id)
        self.echo_room = await self.requester.create_room("Écho", self.echo.user_id)
        for user_id in members[: self.args.echo_members]:
            await self.requester.client.room_invite(self.echo_room, user_id)
        self.config = self.tmp / "bot" / "config.toml"
        self.config.parent.mkdir()
        await self._directory(self.config.parent / "bot.sqlite3")
        self.config.write_text(
            f'[matrix]\nhomeserver = "{self.synapse.url}"\nuser_id = "{self.bot.user_id}"\n'
            f'store_path = "store"\n[rooms]\nrequests = ["{self.bot_room}"]\n'
            f'[storage]\ndatabase = "bot.sqlite3"\n'
            '[matching]\nping_in = "dm"\npings_per_slot = 2\n'
            f'[observability]\nlisten = "127.0.0.1:{self.health_port}"\n',
            encoding="utf-8",
        )
        command = [sys.executable, "-m", "bot.cli", "run", "--config", str(self.config)]
        if self.args.profile:
            out = Path(self.args.profile) / "facilibot-room.prof"
            command = [sys.executable, "-m", "cProfile", "-o", str(out), *command[1:]]
        elif self.args.trace:
            command = self._traced("bot", command)
        env = {**os.environ, "FACILIBOT_PASSWORD": self.bot.password}
        self.processes["bot"] = spawn(command, self.tmp / "bot.log", env=env)
        url = f"http://127.0.0.1:{self.health_port}/healthz"
        await until(lambda: self._healthy(url), timeout=60, step=0.05)
        echo = [sys.executable, str(ROOT / "bench" / "echo_bot.py"), self.synapse.url]
        echo += [self.echo.user_id, self.echo.password]
        if self.args.trace:
            echo = self._traced("echo", echo)
        self.processes["echo"] = spawn(echo, self.tmp / "echo.log")
        line = await asyncio.to_thread(self.processes["echo"].stdout.readline)
        assert line.strip() == b"READY", line
        for room_id, user_id in (
            (self.bot_room, self.bot.user_id),
            (self.echo_room, self.echo.user_id),
        ):
            await until(lambda r=room_id, u=user_id: self.requester.joined(r, u), timeout=30)
        for user_id in members:
            await until(lambda u=user_id: self.requester.joined(self.bot_room, u), timeout=30)
        for user_id in members[: self.args.echo_members]:
            await until(lambda u=user_id: self.requester.joined(self.echo_room, u), timeout=30)

    def _traced(self, name: str, command: list[str]) -> list[str]:
        """The command run under bench/trace.py, its records in `<tmp>/<name>.trace`."""
        out = self.tmp / f"{name}.trace"
        return [command[0], "-m", "bench.trace", str(out), "--", *command[1:]]

    def traces(self) -> dict[str, list[dict[str, Any]]]:
        """The records of both bots (written when they stop)."""
        found = {}
        for name in ("bot", "echo"):
            path = self.tmp / f"{name}.trace"
            lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
            found[name] = [json.loads(line) for line in lines]
        return found

    def _healthy(self, url: str) -> bool:
        if self.processes["bot"].poll() is not None:
            raise RuntimeError(f"facilibot exited; see {self.tmp / 'bot.log'}")
        return _answers_200(url)

    async def _directory(self, path: Path) -> None:
        """The 20 facilitators, in Lyon, who facilitate workshops, with no monthly cap."""
        store = await Store.open(path)
        await store.close()
        at = datetime.now(UTC).isoformat()
        with sqlite3.connect(path) as db:
            db.executemany(
                "INSERT INTO facilitators (matrix_id, display_name, site, region, directorate, "
                "cohort, skills, languages, remote_ok, max_missions_per_month, active, "
                "created_at, updated_at) VALUES (?, ?, 'Lyon', 'Auvergne-Rhône-Alpes', 'DGFiP', "
                "?, 'atelier', 'fr', 1, NULL, 1, ?, ?)",
                [(p.user_id, p.name, 1 + n % 12, at, at) for n, p in enumerate(self.people)],
            )

    async def run(self, count: int, every: float, offset: int = 0) -> dict[str, list[Ack]]:
        """Requests every `every` seconds, an echo probe half-way between each; each
        request with its acknowledgment."""
        asked: dict[str, list[str]] = {"bot": [], "echo": []}
        for i in range(count):
            started = time.perf_counter()
            asked["bot"].append(await self.requester.send(self.bot_room, request_text(offset + i)))
            await asyncio.sleep(max(0.0, every / 2 - (time.perf_counter() - started)))
            asked["echo"].append(await self.requester.send(self.echo_room, f"écho {i}"))
            await asyncio.sleep(max(0.0, every - (time.perf_counter() - started)))
        found: dict[str, list[Ack]] = {}
        for name, room_id, bot_id in (
            ("bot", self.bot_room, self.bot.user_id),
            ("echo", self.echo_room, self.echo.user_id),
        ):
            found[name] = [await self._ack(room_id, bot_id, event_id) for event_id in asked[name]]
        return found

    def pings_seen(self) -> int:
        """Messages from the bot the facilitators' clients have seen (their pings)."""
        return len(
            {
                e.get("event_id")
                for p in self.people
                for room_id, e in p.events
                if room_id != self.bot_room
                and e.get("sender") == self.bot.user_id
                and e.get("type") == "m.room.message"
            }
        )

    async def _ack(self, room_id: str, bot_id: str, event_id: str) -> Ack:
        answer = await self.requester.answer_to(room_id, bot_id, event_id)
        await until(lambda: event_id in self.requester.timestamps, timeout=10)
        return Ack(event_id, self.requester.timestamps[event_id], answer["origin_server_ts"])

    def stop(self, name: str) -> None:
        """SIGTERM a process and wait."""
        process = self.processes.pop(name, None)
        if process and process.poll() is None:
            process.terminate()
            try:
                process.wait(30)
            except Exception:
                process.kill()

    async def close(self) -> None:
        """Stop everything."""
        for name in list(self.processes):
            self.stop(name)
        await self.requester.stop()
        for person in self.people:
            await person.stop()
        await self.synapse.stop()
        if self.postgres is not None:
            self.postgres.stop()


async def one_run(args: argparse.Namespace) -> dict[str, Any]:
    """One full run: setup, warm-up, the measured stream; its figures."""
    bench = RoomBench(args)
    try:
        await bench.setup()
        await bench.run(5, args.every, offset=5000)  # warm-up: the first DMs, caches
        pids = {name: bench.processes[name].pid for name in ("bot", "echo")}
        before = {name: cpu_ms(pid) for name, pid in pids.items()}
        load_before = os.getloadavg()[0]
        spy = _py_spy(args.py_spy, pids["bot"]) if args.py_spy else None
        acks = await bench.run(args.requests, args.every)
        load_after = os.getloadavg()[0]
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(60)
        cpu = {n: (cpu_ms(pid) - before[n]) / args.requests for n, pid in pids.items()}
        expected = 2 * (args.requests + 5)
        with contextlib.suppress(TimeoutError):  # the pings of the last requests
            await until(lambda: bench.pings_seen() >= expected, timeout=20)
        pinged = bench.pings_seen()
    except BaseException:
        print(f"bench failed; logs kept in {bench.tmp}", file=sys.stderr)
        await bench.close()
        raise
    await bench.close()
    traces = bench.traces()
    served = server_syncs(bench.synapse.dir / "homeserver.log")
    users = {"bot": bench.bot.user_id, "echo": bench.echo.user_id}
    if args.keep:
        found = {name: [a.__dict__ for a in acks[name]] for name in acks}
        (bench.tmp / "acks.json").write_text(json.dumps(found), encoding="utf-8")
        print(f"logs, traces and acks.json kept in {bench.tmp}", file=sys.stderr)
    else:
        shutil.rmtree(bench.tmp, ignore_errors=True)
    lat = {name: [a.latency for a in found] for name, found in acks.items()}
    return {
        "median_bot": statistics.median(lat["bot"]),
        "median_echo": statistics.median(lat["echo"]),
        "p90_bot": percentile(lat["bot"], 0.9),
        "p90_echo": percentile(lat["echo"], 0.9),
        "cpu_bot": cpu["bot"],
        "cpu_echo": cpu["echo"],
        "pings": (pinged, expected),
        "load": (load_before, load_after),
        "steps": {
            name: [
                s
                for a in found
                if (s := split(a, traces[name], served.get(users[name]))) is not None
            ]
            for name, found in acks.items()
        },
        "in_flight": in_flight(acks["bot"], traces["bot"]),
        "requests": args.requests,
    }


def _py_spy(out: str, pid: int) -> subprocess.Popen[bytes]:
    """Sample the bot (the thread holding the GIL, 200 a second) until SIGINT: collapsed stacks."""
    spy = Path(sys.executable).with_name("py-spy")
    command = [str(spy), "record", "--pid", str(pid), "--format", "raw", "-o", out]
    return subprocess.Popen([*command, "--rate", "200", "--gil"])


def print_steps(runs: list[dict[str, Any]]) -> None:
    """The acknowledgment split by the bots' own timestamps, over every run."""
    steps = {name: [s for f in runs for s in f["steps"][name]] for name in ("bot", "echo")}
    if not steps["bot"]:
        return
    print(f"\nWhere the time goes, by the bots' own clocks ({len(steps['bot'])} requests, ms):\n")
    print("| step | bot median | echo median | bot p90 | echo p90 |")
    print("|---|---:|---:|---:|---:|")
    for step in STEPS:
        cells = []
        for q in (0.5, 0.9):
            for name in ("bot", "echo"):
                values = [s[step] for s in steps[name] if step in s]
                cells.append(f"{percentile(values, q):.1f}" if values else "—")
        print(f"| {step} | {cells[0]} | {cells[1]} | {cells[2]} | {cells[3]} |")
    counts: dict[str, int] = {}
    for f in runs:
        for name, n in f["in_flight"].items():
            counts[name] = counts.get(name, 0) + n
    total = sum(f["requests"] for f in runs)
    flying = ", ".join(
        f"{name} {n / total:.2f}" for name, n in sorted(counts.items(), key=lambda kv: -kv[1])
    )
    print(f"\nThe bot's other calls in flight during an acknowledgment, per request: {flying}")


def main() -> None:
    """Parse the options, run, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=60, help="measured requests per run")
    parser.add_argument("--every", type=float, default=1.4, help="seconds between requests")
    parser.add_argument("--runs", type=int, default=1, help="independent runs (fresh homeserver)")
    parser.add_argument("--keep", action="store_true", help="keep logs, databases and traces")
    parser.add_argument("--profile", help="run the bot under cProfile, writing a .prof here")
    parser.add_argument(
        "--echo-members",
        type=int,
        default=ROOM_MEMBERS,
        help="facilitators also in the echo room (3, the default: a room as busy as the bot's)",
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="the homeserver on PostgreSQL, as in production (initdb and pg_ctl, psycopg2)",
    )
    parser.add_argument(
        "--receipts",
        action="store_true",
        help="the facilitators' clients post a read receipt for each message, as Element does",
    )
    parser.add_argument("--py-spy", help="sample the bot with py-spy during the run, to this file")
    parser.add_argument(
        "--no-trace", dest="trace", action="store_false", help="no timestamps inside the bots"
    )
    args = parser.parse_args()
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    print(f"Facilibot in its room, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}")
    print(
        f"{args.requests} requests every {args.every} s, each pinging 2 of {FACILITATORS} "
        "facilitators by encrypted DM; echo probes interleaved; clients long-poll 3 s"
        + ("; both bots traced" if args.trace and not args.profile else "")
        + f"; homeserver on {'PostgreSQL' if args.postgres else 'SQLite'}"
        + f"; {args.echo_members} of the {ROOM_MEMBERS} facilitators also in the echo room"
        + ("; their clients post read receipts" if args.receipts else "")
        + "\n"
    )
    head = ("run", "load", "ack median bot/echo (ms)", "ratio", "ack p90 bot/echo (ms)", "ratio")
    print("| " + " | ".join([*head, "CPU/msg bot/echo (ms)", "ratio", "pings"]) + " |")
    print("|---|---|---|---|---|---|---|---|---|")
    met = 0
    runs = []
    for run in range(1, args.runs + 1):
        f = asyncio.run(one_run(args))
        runs.append(f)
        median, p90 = f["median_bot"] / f["median_echo"], f["p90_bot"] / f["p90_echo"]
        cpu = f["cpu_bot"] / max(f["cpu_echo"], 0.01)
        ok = median <= GOALS["median"] and p90 <= GOALS["p90"] and cpu < GOALS["cpu"]
        met += ok
        print(
            f"| {run} | {f['load'][0]:.1f}→{f['load'][1]:.1f} "
            f"| {f['median_bot']:.1f} / {f['median_echo']:.1f} | {median:.2f}× "
            f"| {f['p90_bot']:.1f} / {f['p90_echo']:.1f} | {p90:.2f}× "
            f"| {f['cpu_bot']:.1f} / {f['cpu_echo']:.1f} | {cpu:.1f}× "
            f"| {f['pings'][0]}/{f['pings'][1]} |" + ("" if ok else " missed"),
            flush=True,
        )
    print(
        f"\ngoals: median ≤ {GOALS['median']}×, p90 ≤ {GOALS['p90']}×, CPU < {GOALS['cpu']}×; "
        f"met in {met} of {args.runs} runs"
    )
    print_steps(runs)
    if args.profile:
        print(f"profile in {args.profile}: python -m pstats FILE")


if __name__ == "__main__":
    main()

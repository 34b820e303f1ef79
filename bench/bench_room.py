"""Facilibot's acknowledgment in the room it lives in, against the echo floor.

The setting: a requests room with a handful of members; a directory of 20
facilitators who exist on the homeserver, each with an end-to-end capable
client that long-polls with a 3-second timeout and accepts invitations;
every request is complete, so each also pings 2 facilitators by DM (the bot
creates each DM, encrypted, on first contact); requests arrive about every
1.4 s, interleaved with messages to a bare matrix-nio echo bot in another
room. Both bots run as processes on one throwaway Synapse.

Prints the acknowledgment's median and p90 for both (from the homeserver's
own timestamps) and their ratio, and the CPU per message of each process.

    python bench/bench_room.py [--requests 60] [--every 1.4] [--runs 1] [--profile DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

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
from bot.sandbox.homeserver import Synapse, free_port  # noqa: E402
from bot.sandbox.people import Person, until  # noqa: E402
from storage.store import Store  # noqa: E402

GOALS = {"median": 1.05, "p90": 1.10, "cpu": 3.0}
FACILITATORS = 20
ROOM_MEMBERS = 3  # facilitators who are also in the requests room


class RoomBench:
    """The homeserver, the people, both bots."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="facilibot-room-"))
        self.synapse = Synapse(self.tmp / "synapse")
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
            )
            await person.start()
            self.people.append(person)
        members = [p.user_id for p in self.people[:ROOM_MEMBERS]]
        self.bot_room = await self.requester.create_room("Demandes", self.bot.user_id)
        for user_id in members:
            await self.requester.client.room_invite(self.bot_room, user_id)
        self.echo_room = await self.requester.create_room("Écho", self.echo.user_id)
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
        env = {**os.environ, "FACILIBOT_PASSWORD": self.bot.password}
        self.processes["bot"] = spawn(command, self.tmp / "bot.log", env=env)
        url = f"http://127.0.0.1:{self.health_port}/healthz"
        await until(lambda: self._healthy(url), timeout=60, step=0.05)
        echo = [sys.executable, str(ROOT / "bench" / "echo_bot.py"), self.synapse.url]
        self.processes["echo"] = spawn(
            [*echo, self.echo.user_id, self.echo.password], self.tmp / "echo.log"
        )
        line = await asyncio.to_thread(self.processes["echo"].stdout.readline)
        assert line.strip() == b"READY", line
        for room_id, user_id in (
            (self.bot_room, self.bot.user_id),
            (self.echo_room, self.echo.user_id),
        ):
            await until(lambda r=room_id, u=user_id: self.requester.joined(r, u), timeout=30)
        for user_id in members:
            await until(lambda u=user_id: self.requester.joined(self.bot_room, u), timeout=30)

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

    async def run(self, count: int, every: float, offset: int = 0) -> dict[str, list[float]]:
        """Requests every `every` seconds, an echo probe half-way between each; the
        acknowledgments' server-side latencies, in ms."""
        asked: dict[str, list[str]] = {"bot": [], "echo": []}
        for i in range(count):
            started = time.perf_counter()
            asked["bot"].append(await self.requester.send(self.bot_room, request_text(offset + i)))
            await asyncio.sleep(max(0.0, every / 2 - (time.perf_counter() - started)))
            asked["echo"].append(await self.requester.send(self.echo_room, f"écho {i}"))
            await asyncio.sleep(max(0.0, every - (time.perf_counter() - started)))
        found: dict[str, list[float]] = {}
        for name, room_id, bot_id in (
            ("bot", self.bot_room, self.bot.user_id),
            ("echo", self.echo_room, self.echo.user_id),
        ):
            found[name] = [
                await self._latency(room_id, bot_id, event_id) for event_id in asked[name]
            ]
        return found

    async def _latency(self, room_id: str, bot_id: str, event_id: str) -> float:
        answer = await self.requester.answer_to(room_id, bot_id, event_id)
        await until(lambda: event_id in self.requester.timestamps, timeout=10)
        return answer["origin_server_ts"] - self.requester.timestamps[event_id]

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


async def one_run(args: argparse.Namespace) -> dict[str, float]:
    """One full run: setup, warm-up, the measured stream; its figures."""
    bench = RoomBench(args)
    try:
        await bench.setup()
        await bench.run(5, args.every, offset=5000)  # warm-up: the first DMs, caches
        pids = {name: bench.processes[name].pid for name in ("bot", "echo")}
        before = {name: cpu_ms(pid) for name, pid in pids.items()}
        lat = await bench.run(args.requests, args.every)
        await asyncio.sleep(2)  # the pings of the last requests
        cpu = {n: (cpu_ms(pid) - before[n]) / args.requests for n, pid in pids.items()}
        pinged = sum(
            1 for p in bench.people for _, e in p.events if e.get("sender") == bench.bot.user_id
        )
    except BaseException:
        print(f"bench failed; logs kept in {bench.tmp}", file=sys.stderr)
        await bench.close()
        raise
    await bench.close()
    if not args.keep:
        shutil.rmtree(bench.tmp, ignore_errors=True)
    return {
        "median_bot": statistics.median(lat["bot"]),
        "median_echo": statistics.median(lat["echo"]),
        "p90_bot": percentile(lat["bot"], 0.9),
        "p90_echo": percentile(lat["echo"], 0.9),
        "cpu_bot": cpu["bot"],
        "cpu_echo": cpu["echo"],
        "pings_seen": pinged,
    }


def main() -> None:
    """Parse the options, run, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=60, help="measured requests per run")
    parser.add_argument("--every", type=float, default=1.4, help="seconds between requests")
    parser.add_argument("--runs", type=int, default=1, help="independent runs (fresh homeserver)")
    parser.add_argument("--keep", action="store_true", help="keep logs and databases")
    parser.add_argument("--profile", help="run the bot under cProfile, writing a .prof here")
    args = parser.parse_args()
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    print(f"Facilibot in its room, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}")
    print(
        f"{args.requests} requests every {args.every} s, each pinging 2 of {FACILITATORS} "
        "facilitators by encrypted DM; echo probes interleaved; clients long-poll 3 s\n"
    )
    head = ("run", "ack median bot/echo (ms)", "ratio", "ack p90 bot/echo (ms)", "ratio")
    print("| " + " | ".join([*head, "CPU/msg bot/echo (ms)", "ratio"]) + " |")
    print("|---|---|---|---|---|---|---|")
    met = 0
    for run in range(1, args.runs + 1):
        f = asyncio.run(one_run(args))
        median, p90 = f["median_bot"] / f["median_echo"], f["p90_bot"] / f["p90_echo"]
        cpu = f["cpu_bot"] / max(f["cpu_echo"], 0.01)
        ok = median <= GOALS["median"] and p90 <= GOALS["p90"] and cpu < GOALS["cpu"]
        met += ok
        print(
            f"| {run} | {f['median_bot']:.1f} / {f['median_echo']:.1f} | {median:.2f}× "
            f"| {f['p90_bot']:.1f} / {f['p90_echo']:.1f} | {p90:.2f}× "
            f"| {f['cpu_bot']:.1f} / {f['cpu_echo']:.1f} | {cpu:.1f}× |" + ("" if ok else " missed")
        )
    print(
        f"\ngoals: median ≤ {GOALS['median']}×, p90 ≤ {GOALS['p90']}×, CPU < {GOALS['cpu']}×; "
        f"met in {met} of {args.runs} runs"
    )
    if args.profile:
        print(f"profile in {args.profile}: python -m pstats FILE")


if __name__ == "__main__":
    main()

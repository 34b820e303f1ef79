"""Facilibot against its floor, on one throwaway Synapse, in one run.

Starts Synapse on loopback, then `facilibot run` and a bare matrix-nio echo
bot (`bench/echo_bot.py`) as two processes, and measures for both:

- request -> acknowledgment latency (median, p90), rounds interleaved so
  both see the same machine noise, each on a quiet homeserver (the pings of
  a round are out before the next round starts);
- a burst of 100 requests: from the first request to the last answer;

Facilibot works as in production: its directory holds a network's worth
of facilitators (`--directory`, 250 by default, drawn like
`bench_matching.py`'s), so each request is matched and its first
candidates are pinged (in a facilitators room, the pinged people not
existing on this homeserver). Then, for Facilibot alone: the startup time
(process start to a healthy `/healthz`, i.e. first sync handled) with
10,000 stored requests and 10,000 pending reminders, and the resident memory. Latencies are taken
from the homeserver's own timestamps (`origin_server_ts`) so the
requester's client adds nothing. Prints a table with the ratios.

    python bench/bench_bot.py [--rounds 100] [--burst 100] [--directory 250] [--profile DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import platform
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from nio import AsyncClient, RoomCreateResponse, RoomSendResponse, SyncResponse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_matching import seed_directory  # noqa: E402
from bot.matrix.decryption import thread_of  # noqa: E402
from bot.sandbox.homeserver import RegisteredUser, Synapse, free_port  # noqa: E402
from bot.sandbox.people import until  # noqa: E402

STORED = 10_000
GOALS = {"latency": 1.1, "burst": 1.2, "startup_s": 2.0, "rss_mb": 120.0}
MONTHS = ("mars", "avril", "mai", "juin")
SEE_ALL = {"room": {"timeline": {"limit": 1000}}}


def request_text(i: int) -> str:
    """A complete request (date, time, place), a different event for each `i` below 896
    (the same event written again would complete the first request)."""
    day, month = 1 + i % 28, MONTHS[(i // 28) % len(MONTHS)]
    start = 8 + (i // 112) % 8
    return (
        f"On cherche un facilitateur pour un atelier le {day} {month} de {start}h à "
        f"{start + 2}h à Lyon."
    )


def rss_mb(pid: int) -> tuple[float, float]:
    """Current and peak resident memory of a process, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def cpu_ms(pid: int) -> float:
    """CPU time (user + system) a process has used so far, in ms."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    """The q-quantile, by linear interpolation."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


class Requester:
    """A plain nio client that sends requests and records everything it sees.

    Its sync asks for up to 1,000 timeline events per room, so a burst of
    answers is seen whole (the default limit of 10 would hide most of it).
    """

    def __init__(self, homeserver: str, user: RegisteredUser) -> None:
        self.client = AsyncClient(homeserver, user.user_id, device_id=user.device_id)
        self.client.restore_login(user.user_id, user.device_id, user.access_token)
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.timestamps: dict[str, int] = {}
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Skip history, then sync in the background."""
        first = await self.client.sync(timeout=0, sync_filter=SEE_ALL)
        assert isinstance(first, SyncResponse), first
        self._task = asyncio.create_task(self._sync())

    async def _sync(self) -> None:
        while True:
            response = await self.client.sync(timeout=5000, sync_filter=SEE_ALL)
            if not isinstance(response, SyncResponse):
                await asyncio.sleep(0.2)
                continue
            for room_id, room in response.rooms.join.items():
                for event in room.timeline.events:
                    self.events.append((room_id, event.source))
                    self.timestamps[event.event_id] = int(event.source["origin_server_ts"])

    async def stop(self) -> None:
        """Stop syncing and close."""
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.client.close()

    async def create_room(self, name: str, invite: str) -> str:
        """A private room with one bot in it."""
        response = await self.client.room_create(name=name, invite=[invite])
        assert isinstance(response, RoomCreateResponse), response
        return response.room_id

    async def send(self, room_id: str, body: str) -> str:
        """Send a text message; return its event id."""
        content = {"msgtype": "m.text", "body": body}
        response = await self.client.room_send(room_id, "m.room.message", content)
        assert isinstance(response, RoomSendResponse), response
        return response.event_id

    def answers(self, room_id: str, sender: str) -> list[dict[str, Any]]:
        """Messages from `sender` seen in a room."""
        return [
            e
            for rid, e in self.events
            if rid == room_id and e.get("sender") == sender and e.get("type") == "m.room.message"
        ]

    async def answer_to(self, room_id: str, sender: str, event_id: str) -> dict[str, Any]:
        """Wait for the first answer in the thread of `event_id`."""
        found: list[dict[str, Any]] = []

        def answered() -> bool:
            found[:] = [m for m in self.answers(room_id, sender) if thread_of(m) == event_id]
            return bool(found)

        await until(answered, timeout=30, step=0.005)
        return found[0]

    def joined(self, room_id: str, user_id: str) -> bool:
        """Whether `user_id` has joined `room_id` (as this client sees it)."""
        room = self.client.rooms.get(room_id)
        return room is not None and user_id in room.users and user_id not in room.invited_users


class Bench:
    """The homeserver, the requester, both bots and their rooms."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="facilibot-bench-"))
        self.synapse = Synapse(self.tmp / "synapse")
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.health_port = free_port()
        self.profiles = itertools.count(1)

    async def setup(self) -> None:
        """Start Synapse, register everyone, create the two rooms, start both bots."""
        await self.synapse.start()
        user = await self.synapse.register("requester")
        self.bot = await self.synapse.register("facilibot", "bot-password")
        self.echo = await self.synapse.register("echo", "echo-password")
        self.requester = Requester(self.synapse.url, user)
        await self.requester.start()
        self.bot_room = await self.requester.create_room("Demandes", self.bot.user_id)
        self.echo_room = await self.requester.create_room("Écho", self.echo.user_id)
        self.facilitators_room = await self.requester.create_room("Facilitateurs", self.bot.user_id)
        self.config = self.tmp / "bot" / "config.toml"
        self.config.parent.mkdir()
        if self.args.directory:
            await asyncio.to_thread(
                seed_directory,
                self.config.parent / "bot.sqlite3",
                self.args.directory,
                random.Random(4),
            )
        pace = ""
        if self.args.pace_to_server:
            # The throwaway homeserver takes 1,000 messages a second; the default
            # pace stays under Tchap's limit.
            pace = "[bot]\nsends_per_second = 1000\nsend_burst = 1000\n"
        self.config.write_text(
            f'[matrix]\nhomeserver = "{self.synapse.url}"\nuser_id = "{self.bot.user_id}"\n'
            f'store_path = "store"\n[rooms]\nrequests = ["{self.bot_room}"]\n'
            f'facilitators = "{self.facilitators_room}"\n'
            f'[storage]\ndatabase = "bot.sqlite3"\n{pace}'
            '[matching]\nping_in = "room"\n'
            f'[observability]\nlisten = "127.0.0.1:{self.health_port}"\n',
            encoding="utf-8",
        )
        await self.start_bot()
        echo = [sys.executable, str(ROOT / "bench" / "echo_bot.py"), self.synapse.url]
        self.processes["echo"] = spawn(
            [*echo, self.echo.user_id, self.echo.password], self.tmp / "echo.log"
        )
        line = await asyncio.to_thread(self.processes["echo"].stdout.readline)
        assert line.strip() == b"READY", line
        for room_id, user_id in (
            (self.bot_room, self.bot.user_id),
            (self.facilitators_room, self.bot.user_id),
            (self.echo_room, self.echo.user_id),
        ):
            await until(lambda r=room_id, u=user_id: self.requester.joined(r, u), timeout=30)

    async def start_bot(self) -> float:
        """Start `facilibot run`; return the seconds until /healthz says 200."""
        command = [sys.executable, "-m", "bot.cli", "run", "--config", str(self.config)]
        if self.args.profile:
            out = Path(self.args.profile) / f"facilibot-{next(self.profiles)}.prof"
            command = [sys.executable, "-m", "cProfile", "-o", str(out), *command[1:]]
        env = {**os.environ, "FACILIBOT_PASSWORD": self.bot.password}
        started = time.perf_counter()
        self.processes["bot"] = spawn(command, self.tmp / "bot.log", env=env)
        url = f"http://127.0.0.1:{self.health_port}/healthz"
        while not await asyncio.to_thread(_answers_200, url):
            if self.processes["bot"].poll() is not None:
                raise RuntimeError(f"facilibot exited; see {self.tmp / 'bot.log'}")
            if time.perf_counter() - started > 60:
                raise RuntimeError("facilibot not healthy after 60 s")
            await asyncio.sleep(0.01)
        return time.perf_counter() - started

    def stop(self, name: str) -> None:
        """SIGTERM a bot process and wait for it."""
        process = self.processes.pop(name, None)
        if process and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()

    async def ask(self, room_id: str, bot_id: str, text: str) -> float:
        """Send one request, wait for its answer; return the server-side latency in ms."""
        asked = await self.requester.send(room_id, text)
        answer = await self.requester.answer_to(room_id, bot_id, asked)
        await until(lambda: asked in self.requester.timestamps, timeout=10)
        return answer["origin_server_ts"] - self.requester.timestamps[asked]

    async def latency(self, rounds: int, offset: int = 0) -> dict[str, list[float]]:
        """Interleaved request/answer rounds against both bots (requests numbered from
        `offset`: the same request written again would complete the first one)."""
        found: dict[str, list[float]] = {"bot": [], "echo": []}
        for i in range(rounds):
            pairs = [
                ("bot", self.bot_room, self.bot.user_id),
                ("echo", self.echo_room, self.echo.user_id),
            ]
            for name, room_id, user_id in pairs if i % 2 else reversed(pairs):
                found[name].append(await self.ask(room_id, user_id, request_text(offset + i)))
                await self.quiet()
        return found

    async def quiet(self, still: float = 0.2) -> None:
        """Wait until the requester has seen nothing new for `still` seconds: the
        bot's pings of a round are not sent during the next one's measurement."""
        seen, since = len(self.requester.events), time.perf_counter()
        while time.perf_counter() - since < still:
            await asyncio.sleep(0.02)
            if len(self.requester.events) != seen:
                seen, since = len(self.requester.events), time.perf_counter()

    async def burst(self, room_id: str, bot_id: str, count: int, offset: int) -> float:
        """Send `count` requests at once; ms from the first request to the last answer."""
        asked = await asyncio.gather(
            *(self.requester.send(room_id, request_text(offset + i)) for i in range(count))
        )
        pending = set(asked)
        answers: dict[str, int] = {}

        def all_answered() -> bool:
            for source in self.requester.answers(room_id, bot_id):
                root = thread_of(source)
                if root in pending and root not in answers:
                    answers[root] = int(source["origin_server_ts"])
            return len(answers) == len(pending)

        await until(all_answered, timeout=120)
        await until(lambda: all(e in self.requester.timestamps for e in asked), timeout=10)
        return max(answers.values()) - min(self.requester.timestamps[e] for e in asked)

    async def startup(self, runs: int) -> tuple[float, str]:
        """Restart the bot on a database of 10,000 requests and reminders; median seconds."""
        self.stop("bot")
        what = seed(self.tmp / "bot" / "bot.sqlite3", self.bot_room, STORED)
        times = [await self._restart() for _ in range(runs)]
        return statistics.median(times), what

    async def _restart(self) -> float:
        self.stop("bot")
        return await self.start_bot()

    async def close(self) -> None:
        """Stop everything."""
        for name in list(self.processes):
            self.stop(name)
        await self.requester.stop()
        await self.synapse.stop()


def spawn(
    command: list[str], log: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start a process from the repository root, its stderr appended to `log`."""
    with log.open("ab") as err:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=err)


def _answers_200(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def seed(path: Path, room_id: str, count: int) -> str:
    """Add `count` requests (with their handled events and audit rows) and `count`
    pending reminders to a stopped bot's database; say what was stored."""
    now = datetime.now(UTC)
    states = ("ouverte", "pourvue", "realisee", "annulee", "partiellement pourvue")
    with sqlite3.connect(path) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        rows = []
        for i in range(count):
            created = (now - timedelta(days=i % 600)).isoformat()
            event_date = (now + timedelta(days=(i % 400) - 200)).date().isoformat()
            rows.append(
                (
                    f"$seed{i}",
                    room_id,
                    f"$seed{i}",
                    f"@user{i % 500}:facilibot.test",
                    request_text(i),
                    states[i % len(states)],
                    event_date,
                    "14:00",
                    "16:00",
                    120,
                    1 + i % 2,
                    "atelier",
                    "presentiel",
                    "Lyon",
                    created,
                    created,
                )
            )
        db.executemany(
            "INSERT INTO requests (source_event_id, room_id, thread_root, requester, text, state, "
            "event_date, start_time, end_time, duration_minutes, facilitators_needed, format, "
            "modality, location, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        db.executemany(
            "INSERT INTO handled_events (event_id, room_id, outcome, handled_at) "
            "VALUES (?, ?, ?, ?)",
            [(r[0], room_id, "request", r[14]) for r in rows],
        )
        if "jobs" in tables:
            db.executemany(
                "INSERT INTO jobs (kind, target, recipient, due_at, state, created_at, updated_at) "
                "VALUES ('mission_reminder', ?, ?, ?, 'pending', ?, ?)",
                [
                    (
                        f"request:{i}",
                        f"@user{i % 500}:facilibot.test",
                        (now + timedelta(days=1 + i % 300, minutes=i)).isoformat(),
                        now.isoformat(),
                        now.isoformat(),
                    )
                    for i in range(count)
                ],
            )
            return f"{count:,} requests + {count:,} pending reminders (jobs table)"
        if "reminders" in tables:
            raise SystemExit("a `reminders` table exists: teach seed() its columns")
        db.executemany(
            "INSERT INTO outbox (txn_id, key, room_id, event_type, content, state, attempts, "
            "event_id, created_at, sent_at) "
            "VALUES (?, ?, ?, 'm.room.message', ?, 'sent', 1, ?, ?, ?)",
            [
                (
                    f"fbseed{i}",
                    f"seed:{i}",
                    room_id,
                    '{"msgtype": "m.notice", "body": "x"}',
                    f"$out{i}",
                    now.isoformat(),
                    now.isoformat(),
                )
                for i in range(count)
            ],
        )
        return (
            f"{count:,} requests + {count:,} sent outbox rows "
            "(no reminders table on this branch yet)"
        )


def machine() -> str:
    """One line about where this ran."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    from importlib.metadata import version

    import synapse

    return (
        f"{cpu}, {os.cpu_count()} cores (shared), Linux {platform.release()}, "
        f"Python {platform.python_version()}, Synapse {synapse.__version__}, "
        f"matrix-nio {version('matrix-nio')}"
    )


def row(name: str, bot: float, floor: float | None, goal: str, ok: bool) -> str:
    """One line of the table."""
    floor_text = f"{floor:>10.1f}" if floor is not None else f"{'—':>10}"
    ratio = f"{bot / floor:>7.2f}×" if floor else f"{'':>8}"
    verdict = "ok" if ok else "MISSED"
    return f"| {name:<44} | {bot:>10.1f} | {floor_text} | {ratio} | {goal:<8} | {verdict:<6} |"


async def run(args: argparse.Namespace) -> None:
    """Measure everything and print the table."""
    bench = Bench(args)
    started = time.perf_counter()
    done = False
    try:
        await bench.setup()
        await bench.latency(5, offset=5000)  # warm up both bots and the homeserver's caches
        pids = {name: bench.processes[name].pid for name in ("bot", "echo")}
        cpu_before = {name: cpu_ms(pid) for name, pid in pids.items()}
        lat = await bench.latency(args.rounds)
        cpu = {name: (cpu_ms(pid) - cpu_before[name]) / args.rounds for name, pid in pids.items()}
        burst_echo = await bench.burst(bench.echo_room, bench.echo.user_id, args.burst, 1000)
        burst_bot = await bench.burst(bench.bot_room, bench.bot.user_id, args.burst, 2000)
        await asyncio.sleep(1)  # let the bot's outbox finish (staffing notices)
        rss_bot, _ = rss_mb(bench.processes["bot"].pid)
        rss_echo, _ = rss_mb(bench.processes["echo"].pid)
        startup, stored = await bench.startup(args.startup_runs)
        rss_started, peak = rss_mb(bench.processes["bot"].pid)
        done = True
    finally:
        await bench.close()
        if not done:
            print(f"bench failed; logs kept in {bench.tmp}", file=sys.stderr)
        elif not args.keep:
            shutil.rmtree(bench.tmp, ignore_errors=True)
    med_b, med_e = statistics.median(lat["bot"]), statistics.median(lat["echo"])
    p90_b, p90_e = percentile(lat["bot"], 0.9), percentile(lat["echo"], 0.9)
    print(f"\nFacilibot benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}")
    pace = "the homeserver's limit" if args.pace_to_server else "the default pace (bot.send_*)"
    print(f"latency: {args.rounds} interleaved rounds; burst: {args.burst} requests at once")
    print(f"the bot sends at {pace}")
    print(
        f"directory: {args.directory} facilitators; each request is matched and its first "
        "candidates pinged in the facilitators room"
    )
    print(f"startup: {stored}, median of {args.startup_runs} restarts\n")
    head = ("figure", "facilibot", "echo floor", "ratio", "goal", "")
    print("| {:<44} | {:>10} | {:>10} | {:>8} | {:<8} | {:<6} |".format(*head))
    print(f"|{'-' * 46}|{'-' * 11}:|{'-' * 11}:|{'-' * 9}:|{'-' * 10}|{'-' * 8}|")
    print(row("ack latency, median (ms)", med_b, med_e, "≤ 1.1×", med_b <= 1.1 * med_e))
    print(row("ack latency, p90 (ms)", p90_b, p90_e, "≤ 1.1×", p90_b <= 1.1 * p90_e))
    print(
        row(
            f"burst of {args.burst}, all acknowledged (ms)",
            burst_bot,
            burst_echo,
            "≤ 1.2×",
            burst_bot <= 1.2 * burst_echo,
        )
    )
    print(
        row(
            "startup with 10k requests + reminders (ms)",
            startup * 1000,
            None,
            "< 2000",
            startup < GOALS["startup_s"],
        )
    )
    print(row("CPU per request, both processes' own (ms)", cpu["bot"], cpu["echo"], "info", True))
    print(row("RSS after the burst (MB)", rss_bot, rss_echo, "< 120", rss_bot < GOALS["rss_mb"]))
    print(
        row(
            "RSS after restart on 10k rows (MB)",
            rss_started,
            None,
            "< 120",
            rss_started < GOALS["rss_mb"],
        )
    )
    print(f"\n(peak RSS {peak:.1f} MB; whole bench {time.perf_counter() - started:.0f} s)")
    if args.profile:
        print(f"profiles in {args.profile}: python -m pstats FILE")


def main() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--burst", type=int, default=100)
    parser.add_argument("--startup-runs", type=int, default=3)
    parser.add_argument(
        "--directory", type=int, default=250, help="facilitators in the bot's directory"
    )
    parser.add_argument("--keep", action="store_true", help="keep the logs and databases")
    parser.add_argument(
        "--pace-to-server",
        action="store_true",
        help="send at the homeserver's limit instead of the bot's default pace",
    )
    parser.add_argument("--profile", help="run the bot under cProfile, writing .prof files here")
    args = parser.parse_args()
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()

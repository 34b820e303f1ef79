"""Operations: an optional loopback HTTP listener serving `/healthz` and `/metrics`.

Counts of what the bot did (requests by state, pings, acceptances,
reminders) are read from the database at scrape time, so no other module
has to count anything; only the handler latency (fed by the dispatcher) and
the sender's retries live in the process.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector

from storage.db import Database
from storage.metrics import DatabaseSnapshot, read_snapshot

log = logging.getLogger(__name__)

DB_TIMEOUT_S = 2.0
# Seconds; an acknowledgment takes milliseconds, a staffing round with matching more.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


def outcome_class(outcome: str) -> str:
    """Reduce an outcome (`request:42`, `command:aide`) to a label of bounded cardinality."""
    head = outcome.partition(":")[0]
    return outcome if head in ("command", "ignored") else head


@dataclass(frozen=True)
class Health:
    """What `/healthz` says, and whether it says it with a 200."""

    healthy: bool
    body: dict[str, Any]


def assess(
    *,
    now: datetime,
    last_sync: datetime | None,
    max_sync_age: timedelta,
    database_ok: bool,
    checks: dict[str, bool],
) -> Health:
    """Judge the bot's health from plain facts (pure)."""
    age = None if last_sync is None else max(0.0, (now - last_sync).total_seconds())
    sync_ok = age is not None and age <= max_sync_age.total_seconds()
    healthy = sync_ok and database_ok and all(checks.values())
    body: dict[str, Any] = {
        "status": "ok" if healthy else ("starting" if last_sync is None else "unhealthy"),
        "last_sync_age_seconds": None if age is None else round(age, 3),
        "sync_ok": sync_ok,
        "database_ok": database_ok,
        "checks": dict(checks),
    }
    return Health(healthy, body)


class BotCollector(Collector):
    """Expose the last database snapshot and the live process figures."""

    def __init__(self, live: Callable[[], dict[str, float]]) -> None:
        self.snapshot = DatabaseSnapshot()
        self.live = live

    def collect(self) -> Iterator[Metric]:
        """Yield every metric family (called by `generate_latest`)."""
        snap = self.snapshot
        requests = GaugeMetricFamily(
            "facilibot_requests", "Stored requests by state.", labels=["state"]
        )
        for state, count in sorted(snap.requests_by_state.items()):
            requests.add_metric([state], count)
        yield requests
        yield CounterMetricFamily(
            "facilibot_pings", "Facilitators pinged for a request (stored pings).", snap.pings
        )
        yield CounterMetricFamily(
            "facilibot_acceptances", "Places taken by a facilitator (audited).", snap.acceptances
        )
        outbox = GaugeMetricFamily(
            "facilibot_outbox_messages", "Outbox messages by state.", labels=["state"]
        )
        for state, count in sorted(snap.outbox_by_state.items()):
            outbox.add_metric([state], count)
        yield outbox
        yield from _reminder_families(snap.reminders)
        live = self.live()
        yield CounterMetricFamily(
            "facilibot_send_retries",
            "Outbox sends that failed and will be retried.",
            live.get("send_retries", 0),
        )
        yield CounterMetricFamily(
            "facilibot_messages_sent", "Messages the homeserver accepted.", live.get("sent", 0)
        )
        age = live.get("last_sync_age_seconds")
        if age is not None:
            yield GaugeMetricFamily(
                "facilibot_last_sync_age_seconds", "Seconds since the last successful sync.", age
            )


def _reminder_families(counts: dict[tuple[str, str], int]) -> Iterable[Metric]:
    # Reminders are the kinds mission_reminder and plenary_reminder; the other
    # timed jobs (feedback requests, escalations, retention) are counted alike.
    done = CounterMetricFamily(
        "facilibot_jobs",
        "Timed jobs (reminders and others) settled, by kind and outcome (sent or skipped).",
        labels=["kind", "outcome"],
    )
    pending = GaugeMetricFamily(
        "facilibot_jobs_pending", "Timed jobs still to come, by kind.", labels=["kind"]
    )
    kinds = sorted({kind for kind, _ in counts})
    for kind in kinds:
        for outcome in ("sent", "skipped"):
            done.add_metric([kind, outcome], counts.get((kind, outcome), 0))
        pending.add_metric([kind], counts.get((kind, "pending"), 0))
    yield done
    yield pending


class Observability:
    """The metrics registry and the HTTP listener of one bot."""

    def __init__(
        self,
        *,
        db: Callable[[], Database | None],
        last_sync: Callable[[], datetime | None],
        now: Callable[[], datetime],
        max_sync_age: timedelta,
        live: Callable[[], dict[str, float]] = dict,
    ) -> None:
        self._db = db
        self._last_sync = last_sync
        self._now = now
        self.max_sync_age = max_sync_age
        self._live_extra = live
        # Named health checks beyond sync and database, e.g. "scheduler".
        self.checks: dict[str, Callable[[], bool]] = {}
        self.registry = CollectorRegistry(auto_describe=True)
        self.handler_seconds = Histogram(
            "facilibot_handler_seconds",
            "Time to handle one Matrix event (transaction included), by event kind.",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.events_handled = Counter(
            "facilibot_events_handled",
            "Matrix events handled, by event kind and outcome.",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.collector = BotCollector(self._live)
        self.registry.register(self.collector)
        ProcessCollector(registry=self.registry)
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    def observe_handled(self, kind: str, outcome: str, seconds: float) -> None:
        """Record one handled event (the dispatcher's hook)."""
        self.handler_seconds.labels(kind=kind).observe(seconds)
        self.events_handled.labels(kind=kind, outcome=outcome_class(outcome)).inc()

    def _live(self) -> dict[str, float]:
        live = dict(self._live_extra())
        last = self._last_sync()
        if last is not None:
            live["last_sync_age_seconds"] = max(0.0, (self._now() - last).total_seconds())
        return live

    async def health(self) -> Health:
        """Check sync age, database and the registered checks."""
        checks = {}
        for name, check in self.checks.items():
            try:
                checks[name] = bool(check())
            except Exception:
                log.exception("health check %s failed", name)
                checks[name] = False
        return assess(
            now=self._now(),
            last_sync=self._last_sync(),
            max_sync_age=self.max_sync_age,
            database_ok=await self._database_ok(),
            checks=checks,
        )

    async def _database_ok(self) -> bool:
        db = self._db()
        if db is None:
            return False
        try:
            answered = await asyncio.wait_for(db.ping(), DB_TIMEOUT_S)
        except Exception as exc:
            log.warning("health: database unreachable (%s)", type(exc).__name__)
            return False
        return answered

    async def render_metrics(self) -> bytes:
        """Refresh the database counts and render every metric as Prometheus text."""
        db = self._db()
        if db is not None:
            try:
                self.collector.snapshot = await asyncio.wait_for(read_snapshot(db), DB_TIMEOUT_S)
            except Exception as exc:
                log.warning("metrics: database counts unavailable (%s)", type(exc).__name__)
        return generate_latest(self.registry)

    async def _healthz(self, request: web.Request) -> web.Response:
        health = await self.health()
        return web.Response(
            text=json.dumps(health.body),
            status=200 if health.healthy else 503,
            content_type="application/json",
        )

    async def _metrics(self, request: web.Request) -> web.Response:
        body = await self.render_metrics()
        response = web.Response(body=body)
        response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
        response.charset = "utf-8"
        return response

    async def start(self, host: str, port: int) -> None:
        """Listen on `host:port` (port 0 picks a free one, see `self.port`)."""
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server  # aiohttp keeps the bound sockets there
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else port
        log.info("observability listening on http://%s:%d (/healthz, /metrics)", host, self.port)

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

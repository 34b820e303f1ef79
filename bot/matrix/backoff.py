"""Exponential backoff with full jitter, and a pacer for sending under a rate limit."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable


class Backoff:
    """Delays of `base · 2^n` seconds, capped, each drawn uniformly below the bound."""

    def __init__(self, base: float = 0.5, cap: float = 60.0, rng: random.Random | None = None):
        self.base = base
        self.cap = cap
        self.failures = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        """Count a failure and return how long to wait before the next try."""
        bound = min(self.cap, self.base * (2**self.failures))
        self.failures += 1
        return self._rng.uniform(bound / 2, bound)

    def reset(self) -> None:
        """Forget past failures after a success."""
        self.failures = 0

    async def sleep(self) -> float:
        """Wait the next delay (without blocking the loop); return it."""
        delay = self.next_delay()
        await asyncio.sleep(delay)
        return delay


class Pacer:
    """A token bucket: at most `burst` sends at once, then `rate` per second.

    It keeps the bot under the homeserver's message rate limit when it fans
    out (many pings at once), instead of running into 429s and waiting.
    Fan-out leaves `reserve` tokens in the bucket: an answer to someone
    waiting in the chat never queues behind a burst of pings.
    `now` is a monotonic clock in seconds (injected in tests).
    """

    def __init__(self, rate: float, burst: int, now: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.burst = burst
        self.reserve = burst // 5
        self._now = now
        self._tokens = float(burst)
        self._updated = now()

    def _refill(self) -> None:
        now = self._now()
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    def delay(self) -> float:
        """Take a token; return how long to wait before using it (0 when one is free)."""
        self._refill()
        self._tokens -= 1
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def spare(self) -> float:
        """For fan-out: take a token if more than the reserve are left and return 0;
        else take nothing and return how long until there will be."""
        self._refill()
        if self._tokens >= self.reserve + 1:
            self._tokens -= 1
            return 0.0
        return (self.reserve + 1 - self._tokens) / self.rate

    async def wait(self, *, fan_out: bool = False) -> float:
        """Wait for a token (without blocking the loop); return how long it took.

        `fan_out`: leave the reserve to answers.
        """
        if not fan_out:
            delay = self.delay()
            if delay > 0:
                await asyncio.sleep(delay)
            return delay
        waited = 0.0
        while (delay := self.spare()) > 0:
            await asyncio.sleep(delay)
            waited += delay
        return waited

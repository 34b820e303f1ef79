"""Exponential backoff with full jitter, for reconnecting without a thundering herd."""

from __future__ import annotations

import asyncio
import random


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

"""Telegram's overall flood limit: never more than `rate` messages in any sliding second, with no capacity lost.

Telegram answers 429 when a bot sends more than ~30 messages in a second. PTB's AIORateLimiter meters them
with a leaky bucket (aiolimiter): a bucket as large as the rate lets a burst and a second's drip land in one
sliding second (nearly twice the limit); a small bucket keeps under the limit but loses every slot the sender
was a moment late for, so a round reached only 0.88 of the limit. Here a slot is counted from the moment a
request is let go until one second after its answer came back: Telegram saw the request somewhere in between,
so whatever the network's delay, no sliding second on Telegram's side holds more than `rate` of them, and a
sender that fell behind may catch up at once. Per-group limits and retries stay AIORateLimiter's.
"""
from __future__ import annotations

import asyncio
import collections
import time
from typing import Any, Callable, Coroutine

from telegram.ext import AIORateLimiter, BaseRateLimiter


class SendWindow:
    """At most `limit` requests in flight or answered within the last `period` seconds; first come, first served."""

    def __init__(self, limit: int, period: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = max(1, int(limit))
        self.period = period
        self._clock = clock
        self._answered: collections.deque[float] = collections.deque()
        self._in_flight = 0
        self._turn = asyncio.Lock()
        self._returned = asyncio.Event()

    def _expire(self, now: float) -> None:
        while self._answered and self._answered[0] <= now - self.period:
            self._answered.popleft()

    async def acquire(self) -> None:
        async with self._turn:
            while True:
                now = self._clock()
                self._expire(now)
                if self._in_flight + len(self._answered) < self.limit:
                    self._in_flight += 1
                    return
                if self._answered:      # the oldest answer leaves the window first
                    await asyncio.sleep(self._answered[0] + self.period - now)
                else:                   # all in flight: wait for one to come back, then for its second
                    self._returned.clear()
                    await self._returned.wait()

    def release(self) -> None:
        """The request came back (answer or error): it counts for one more period from now."""
        self._in_flight -= 1
        self._answered.append(self._clock())
        self._returned.set()

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *_exc: object) -> None:
        self.release()


class FloodLimiter(BaseRateLimiter[int]):
    """PTB rate limiter: the overall limit through a SendWindow, per-group limits and retries through AIORateLimiter."""

    def __init__(self, rate: int, *, max_retries: int = 0) -> None:
        self.window = SendWindow(rate, 1.0)
        self._groups = AIORateLimiter(overall_max_rate=0, overall_time_period=0, max_retries=max_retries)

    async def initialize(self) -> None:
        await self._groups.initialize()

    async def shutdown(self) -> None:
        await self._groups.shutdown()

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, Any]], args: Any,
                              kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
                              rate_limit_args: int | None) -> Any:
        if data.get("chat_id") is None:     # getUpdates, getMe, getFile…: not messages, not counted
            return await self._groups.process_request(callback, args, kwargs, endpoint, data, rate_limit_args)

        async def counted(*a: Any, **kw: Any) -> Any:
            async with self.window:
                return await callback(*a, **kw)

        return await self._groups.process_request(counted, args, kwargs, endpoint, data, rate_limit_args)

"""A client-side limit of requests per second, shared by every thread or coroutine of one client."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable


class RateLimiter:
    """Spaces requests at least ``1 / rate`` seconds apart, across threads.

    No bursts are allowed, so any one-second span holds at most ``rate + 1`` request starts.

    :param rate: requests per second; 0 means no limit.
    :param clock: a monotonic clock (tests may pass a fake, with a matching ``sleep``).
    :param sleep: how to wait.
    """

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_start = 0.0

    def reserve(self) -> float:
        """Take the next start: the seconds to wait before sending (0 when it may go now)."""
        if not self._interval:
            return 0.0
        with self._lock:
            now = self._clock()
            start = max(now, self._next_start)
            self._next_start = start + self._interval
        return start - now

    def wait(self) -> None:
        """Block until this thread may send its next request."""
        delay = self.reserve()
        if delay > 0:
            self._sleep(delay)

    async def await_turn(self) -> None:
        """Wait, without holding a thread, until this coroutine may send its next request."""
        delay = self.reserve()
        if delay > 0:
            await asyncio.sleep(delay)

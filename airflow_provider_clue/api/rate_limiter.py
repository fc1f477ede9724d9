"""A client-side limit of requests per second, shared by every thread of one client."""

from __future__ import annotations

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

    def wait(self) -> None:
        """Block until this thread may send its next request."""
        if not self._interval:
            return
        with self._lock:
            now = self._clock()
            start = max(now, self._next_start)
            self._next_start = start + self._interval
        if start > now:
            self._sleep(start - now)

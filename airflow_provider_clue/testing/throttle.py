"""Laravel's ``throttle`` middleware as the emulator applies it: a fixed window of requests per token.

It follows ``Illuminate\\Routing\\Middleware\\ThrottleRequests`` over ``Illuminate\\Cache\\RateLimiter``:

- a window opens at its first counted hit and resets at ``floor(first hit) + window``, a whole Unix
  second (Laravel's ``availableAt``); the window ends then, as the file and database cache stores
  (Laravel's defaults) expire it;
- a request over the limit is answered 429 and not counted;
- every answer that passed the middleware carries ``X-RateLimit-Limit`` and ``X-RateLimit-Remaining``
  (what is left after it); a 429 also ``Retry-After`` (whole seconds to the reset) and
  ``X-RateLimit-Reset`` (the reset's Unix second), with ``Remaining`` 0. The window's length is never sent.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass(frozen=True)
class ThrottleSettings:
    """``limit`` requests per ``window`` seconds (Laravel's ``Limit::perSecond(limit, window)``).

    ``budget_headers=False`` keeps the same windows but sends only ``Retry-After`` on a 429 and no
    ``X-RateLimit-*`` header at all, as a gateway's throttle in front of the API may.
    """

    limit: int
    window: int
    budget_headers: bool = True

    def __post_init__(self) -> None:
        for name in ("limit", "window"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"the throttle's {name} must be a whole number >= 1, got {value!r}")
        if not isinstance(self.budget_headers, bool):
            raise ValueError(f"the throttle's budget_headers must be true or false, got {self.budget_headers!r}")


@dataclass
class ThrottleWindow:
    """One window of one key: when its first hit came (Unix time), its reset (a Unix second), its hits."""

    opened_at: float
    resets_at: int
    hits: int = 0


class LaravelThrottle:
    """The windows of every key (the bearer token: Laravel's key is the authenticated user).

    :param settings: the limit and the window.
    :param clock: Unix time (tests may pass a fake).
    """

    def __init__(self, settings: ThrottleSettings, *, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, ThrottleWindow] = {}
        self._history: list[ThrottleWindow] = []

    def attempt(self, key: str) -> dict[str, str] | None:
        """Count one request of ``key``: ``None`` if it may pass, else the headers of its 429."""
        with self._lock:
            now = self._clock()
            window = self._live_window(key, now)
            if window is not None and window.hits >= self.settings.limit:
                retry_after = str(window.resets_at - math.floor(now))
                if not self.settings.budget_headers:
                    return {"Retry-After": retry_after}
                return {**self._headers(0), "Retry-After": retry_after, "X-RateLimit-Reset": str(window.resets_at)}
            if window is None:
                window = self._windows[key] = ThrottleWindow(now, math.floor(now) + self.settings.window)
                self._history.append(window)
            window.hits += 1
            return None

    def headers(self, key: str) -> dict[str, str]:
        """The headers of an answer that passed: the limit and what is left of ``key``'s window now."""
        with self._lock:
            window = self._live_window(key, self._clock())
            return self._headers(self.settings.limit - (window.hits if window else 0))

    @property
    def windows(self) -> list[ThrottleWindow]:
        """Every window opened so far, oldest first (of every key)."""
        with self._lock:
            return [ThrottleWindow(window.opened_at, window.resets_at, window.hits) for window in self._history]

    def _live_window(self, key: str, now: float) -> ThrottleWindow | None:
        window = self._windows.get(key)
        if window is not None and now >= window.resets_at:
            del self._windows[key]
            return None
        return window

    def _headers(self, remaining: int) -> dict[str, str]:
        if not self.settings.budget_headers:
            return {}
        return {"X-RateLimit-Limit": str(self.settings.limit), "X-RateLimit-Remaining": str(max(0, remaining))}

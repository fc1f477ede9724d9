"""Fault injection for the emulator: random rates and a queue of scripted faults."""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass, field, fields
from typing import Literal

FaultKind = Literal["rate_limit", "server_error", "drop", "truncate", "business_error", "html_error", "redirect"]
FAULT_KINDS: tuple[FaultKind, ...] = (
    "rate_limit", "server_error", "drop", "truncate", "business_error", "html_error", "redirect"
)
# The HTTP status each fault answers with (None: the connection is closed without an answer).
FAULT_STATUS: dict[FaultKind, int | None] = {
    "rate_limit": 429, "server_error": 500, "drop": None, "truncate": 200, "business_error": 200, "html_error": 502,
    "redirect": 301,
}


@dataclass
class FaultRates:
    """Probability of each fault per API request (0 to 1); they are tried in this order.

    - ``rate_limit``: HTTP 429 with ``Retry-After: <retry_after>``.
    - ``server_error``: HTTP 500 with a JSON body.
    - ``drop``: the connection is closed without a response.
    - ``truncate``: HTTP 200 whose JSON body is cut in half.
    - ``business_error``: HTTP 200 with ``code`` 500 and ``status`` ``error``.
    - ``html_error``: HTTP 502 with an HTML page, as a proxy in front of the API sends.
    - ``redirect``: HTTP 301 to the same path on another host, as a moved API would send.
    """

    rate_limit: float = 0.0
    server_error: float = 0.0
    drop: float = 0.0
    truncate: float = 0.0
    business_error: float = 0.0
    html_error: float = 0.0
    redirect: float = 0.0
    retry_after: str = "1"

    def __post_init__(self) -> None:
        for kind in FAULT_KINDS:
            rate = getattr(self, kind)
            if not 0 <= rate <= 1:
                raise ValueError(f"fault rate {kind} must be between 0 and 1, got {rate!r}")


@dataclass
class FaultPlan:
    """Decides, per API request, which fault (if any) to inject. Thread-safe and seeded."""

    rates: FaultRates = field(default_factory=FaultRates)
    seed: int = 0
    _scripted: deque[FaultKind] = field(default_factory=deque, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def fail_next(self, kind: FaultKind, times: int = 1) -> None:
        """Inject ``kind`` into each of the next ``times`` API requests, before any random fault."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; allowed: {', '.join(FAULT_KINDS)}")
        with self._lock:
            self._scripted.extend([kind] * times)

    def set_rates(self, **rates: float | str) -> None:
        """Replace the random rates (names of :class:`FaultRates`); ``retry_after`` stays unless given."""
        known = {f.name for f in fields(FaultRates)}
        unknown = set(rates) - known
        if unknown:
            raise ValueError(f"unknown fault rate {sorted(unknown)[0]!r}; allowed: {', '.join(sorted(known))}")
        with self._lock:
            self.rates = FaultRates(**{"retry_after": self.rates.retry_after, **rates})  # type: ignore[arg-type]

    def clear(self) -> None:
        with self._lock:
            self._scripted.clear()
            self.rates = FaultRates(retry_after=self.rates.retry_after)

    def next_fault(self) -> FaultKind | None:
        with self._lock:
            if self._scripted:
                return self._scripted.popleft()
            draw = self._rng.random()
            for kind in FAULT_KINDS:
                rate: float = getattr(self.rates, kind)
                if draw < rate:
                    return kind
                draw -= rate
            return None

"""Fault injection for the emulator: random rates, a queue of scripted faults and raw responses."""

from __future__ import annotations

import random
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Literal

FaultKind = Literal["rate_limit", "server_error", "drop", "truncate", "business_error", "html_error", "redirect"]
FAULT_KINDS: tuple[FaultKind, ...] = (
    "rate_limit", "server_error", "drop", "truncate", "business_error", "html_error", "redirect"
)
"""The faults an emulator can inject, each at a rate of :class:`FaultRates` (``--<kind>-rate`` on the command line)."""
# The HTTP status each fault answers with (None: the connection is closed without an answer).
FAULT_STATUS: dict[FaultKind, int | None] = {
    "rate_limit": 429, "server_error": 500, "drop": None, "truncate": 200, "business_error": 200, "html_error": 502,
    "redirect": 301,
}
# The fault name logged for a request answered by a scripted raw response.
SCRIPTED = "scripted"
VENDOR_ERROR = (6007, "2.0任务启动中,请先停止任务")  # the one business error the vendor documents


@dataclass(frozen=True)
class ScriptedResponse:
    """A raw answer sent as given, whatever the request: status, body bytes and headers.

    ``content_type`` is sent verbatim (add ``; charset=...`` yourself if you want one).
    """

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.status, bool) or not isinstance(self.status, int) or not 200 <= self.status <= 599:
            raise ValueError(f"a scripted response needs an HTTP status from 200 to 599, got {self.status!r}")
        if not isinstance(self.body, bytes):
            raise TypeError(f"a scripted response's body must be bytes, got {type(self.body).__name__}")

    @classmethod
    def of(
        cls,
        status: int,
        body: bytes | str,
        *,
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
    ) -> ScriptedResponse:
        """Build one; a ``str`` body is encoded as UTF-8."""
        raw = body.encode() if isinstance(body, str) else body
        return cls(status, raw, content_type, tuple((headers or {}).items()))


# What a responder returns for the page asked for: a response, ``(status, body)``, or None to serve normally.
ResponderAnswer = ScriptedResponse | tuple[int, bytes | str] | None
Responder = Callable[[int], ResponderAnswer]


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
    """Decides, per API request, which fault (if any) to inject. Thread-safe and seeded.

    Scripted faults and raw responses (:meth:`fail_next`, :meth:`respond_next`) come first, in the
    order queued; then the responder (:meth:`respond_with`), if it answers; then the random rates.
    """

    rates: FaultRates = field(default_factory=FaultRates)
    seed: int = 0
    _scripted: deque[FaultKind | ScriptedResponse] = field(default_factory=deque, init=False, repr=False)
    _responder: Responder | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def fail_next(self, kind: FaultKind, times: int = 1) -> None:
        """Inject ``kind`` into each of the next ``times`` API requests, before any random fault."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; allowed: {', '.join(FAULT_KINDS)}")
        with self._lock:
            self._scripted.extend([kind] * times)

    def respond_next(self, response: ScriptedResponse, times: int = 1) -> None:
        """Answer each of the next ``times`` API requests with ``response``, queued with :meth:`fail_next`'s."""
        if not isinstance(response, ScriptedResponse):
            raise TypeError(f"expected a ScriptedResponse, got {type(response).__name__}")
        with self._lock:
            self._scripted.extend([response] * times)

    def respond_with(self, responder: Responder | None) -> None:
        """Ask ``responder(page)`` for the answer to each API request (None: stop asking).

        It is called on the server's threads, concurrently when requests are; it returns a
        :class:`ScriptedResponse`, ``(status, body)``, or None to let the request be served normally.
        """
        with self._lock:
            self._responder = responder

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
            self._responder = None
            self.rates = FaultRates(retry_after=self.rates.retry_after)

    def next_fault(self, asked_page: Callable[[], int] = lambda: 1) -> FaultKind | ScriptedResponse | None:
        """The fault or raw response for the next API request; ``asked_page()`` reads the page it asks for."""
        with self._lock:
            if self._scripted:
                return self._scripted.popleft()
            responder = self._responder
        if responder is not None:
            answer = responder(asked_page())
            if answer is not None:
                return answer if isinstance(answer, ScriptedResponse) else ScriptedResponse.of(*answer)
        with self._lock:
            draw = self._rng.random()
            for kind in FAULT_KINDS:
                rate: float = getattr(self.rates, kind)
                if draw < rate:
                    return kind
                draw -= rate
            return None

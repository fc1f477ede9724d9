"""The async client of ``get_customer``, for the triggerer: the shared core over the ``httpx`` transport.

Nothing here blocks the event loop: requests are awaited on a bounded connection pool, retry
waits, the rate limit and the server's throttle are ``asyncio.sleep``, and cancelling a caller stops its request and
its wait at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from airflow_provider_clue.api.component_filters import (
    REPEATED_CHECKS_TEMPLATE_AGE,
    needs_template,
    resolve_components,
)
from airflow_provider_clue.api.envelope import parse_response, parse_template_response
from airflow_provider_clue.api.exchange import build_request, build_template_request, read_response
from airflow_provider_clue.api.page_matching import check_page_matches
from airflow_provider_clue.api.query import BuildsQueries
from airflow_provider_clue.api.rate_limit_headers import rate_limit_headers
from airflow_provider_clue.api.rate_limiter import RateLimiter
from airflow_provider_clue.api.request_counts import RequestCounts, log_retry
from airflow_provider_clue.api.request_validation import check_positive_int, check_user_id
from airflow_provider_clue.api.retry_policy import RetryPolicy, acall_with_retries
from airflow_provider_clue.api.server_budget import ServerBudget
from airflow_provider_clue.api.transports.httpx_transport import HttpxTransport
from airflow_provider_clue.exceptions import ClueRateLimitError, ClueValidationError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from airflow_provider_clue.api.connection_settings import ClueConnectionSettings
    from airflow_provider_clue.api.envelope import CluePage, Record
    from airflow_provider_clue.api.exchange import ApiRequest
    from airflow_provider_clue.api.query import CustomerQuery
    from airflow_provider_clue.api.request_counts import WarningLogger

Answer = TypeVar("Answer")
MAX_CONNECTIONS = 100  # httpx's own default; one triggerer's checks of one connection share them


class AsyncClueClient(BuildsQueries):
    """Talks to the clue API for one connection from coroutines of one event loop.

    Up to ``max_connections`` requests are on the wire at once (the others wait for a connection),
    started no faster than ``settings.rate_limit`` per second, and as the server's throttle headers
    allow (:class:`~airflow_provider_clue.api.server_budget.ServerBudget`: none until a spent budget
    resets, one at a time in the second half of a window's budget). Retries follow the same
    :class:`~airflow_provider_clue.api.retry_policy.RetryPolicy` as the blocking
    :class:`~airflow_provider_clue.api.client.ClueClient`.

    :param settings: the connection's validated settings.
    :param logger: where retries are logged by default (never with the token or personal data).
    :param sleep: the wait between retries (tests may pass a fake).
    :param max_connections: the connection pool's bound; :data:`MAX_CONNECTIONS` by default.
    """

    def __init__(
        self,
        settings: ClueConnectionSettings,
        *,
        logger: WarningLogger | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        max_connections: int | None = None,
    ) -> None:
        self.settings = settings
        self.retry_policy = RetryPolicy(max_retries=settings.max_retries, max_total_wait=settings.max_retry_wait)
        self.counts = RequestCounts()
        self._max_connections = max_connections or MAX_CONNECTIONS
        self.transport = HttpxTransport(settings, max_connections=self._max_connections)
        self.budget = ServerBudget()
        self._log = logger or logging.getLogger(__name__)
        self._sleep = sleep
        self._rate_limiter = RateLimiter(settings.rate_limit)
        self._in_flight = 0
        self._waiters: set[asyncio.Future[None]] = set()
        self._templates: dict[str, tuple[float, list[Record]]] = {}  # by account: when read, and what
        self._template_lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self.transport.aclose()

    async def __aenter__(self) -> AsyncClueClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def get_page(
        self,
        query: CustomerQuery,
        page: int,
        *,
        logger: WarningLogger | None = None,
    ) -> CluePage:
        """Fetch one page of ``query``, retrying transient errors with the connection's policy
        (requests and retries counted in :attr:`counts`).

        :param logger: where this call's retries are logged (a trigger's own log); the client's by default.
        """
        check_positive_int("page", page)
        query = await self.resolve(query, logger=logger)
        return await acall_with_retries(
            partial(self._send_page, query, page), self.retry_policy, sleep=self._sleep,
            on_retry=partial(log_retry, logger or self._log, self.counts, self.retry_policy.max_retries),
        )

    async def get_components(self, user_id: str | None = None, *, logger: WarningLogger | None = None) -> list[Record]:
        """The pool template of ``user_id`` (the connection's user by default), read now (and kept
        for :meth:`resolve`)."""
        account = check_user_id(self.settings.user_id if user_id is None else user_id)
        request = build_template_request(self.settings, account)
        components: list[Record] = await acall_with_retries(
            partial(self._exchange, request, parse_template_response), self.retry_policy, sleep=self._sleep,
            on_retry=partial(log_retry, logger or self._log, self.counts, self.retry_policy.max_retries),
        )
        self._templates[account] = (time.monotonic(), components)
        return components

    async def resolve(self, query: CustomerQuery, *, logger: WarningLogger | None = None) -> CustomerQuery:
        """``query`` with its component filters resolved through the account's template, read at most
        :data:`~airflow_provider_clue.api.component_filters.REPEATED_CHECKS_TEMPLATE_AGE` seconds ago
        (the triggers that share this client check again and again), and read again if a key is not
        in an older copy: a template fixed meanwhile heals a trigger without a restart.

        :raises ClueValidationError: for a key the template does not hold, or a value its type refuses.
        """
        if not needs_template(query.filters):
            return query
        async with self._template_lock:  # one read per account, whichever trigger asks first
            read_at, template = self._templates.get(query.user_id, (0.0, []))
            fresh = not read_at or time.monotonic() - read_at > REPEATED_CHECKS_TEMPLATE_AGE
            if fresh:
                template = await self.get_components(query.user_id, logger=logger)
        try:
            return replace(query, filters=resolve_components(query.filters, template, self.settings.zone))
        except ClueValidationError:
            if fresh:
                raise
        template = await self.get_components(query.user_id, logger=logger)
        return replace(query, filters=resolve_components(query.filters, template, self.settings.zone))

    async def _send_page(self, query: CustomerQuery, page: int) -> CluePage:
        """One try at ``page``: the answer, checked against the filters sent."""
        page_read = await self._exchange(build_request(self.settings, query, page), parse_response)
        check_page_matches(query, page_read, self.settings.zone, filters_in=self.settings.filters_in)
        return page_read

    async def _exchange(self, request: ApiRequest, parse: Callable[..., Answer]) -> Answer:
        """One try: send ``request`` when the limits allow, read the answer with ``parse``."""
        await self._budget_turn()
        try:
            await self._rate_limiter.await_turn()
            self.counts.add_request()
            response = await self.transport.send(request)
            self.budget.observe(rate_limit_headers(response.headers))
        finally:
            self._in_flight -= 1
            self._wake_waiters()
        try:
            answer: Answer = read_response(response, request.context, parse)
        except ClueRateLimitError as error:
            if not error.budget_spent and error.retry_after:
                # no budget headers: the Retry-After holds every caller, not only this one
                self.budget.pause_for(min(error.retry_after, self.settings.max_retry_wait))
            raise
        return answer

    async def _budget_turn(self) -> None:
        """Wait until the server's budget lets one more request go (:class:`ServerBudget`), and take it."""
        while True:
            pause = self.budget.pause_left()
            if pause > 0:
                await asyncio.sleep(pause)
            elif self._in_flight < self.budget.in_flight_cap(self._max_connections):
                self._in_flight += 1
                return
            else:
                waiter = asyncio.get_running_loop().create_future()
                self._waiters.add(waiter)
                try:
                    await waiter
                finally:
                    self._waiters.discard(waiter)

    def _wake_waiters(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)

"""The blocking client of ``get_customer``, for tasks: the shared core over the ``requests`` transport.

It needs no Airflow: the hook builds it from a connection. Threads and pulls may share one.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from airflow_provider_clue.api.component_filters import needs_template, resolve_components
from airflow_provider_clue.api.concurrency_limit import ConcurrencyLimit, Outcome, Watch
from airflow_provider_clue.api.envelope import parse_response, parse_template_response
from airflow_provider_clue.api.exchange import build_request, build_template_request, read_response
from airflow_provider_clue.api.page_matching import check_page_matches
from airflow_provider_clue.api.query import BuildsQueries
from airflow_provider_clue.api.rate_limit_headers import rate_limit_headers
from airflow_provider_clue.api.rate_limiter import RateLimiter
from airflow_provider_clue.api.request_counts import RequestCounts, log_retry
from airflow_provider_clue.api.request_validation import check_positive_int, check_user_id
from airflow_provider_clue.api.retry_policy import RetryPolicy, call_with_retries
from airflow_provider_clue.api.transports.requests_transport import RequestsTransport
from airflow_provider_clue.exceptions import ClueRateLimitError, ClueValidationError

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow_provider_clue.api.connection_settings import ClueConnectionSettings
    from airflow_provider_clue.api.envelope import CluePage, Record
    from airflow_provider_clue.api.exchange import ApiRequest
    from airflow_provider_clue.api.query import CustomerQuery
    from airflow_provider_clue.api.request_counts import WarningLogger

Answer = TypeVar("Answer")


class ClueClient(BuildsQueries):
    """Talks to the clue API for one connection; any number of threads and pulls may share it.

    At most ``settings.max_concurrency`` requests are in flight (fewer after a 429, or while the
    server's throttle headers say its budget runs low: see :class:`ConcurrencyLimit`), started no
    faster than ``settings.rate_limit`` per second, over all its pulls and calls together (they
    share one token). :attr:`counts` counts them all; each pull's own are its :class:`PullClient`'s.

    :param settings: the connection's validated settings.
    :param logger: where retries are logged (never with the token or personal data).
    :param sleep: the wait between retries (tests may pass a fake).
    :param template_max_age: seconds a read of the pool's template serves component filters (checks
        that repeat, as a sensor's pokes, read it again when older); ``None``: this client's life.
    """

    def __init__(
        self,
        settings: ClueConnectionSettings,
        *,
        logger: WarningLogger | None = None,
        sleep: Callable[[float], object] = time.sleep,
        template_max_age: float | None = None,
    ) -> None:
        self.settings = settings
        self.retry_policy = RetryPolicy(max_retries=settings.max_retries, max_total_wait=settings.max_retry_wait)
        self.counts = RequestCounts()
        self._log = logger or logging.getLogger(__name__)
        self._sleep = sleep
        self.transport = RequestsTransport(settings, pool_size=max(10, settings.max_concurrency))
        self.concurrency = ConcurrencyLimit(
            settings.max_concurrency, logger=self._log, max_pause=settings.max_retry_wait
        )
        self._rate_limiter = RateLimiter(settings.rate_limit)
        self._templates: dict[str, tuple[float, list[Record]]] = {}  # by account: when read, and what
        self._template_lock = threading.Lock()
        self.template_max_age = template_max_age

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> ClueClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def get_page(
        self, query: CustomerQuery, page: int, *, watch: Watch | None = None, counts: RequestCounts | None = None
    ) -> CluePage:
        """Fetch one page of ``query``, retrying transient errors with the connection's policy. Component
        filters are resolved first (:meth:`resolve`).

        :param watch: the pull's hold on the concurrency limit; once it is stopped, no try is sent
            (:class:`~airflow_provider_clue.api.concurrency_limit.Interrupted`).
        :param counts: where the requests and retries are counted; :attr:`counts` by default (a
            pull's counts have it as their parent).
        """
        check_positive_int("page", page)
        query = self.resolve(query)
        counts = self.counts if counts is None else counts
        return call_with_retries(
            partial(self._send_page, query, page, watch, counts), self.retry_policy, sleep=self._sleep,
            on_retry=partial(self._log_retry, counts),
        )

    def get_components(self, user_id: str | None = None) -> list[Record]:
        """The pool template of ``user_id`` (the connection's user by default): its components as the
        API lists them, read now (and kept for :meth:`resolve`)."""
        account = check_user_id(self.settings.user_id if user_id is None else user_id)
        request = build_template_request(self.settings, account)
        components = call_with_retries(
            partial(self._exchange, request, parse_template_response, None, self.counts), self.retry_policy,
            sleep=self._sleep, on_retry=partial(self._log_retry, self.counts),
        )
        self._templates[account] = (time.monotonic(), components)
        return components

    def resolve(self, query: CustomerQuery) -> CustomerQuery:
        """``query`` with its component filters resolved through the account's template, read once for
        this client's life or for :attr:`template_max_age` seconds (a sensor's pokes), and once more
        if a key is not in the copy read before: the template may have changed since.

        :raises ClueValidationError: for a key the template does not hold, or a value its type refuses.
        """
        if not needs_template(query.filters):
            return query
        with self._template_lock:  # one read per account, whichever thread asks first
            read_at, template = self._templates.get(query.user_id, (None, []))
            fresh = read_at is None or (
                self.template_max_age is not None and time.monotonic() - read_at > self.template_max_age
            )
            if fresh:
                template = self.get_components(query.user_id)
        try:
            return replace(query, filters=resolve_components(query.filters, template, self.settings.zone))
        except ClueValidationError:
            if fresh:
                raise
        template = self.get_components(query.user_id)
        return replace(query, filters=resolve_components(query.filters, template, self.settings.zone))

    def _send_page(self, query: CustomerQuery, page: int, watch: Watch | None, counts: RequestCounts) -> CluePage:
        """One try at ``page``: the answer, checked against the filters sent."""
        page_read = self._exchange(build_request(self.settings, query, page), parse_response, watch, counts)
        check_page_matches(query, page_read, self.settings.zone, filters_in=self.settings.filters_in)
        return page_read

    def _exchange(
        self, request: ApiRequest, parse: Callable[..., Answer], watch: Watch | None, counts: RequestCounts
    ) -> Answer:
        """One try: send ``request`` when the limits allow, read the answer with ``parse``."""
        ticket = self.concurrency.acquire(watch)
        outcome: Outcome = "failed"
        retry_after = None
        spent = False
        try:
            self._rate_limiter.wait()
            counts.add_request()
            response = self.transport.send(request)
            spent = self.concurrency.budget.observe(rate_limit_headers(response.headers))
            answer: Answer = read_response(response, request.context, parse)
            outcome = "success"
        except ClueRateLimitError as err:
            outcome, retry_after = ("throttled" if spent else "rate_limited"), err.retry_after
            raise
        finally:
            self.concurrency.release(ticket, outcome, retry_after=retry_after)
        return answer

    def _log_retry(self, counts: RequestCounts, error: Exception, retry_number: int, delay: float) -> None:
        log_retry(self._log, counts, self.retry_policy.max_retries, error, retry_number, delay)


class PullClient:
    """A client as one pull uses it: the client's session and shared limits, with the pull's own
    stop signal and request counts, so that one pull's end or retries touch no other pull.

    :param client: the client to send with (its other pulls may run at the same time, in other threads).
    """

    def __init__(self, client: ClueClient) -> None:
        self.counts = RequestCounts(parent=client.counts)
        self._client = client
        self._watch = Watch(client.concurrency.maximum)

    @property
    def lowest_concurrency(self) -> int:
        """The lowest the client's concurrency limit went since :meth:`start`."""
        return self._watch.lowest

    def start(self) -> None:
        """The pull begins: from now on, cuts of the client's concurrency limit lower :attr:`lowest_concurrency`."""
        self._client.concurrency.watch(self._watch)

    def stop(self) -> None:
        """The pull is over: its requests waiting for a slot or out a ``Retry-After`` give up, no more are sent."""
        self._client.concurrency.stop(self._watch)

    def get_page(self, query: CustomerQuery, page: int) -> CluePage:
        """:meth:`ClueClient.get_page` for this pull."""
        return self._client.get_page(query, page, watch=self._watch, counts=self.counts)

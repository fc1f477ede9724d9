"""A plain HTTP client of ``get_customer``: one ``requests.Session``, bounded timeouts, retries.

It needs no Airflow: the hook builds it from a connection, and a trigger can run it in a thread.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter

from airflow_provider_clue.api.concurrency_limit import ConcurrencyLimit, Outcome, Watch
from airflow_provider_clue.api.envelope import CluePage, RequestContext, parse_response
from airflow_provider_clue.api.filters import ClueFilters
from airflow_provider_clue.api.rate_limiter import RateLimiter
from airflow_provider_clue.api.request_validation import check_per_page, check_positive_int, check_stage, check_user_id
from airflow_provider_clue.api.retry_policy import RetryPolicy, call_with_retries, parse_retry_after
from airflow_provider_clue.exceptions import ClueAPIError, ClueBadRequestError, ClueConnectionError, ClueRateLimitError

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow_provider_clue.api.connection_settings import ClueConnectionSettings

CONNECT_TIMEOUT = 10.0
USER_AGENT = "airflow-provider-clue"


class WarningLogger(Protocol):
    """Anything with logging-style ``info`` and ``warning`` (the standard library's, or Airflow's structlog)."""

    def info(self, event: Any, *args: Any) -> Any: ...

    def warning(self, event: Any, *args: Any) -> Any: ...


@dataclass(frozen=True)
class CustomerQuery:
    """One validated query of ``get_customer``: whose pool, which stage, which filters, page size."""

    user_id: str
    stage: str
    filters: ClueFilters
    per_page: int

    @property
    def path(self) -> str:
        return (
            f"/agent-api/user/{quote(self.user_id, safe='')}/type/{quote(self.stage, safe='')}/get_customer"
        )


@dataclass
class RequestCounts:
    """Requests sent and retries made by one client or one pull (their threads update it under a lock).

    :param parent: counts that take every count of these too (a pull's client's).
    """

    requests: int = 0
    retries: int = 0
    retried_errors: dict[str, int] = field(default_factory=dict)
    parent: RequestCounts | None = field(default=None, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add_request(self) -> None:
        with self._lock:
            self.requests += 1
        if self.parent is not None:
            self.parent.add_request()

    def add_retry(self, error_name: str) -> None:
        with self._lock:
            self.retries += 1
            self.retried_errors[error_name] = self.retried_errors.get(error_name, 0) + 1
        if self.parent is not None:
            self.parent.add_retry(error_name)


class ClueClient:
    """Talks to the clue API for one connection; any number of threads and pulls may share it.

    At most ``settings.max_concurrency`` requests are in flight (fewer after a 429, see
    :class:`ConcurrencyLimit`), started no faster than ``settings.rate_limit`` per second, over all
    its pulls and calls together (they share one token). :attr:`counts` counts them all; each
    pull's own are its :class:`PullClient`'s.

    :param settings: the connection's validated settings.
    :param logger: where retries are logged (never with the token or personal data).
    :param sleep: the wait between retries (tests may pass a fake).
    """

    def __init__(
        self,
        settings: ClueConnectionSettings,
        *,
        logger: WarningLogger | None = None,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.settings = settings
        self.retry_policy = RetryPolicy(max_retries=settings.max_retries, max_total_wait=settings.max_retry_wait)
        self.counts = RequestCounts()
        self._log = logger or logging.getLogger(__name__)
        self._sleep = sleep
        self._session = requests.Session()
        self._session.headers.update(
            {
                "Authorization": f"Bearer {settings.token}",
                "Accept": "application/json",
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
            }
        )
        # Proxy and CA-bundle variables are read once, not on every request (requests' default,
        # which scans the whole environment per request); netrc is then ignored too, as it should
        # be: it would replace the bearer token.
        environment = self._session.merge_environment_settings(settings.base_url, {}, None, settings.tls_verify, None)
        self._session.trust_env = False
        self._session.proxies = environment["proxies"]
        self._session.verify = environment["verify"]
        adapter = HTTPAdapter(pool_maxsize=max(10, settings.max_concurrency))
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        self.concurrency = ConcurrencyLimit(
            settings.max_concurrency, logger=self._log, max_pause=settings.max_retry_wait
        )
        self._rate_limiter = RateLimiter(settings.rate_limit)
        self._timeout = (min(CONNECT_TIMEOUT, settings.timeout), settings.timeout)

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> ClueClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def query(
        self,
        *,
        filters: Any = None,
        user_id: str | None = None,
        stage: str = "clue",
        per_page: int | None = None,
    ) -> CustomerQuery:
        """Validate a query's arguments (no request is sent); defaults come from the connection."""
        return CustomerQuery(
            user_id=check_user_id(self.settings.user_id if user_id is None else user_id),
            stage=check_stage(stage),
            filters=ClueFilters.from_mapping(filters, zone=self.settings.zone),
            per_page=check_per_page(self.settings.per_page if per_page is None else per_page),
        )

    def get_page(
        self, query: CustomerQuery, page: int, *, watch: Watch | None = None, counts: RequestCounts | None = None
    ) -> CluePage:
        """Fetch one page of ``query``, retrying transient errors with the connection's policy.

        :param watch: the pull's hold on the concurrency limit; once it is stopped, no try is sent
            (:class:`~airflow_provider_clue.api.concurrency_limit.Interrupted`).
        :param counts: where the requests and retries are counted; :attr:`counts` by default (a
            pull's counts have it as their parent).
        """
        check_positive_int("page", page)
        counts = self.counts if counts is None else counts
        return call_with_retries(
            partial(self._send, query, page, watch, counts), self.retry_policy, sleep=self._sleep,
            on_retry=partial(self._log_retry, counts),
        )

    def _send(self, query: CustomerQuery, page: int, watch: Watch | None, counts: RequestCounts) -> CluePage:
        """One try: build, send and parse the request for ``page``."""
        params: list[tuple[str, str]] = [("page", str(page)), ("per_page", str(query.per_page))]
        body: bytes | None = None
        if self.settings.filters_in == "query":
            params.extend(query.filters.to_query_params())
        else:
            json_body = query.filters.to_json_body()
            body = json.dumps(json_body, ensure_ascii=False).encode() if json_body else None
        context = RequestContext(path=query.path, page=page, secrets=(self.settings.token,))
        ticket = self.concurrency.acquire(watch)
        outcome: Outcome = "failed"
        retry_after = None
        try:
            self._rate_limiter.wait()
            counts.add_request()
            response, content = self._get(query.path, params, body, context)
            header_retry_after = parse_retry_after(response.headers.get("Retry-After"))
            page_read = parse_response(response.status_code, content, context, retry_after=header_retry_after)
            outcome = "success"
        except ClueRateLimitError as err:
            outcome, retry_after = "rate_limited", err.retry_after
            raise
        finally:
            self.concurrency.release(ticket, outcome, retry_after=retry_after)
        return page_read

    def _get(
        self, path: str, params: list[tuple[str, str]], body: bytes | None, context: RequestContext
    ) -> tuple[requests.Response, bytes]:
        """Send the GET; map transport failures and redirects to :class:`ClueAPIError`."""
        try:
            response = self._session.get(
                self.settings.base_url + path, params=params, data=body, timeout=self._timeout,
                allow_redirects=False,
            )
            content = response.content
        except requests.RequestException as err:
            # Only the type: the messages of some (e.g. InvalidHeader) quote headers, the token among them.
            raise ClueConnectionError(
                f"no response ({type(err).__name__})", path=context.path, page=context.page,
                retryable=not isinstance(err, (requests.exceptions.SSLError, requests.exceptions.InvalidHeader)),
            ) from None
        if response.is_redirect:
            target = urlsplit(response.headers.get("Location", "")).hostname or "an unknown host"
            raise ClueBadRequestError(
                f"the API redirected the request to {target}; a redirect would drop the JSON body with the "
                "filters, so it is not followed: set the connection's Base URL to the final address",
                path=context.path, page=context.page, http_status=response.status_code,
            )
        return response, content

    def _log_retry(self, counts: RequestCounts, error: ClueAPIError, retry_number: int, delay: float) -> None:
        name = type(error).__name__
        counts.add_retry(name)
        self._log.warning(
            "Retry %d of %d in %.2fs after %s: %s", retry_number, self.retry_policy.max_retries, delay, name, error
        )


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

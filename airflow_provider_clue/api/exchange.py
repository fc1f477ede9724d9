"""The transport-neutral core of one ``get_customer`` exchange: what to send, and what the answer means.

A transport only sends an :class:`ApiRequest` and hands back an :class:`ApiResponse` (status,
headers, body), or raises the :class:`~airflow_provider_clue.exceptions.ClueConnectionError` of
:func:`no_response` for the kind of failure it saw. Everything else (the URL, parameters and
body, headers, envelope checks, error classes and messages, redaction, ``Retry-After`` and the
throttle's reset) is decided here, so the ``requests`` and ``httpx`` transports behave the same
(``tests/test_transport_parity.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypeVar
from urllib.parse import quote, urlsplit

from airflow_provider_clue.api.envelope import RequestContext, parse_response
from airflow_provider_clue.api.rate_limit_headers import rate_limit_headers
from airflow_provider_clue.api.retry_policy import parse_retry_after
from airflow_provider_clue.exceptions import ClueBadRequestError, ClueConnectionError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from airflow_provider_clue.api.connection_settings import ClueConnectionSettings
    from airflow_provider_clue.api.query import CustomerQuery

Answer = TypeVar("Answer")
CONNECT_TIMEOUT = 10.0
USER_AGENT = "airflow-provider-clue"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

NoResponseKind = Literal["connect", "timeout", "dropped", "tls", "unsendable", "other"]
# What each kind of failure is called in messages, and whether trying again can help.
_NO_RESPONSE: dict[NoResponseKind, tuple[str, bool]] = {
    "connect": ("could not connect", True),
    "timeout": ("timed out", True),
    "dropped": ("the connection closed before a whole response arrived", True),
    "tls": ("TLS handshake or certificate verification failed", False),
    "unsendable": ("the request could not be sent as built", False),
    "other": ("transport error", True),
}


@dataclass(frozen=True)
class ApiRequest:
    """One GET to send: the full URL, query parameters in order, the JSON body (or none)."""

    url: str
    params: tuple[tuple[str, str], ...]
    body: bytes | None
    context: RequestContext = field(repr=False)


@dataclass(frozen=True)
class ApiResponse:
    """What came back: the status, the headers (looked up case-insensitively) and the whole body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for a connection and for each read of the answer."""

    connect: float
    read: float

    @classmethod
    def of(cls, settings: ClueConnectionSettings) -> Timeouts:
        return cls(connect=min(CONNECT_TIMEOUT, settings.timeout), read=settings.timeout)


def request_headers(settings: ClueConnectionSettings) -> dict[str, str]:
    """The headers of every request: the bearer token, JSON both ways, the provider's name."""
    return {
        "Authorization": f"Bearer {settings.token}",
        "Accept": "application/json",
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }


def build_request(settings: ClueConnectionSettings, query: CustomerQuery, page: int) -> ApiRequest:
    """The request for ``page`` of ``query``: filters in the JSON body, or the query string (``filters_in``)."""
    query.filters.check_sendable()
    params: list[tuple[str, str]] = [("page", str(page)), ("per_page", str(query.per_page))]
    body: bytes | None = None
    if settings.filters_in == "query":
        params.extend(query.filters.to_query_params())
    else:
        json_body = query.filters.to_json_body()
        body = json.dumps(json_body, ensure_ascii=False).encode() if json_body else None
    context = RequestContext(path=query.path, page=page, secrets=(settings.token,))
    return ApiRequest(url=settings.base_url + query.path, params=tuple(params), body=body, context=context)


def template_path(user_id: str) -> str:
    """The URL path of ``user_id``'s pool template (its custom components)."""
    return f"/agent-api/user/{quote(user_id, safe='')}/customer/create"


def build_template_request(settings: ClueConnectionSettings, user_id: str) -> ApiRequest:
    """The request for ``user_id``'s pool template: no parameters, no body."""
    path = template_path(user_id)
    context = RequestContext(path=path, page=None, secrets=(settings.token,))
    return ApiRequest(url=settings.base_url + path, params=(), body=None, context=context)


def no_response(kind: NoResponseKind, context: RequestContext) -> ClueConnectionError:
    """The error of a request that got no (whole) answer; TLS and unsendable requests are not retried.

    Only the kind is told: some transports' messages quote headers, the token among them.
    """
    meaning, retryable = _NO_RESPONSE[kind]
    return ClueConnectionError(f"no response ({meaning})", path=context.path, page=context.page, retryable=retryable)


def read_response(
    response: ApiResponse,
    context: RequestContext,
    parse: Callable[..., Answer] = parse_response,  # type: ignore[assignment]
) -> Answer:
    """The checked answer of ``response`` (a page by default; ``parse`` reads another kind, e.g.
    :func:`~airflow_provider_clue.api.envelope.parse_template_response`), or its
    :class:`~airflow_provider_clue.exceptions.ClueAPIError`.

    A redirect is refused, not followed: it would drop the JSON body with the filters. A 429 waits
    until the throttle's reset when its headers tell it (a spent budget: the request's turn, not a
    failed try), else its ``Retry-After``.
    """
    if response.status in REDIRECT_STATUSES and "location" in {name.lower() for name in response.headers}:
        target = urlsplit(response.headers.get("Location", "")).hostname or "an unknown host"
        raise ClueBadRequestError(
            f"the API redirected the request to {target}; a redirect would drop the JSON body with the "
            "filters, so it is not followed: set the connection's Base URL to the final address",
            path=context.path, page=context.page, http_status=response.status,
        )
    throttle = rate_limit_headers(response.headers)
    retry_after = throttle.reset_in if throttle is not None else None
    budget_spent = retry_after is not None
    if retry_after is None:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
    return parse(response.status, response.body, context, retry_after=retry_after, budget_spent=budget_spent)

"""Send requests with ``httpx``: a bounded connection pool on the event loop, no thread."""

from __future__ import annotations

import asyncio
import math
import os
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING

import certifi
import httpcore
import httpx

from airflow_provider_clue.api.exchange import ApiResponse, NoResponseKind, Timeouts, no_response, request_headers
from airflow_provider_clue.api.network_environment import environment_proxy, environment_verify
from airflow_provider_clue.api.transports.log_redaction import hide_query_strings
from airflow_provider_clue.api.transports.shielded_connect import ShieldedConnectBackend

if TYPE_CHECKING:
    from airflow_provider_clue.api.connection_settings import ClueConnectionSettings
    from airflow_provider_clue.api.exchange import ApiRequest


# Connections per httpx client. httpcore's pool rescans all its connections for each of them on
# every request (a cost of connections squared per request: 100 connections in one pool cost a
# 1,000-trigger loop 40 % of its time), so the pool is split into clients of this many.
CONNECTIONS_PER_CLIENT = 10


@dataclass
class _Shard:
    client: httpx.AsyncClient
    in_flight: int = 0


class HttpxTransport:
    """An async transport; any number of coroutines of one event loop may send through it at once.

    At most ``max_connections`` requests are on the wire, spread over httpx clients of
    :data:`CONNECTIONS_PER_CLIENT` connections each (the least busy one takes the next request);
    the others wait their turn in a FIFO semaphore, without a deadline of their own (the caller's
    cancellation ends the wait). Cancelling a ``send`` closes its connection at once.

    :param settings: the connection's settings (base URL, token, timeouts, TLS verification).
    :param max_connections: the bound of all the pools together.
    """

    def __init__(self, settings: ClueConnectionSettings, *, max_connections: int) -> None:
        hide_query_strings("httpx")
        self._slots = asyncio.Semaphore(max_connections)
        timeouts = Timeouts.of(settings)
        verify = _ssl_context(environment_verify(settings.tls_verify))  # one context (a CA bundle read once)
        proxy = environment_proxy(settings.base_url)
        per_client = min(max_connections, CONNECTIONS_PER_CLIENT)
        self._shards = [
            _Shard(httpx.AsyncClient(
                transport=_transport(verify, proxy, per_client),
                headers=request_headers(settings),
                trust_env=False,  # the environment was read above, as for requests; no netrc
                timeout=httpx.Timeout(timeouts.read, connect=timeouts.connect, pool=None),
                follow_redirects=False,
            ))
            for _ in range(math.ceil(max_connections / per_client))
        ]

    @property
    def clients(self) -> list[httpx.AsyncClient]:
        return [shard.client for shard in self._shards]

    async def send(self, request: ApiRequest) -> ApiResponse:
        """Send ``request`` and read its whole answer.

        :raises ClueConnectionError: no whole answer arrived (:func:`~airflow_provider_clue.api.exchange.no_response`).
        """
        try:
            async with self._slots:
                shard = min(self._shards, key=lambda candidate: candidate.in_flight)
                shard.in_flight += 1
                try:
                    response = await shard.client.request(
                        "GET", request.url, params=request.params, content=request.body
                    )
                finally:
                    shard.in_flight -= 1
            return ApiResponse(response.status_code, response.headers, response.content)
        except (httpx.TransportError, httpx.InvalidURL) as err:
            raise no_response(failure_kind(err), request.context) from None

    async def aclose(self) -> None:
        for shard in self._shards:
            await shard.client.aclose()


def _transport(verify: ssl.SSLContext | bool, proxy: str | None, connections: int) -> httpx.AsyncHTTPTransport:
    """httpx's transport with a pool of ``connections`` whose connects cancellation cannot tear
    (:class:`~airflow_provider_clue.api.transports.shielded_connect.ShieldedConnectBackend`)."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    transport = httpx.AsyncHTTPTransport(verify=verify, proxy=proxy, limits=limits)
    pool = transport._pool  # httpx builds the httpcore pool (or proxy) itself; only its backend is replaced
    if not isinstance(getattr(pool, "_network_backend", None), httpcore.AsyncNetworkBackend):
        raise RuntimeError(f"httpcore {httpcore.__version__}: the connection pool has no network backend to replace")
    pool._network_backend = ShieldedConnectBackend()
    return transport


def failure_kind(err: Exception) -> NoResponseKind:
    """Which kind of failure an ``httpx`` exception is (httpx reports a TLS failure as a ``ConnectError``)."""
    if _caused_by_ssl(err):
        return "tls"
    if isinstance(err, httpx.TimeoutException):
        return "timeout"
    if isinstance(err, (httpx.LocalProtocolError, httpx.UnsupportedProtocol, httpx.InvalidURL)):
        return "unsendable"
    if isinstance(err, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        return "dropped"
    if isinstance(err, (httpx.ConnectError, httpx.ProxyError)):
        return "connect"
    return "other"


def _caused_by_ssl(err: BaseException) -> bool:
    cause: BaseException | None = err
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _ssl_context(verify: bool | str) -> ssl.SSLContext | bool:
    """httpx's ``verify``: ``False``, or a context trusting the CA bundle (file or directory), or
    certifi's bundle as httpx (and requests) do by default."""
    if verify is False:
        return False
    if verify is True:
        return ssl.create_default_context(cafile=certifi.where())
    if os.path.isdir(verify):
        return ssl.create_default_context(capath=verify)
    return ssl.create_default_context(cafile=verify)


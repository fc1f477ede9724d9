"""Send requests with one ``httpx.AsyncClient``: a bounded connection pool on the event loop, no thread."""

from __future__ import annotations

import logging
import os
import ssl
from typing import TYPE_CHECKING

import httpx

from airflow_provider_clue.api.exchange import ApiResponse, NoResponseKind, Timeouts, no_response, request_headers
from airflow_provider_clue.api.network_environment import environment_proxy, environment_verify

if TYPE_CHECKING:
    from airflow_provider_clue.api.connection_settings import ClueConnectionSettings
    from airflow_provider_clue.api.exchange import ApiRequest


class HttpxTransport:
    """An async transport; any number of coroutines of one event loop may send through it at once.

    At most ``max_connections`` requests are on the wire; the others wait for a free connection
    (without a deadline of their own: the caller's cancellation ends the wait). Cancelling a
    ``send`` closes its connection at once.

    :param settings: the connection's settings (base URL, token, timeouts, TLS verification).
    :param max_connections: the pool's bound.
    """

    def __init__(self, settings: ClueConnectionSettings, *, max_connections: int) -> None:
        _hide_query_strings_in_httpx_logs()
        timeouts = Timeouts.of(settings)
        self.client = httpx.AsyncClient(
            headers=request_headers(settings),
            verify=_ssl_context(environment_verify(settings.tls_verify)),
            proxy=environment_proxy(settings.base_url),
            trust_env=False,  # the environment was read above, as for requests; no netrc
            timeout=httpx.Timeout(timeouts.read, connect=timeouts.connect, pool=None),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            follow_redirects=False,
        )

    async def send(self, request: ApiRequest) -> ApiResponse:
        """Send ``request`` and read its whole answer.

        :raises ClueConnectionError: no whole answer arrived (:func:`~airflow_provider_clue.api.exchange.no_response`).
        """
        try:
            response = await self.client.request("GET", request.url, params=request.params, content=request.body)
            return ApiResponse(response.status_code, response.headers, response.content)
        except (httpx.TransportError, httpx.InvalidURL) as err:
            raise no_response(failure_kind(err), request.context) from None

    async def aclose(self) -> None:
        await self.client.aclose()


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
    """httpx's ``verify``: ``False``, or a context trusting the CA bundle (file or directory) or certifi."""
    if verify is False:
        return False
    if verify is True:
        return True
    if os.path.isdir(verify):
        return ssl.create_default_context(capath=verify)
    return ssl.create_default_context(cafile=verify)


class _QueryStringHidden(logging.Filter):
    """Drop the query string of ``get_customer`` URLs from httpx's ``HTTP Request`` lines: with
    ``filters_in="query"`` it carries the phone and e-mail filters (Airflow keeps httpx at WARNING;
    this holds wherever the logger is set lower)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) > 1 and isinstance(args[1], httpx.URL):
            url = args[1]
            if url.path.endswith("/get_customer") and url.query:
                record.args = (args[0], url.copy_with(query=None), *args[2:])
        return True


def _hide_query_strings_in_httpx_logs() -> None:
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(existing, _QueryStringHidden) for existing in httpx_logger.filters):
        httpx_logger.addFilter(_QueryStringHidden())

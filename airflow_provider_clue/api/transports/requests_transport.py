"""Send requests with one ``requests.Session``: pooled connections, the environment read once, no redirects."""

from __future__ import annotations

from typing import TYPE_CHECKING

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ProtocolError, ReadTimeoutError

from airflow_provider_clue.api.exchange import ApiResponse, NoResponseKind, Timeouts, no_response, request_headers
from airflow_provider_clue.api.network_environment import environment_proxy, environment_verify
from airflow_provider_clue.api.transports.log_redaction import hide_query_strings

if TYPE_CHECKING:
    from airflow_provider_clue.api.connection_settings import ClueConnectionSettings
    from airflow_provider_clue.api.exchange import ApiRequest


class RequestsTransport:
    """A blocking transport; any number of threads may send through it at once.

    :param settings: the connection's settings (base URL, token, timeouts, TLS verification).
    :param pool_size: connections kept open for reuse (at least as many as threads sending at once).
    """

    def __init__(self, settings: ClueConnectionSettings, *, pool_size: int) -> None:
        hide_query_strings("urllib3.connectionpool")
        self.session = requests.Session()
        self.session.headers.update(request_headers(settings))
        # trust_env off: requests would otherwise scan the environment on every request, and read
        # netrc, which would replace the bearer token.
        self.session.trust_env = False
        proxy = environment_proxy(settings.base_url)
        self.session.proxies = {"http": proxy, "https": proxy} if proxy else {}
        self.session.verify = environment_verify(settings.tls_verify)
        adapter = HTTPAdapter(pool_maxsize=pool_size)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        timeouts = Timeouts.of(settings)
        self._timeout = (timeouts.connect, timeouts.read)

    def send(self, request: ApiRequest) -> ApiResponse:
        """Send ``request`` and read its whole answer.

        :raises ClueConnectionError: no whole answer arrived (:func:`~airflow_provider_clue.api.exchange.no_response`).
        """
        try:
            response = self.session.get(
                request.url, params=list(request.params), data=request.body, timeout=self._timeout,
                allow_redirects=False,
            )
            return ApiResponse(response.status_code, response.headers, response.content)
        except requests.RequestException as err:
            raise no_response(failure_kind(err), request.context) from None

    def close(self) -> None:
        self.session.close()


def failure_kind(err: requests.RequestException) -> NoResponseKind:
    """Which kind of failure a ``requests`` exception is."""
    if isinstance(err, requests.exceptions.SSLError):
        return "tls"
    if isinstance(err, requests.exceptions.Timeout):
        return "timeout"
    if isinstance(err, (requests.exceptions.InvalidHeader, requests.exceptions.InvalidURL)):
        return "unsendable"
    if isinstance(err, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
        return "dropped"
    if isinstance(err, requests.exceptions.ConnectionError):
        reason = err.args[0] if err.args else None
        if isinstance(reason, ReadTimeoutError):  # a read that timed out while the body streamed
            return "timeout"
        return "dropped" if isinstance(reason, ProtocolError) else "connect"
    return "other"

"""Both transports read the proxy and CA-bundle variables once, when they are made, and the same way."""

from __future__ import annotations

import asyncio

import httpcore
import httpx

from airflow_provider_clue.api.connection_settings import ClueConnectionSettings
from airflow_provider_clue.api.network_environment import environment_proxy, environment_verify
from airflow_provider_clue.api.transports.httpx_transport import HttpxTransport
from airflow_provider_clue.api.transports.requests_transport import RequestsTransport

URL = "https://api.example.test"


def settings(**extras):
    return ClueConnectionSettings.from_values(host=URL, token="t", extras=extras)


def requests_session(**extras):
    return RequestsTransport(settings(**extras), pool_size=10).session


def httpx_proxy(**extras) -> str | None:
    """The proxy the httpx clients send through (their httpcore pools), or ``None``."""
    transport = HttpxTransport(settings(**extras), max_connections=10)
    try:
        pools = [client._transport._pool for client in transport.clients]
        proxies = {bytes(pool._proxy_url).decode() if isinstance(pool, httpcore.AsyncHTTPProxy) else None
                   for pool in pools}
        assert len(proxies) == 1
        return proxies.pop()
    finally:
        asyncio.run(transport.aclose())


def test_proxy_variables_are_honoured(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert environment_proxy(URL) == "http://proxy.internal:3128"
    session = requests_session()
    assert session.proxies.get("https") == "http://proxy.internal:3128"
    assert session.trust_env is False
    assert httpx_proxy() == "http://proxy.internal:3128/"


def test_no_proxy_exempts_the_api_host(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "api.example.test")
    assert environment_proxy(URL) is None
    assert "https" not in requests_session().proxies
    assert httpx_proxy() is None


def test_requests_ca_bundle_applies_unless_the_connection_names_one(monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/corp.pem")
    assert environment_verify(True) == "/etc/ssl/corp.pem"
    assert requests_session().verify == "/etc/ssl/corp.pem"
    assert requests_session(ca_bundle="/etc/ssl/clue.pem").verify == "/etc/ssl/clue.pem"
    assert requests_session(verify_ssl=False).verify is False
    assert environment_verify(False) is False


def test_the_httpx_client_reads_no_environment_of_its_own(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    transport = HttpxTransport(settings(), max_connections=10)
    try:
        assert all(client.trust_env is False for client in transport.clients)
        assert all(isinstance(client, httpx.AsyncClient) for client in transport.clients)
    finally:
        asyncio.run(transport.aclose())

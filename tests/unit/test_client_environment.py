"""The client reads proxy and CA-bundle variables once, when it is made."""

from __future__ import annotations

from airflow_provider_clue.api.client import ClueClient
from airflow_provider_clue.api.connection_settings import ClueConnectionSettings


def client(**extras):
    return ClueClient(ClueConnectionSettings.from_values(host="https://api.example.test", token="t", extras=extras))


def test_proxy_variables_are_honoured(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    session = client()._session
    assert session.proxies.get("https") == "http://proxy.internal:3128"
    assert session.trust_env is False


def test_no_proxy_exempts_the_api_host(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "api.example.test")
    assert "https" not in client()._session.proxies


def test_requests_ca_bundle_applies_unless_the_connection_names_one(monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/corp.pem")
    assert client()._session.verify == "/etc/ssl/corp.pem"
    assert client(ca_bundle="/etc/ssl/clue.pem")._session.verify == "/etc/ssl/clue.pem"
    assert client(verify_ssl=False)._session.verify is False

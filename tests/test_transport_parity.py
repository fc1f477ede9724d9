"""The ``requests`` and ``httpx`` transports behave the same: one scripted emulator sequence each,
through the blocking :class:`ClueClient` and the async :class:`AsyncClueClient`, must give the same
result (or error class, message and retryability), the same requests at the emulator, and the
same retry waits."""

from __future__ import annotations

import asyncio
import random
import socket
import time
from dataclasses import dataclass, field, replace
from email.utils import formatdate
from typing import TYPE_CHECKING, Any

import pytest

from airflow_provider_clue.api.async_client import AsyncClueClient
from airflow_provider_clue.api.client import ClueClient
from airflow_provider_clue.api.connection_settings import ClueConnectionSettings
from airflow_provider_clue.exceptions import ClueAPIError
from airflow_provider_clue.testing import ThrottleSettings
from tests.test_tls import self_signed

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow_provider_clue.testing import ClueEmulator

COMPANY = "杭州科技有限公司"
WINDOW = ["2026-10-03 00:00:00", "2026-10-05 23:59:59"]


@dataclass(frozen=True)
class Outcome:
    """What one run gave: the page's total and ids, or the error; the requests the emulator saw;
    the retry waits asked for."""

    result: tuple[Any, ...]
    requests_seen: int
    waits: tuple[float, ...] = field(compare=False)


@dataclass(frozen=True)
class Scenario:
    name: str
    script: Callable[[ClueEmulator], None] = lambda emulator: None
    extras: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    page: int = 1
    token: str | None = None
    emulator: dict[str, Any] = field(default_factory=dict)
    wait_tolerance: float = 0.0  # Retry-After as an HTTP date is read against the clock


def rate_limited_until(seconds: int) -> Callable[[ClueEmulator], None]:
    def script(emulator: ClueEmulator) -> None:
        date = formatdate(time.time() + seconds, usegmt=True)
        emulator.respond_next(429, '{"message": "Too Many Attempts."}', headers={"Retry-After": date})

    return script


def spending_the_budget(emulator: ClueEmulator) -> None:
    """Spend the throttle's window, as another worker on the same token would."""
    emulator.set_throttle(ThrottleSettings(1, 2))
    assert emulator.throttle is not None and emulator.throttle.attempt(emulator.token) is None


def echoing_the_token(emulator: ClueEmulator) -> None:
    emulator.respond_next(200, f'{{"code": 500, "status": "error", "message": "bad token {emulator.token}"}}')


SCENARIOS = [
    Scenario("a page"),
    Scenario("a later page, filters in the body", query={"filters": {"company": COMPANY, "created_at": WINDOW},
                                                          "per_page": 5}, page=2),
    Scenario("filters in the query string", extras={"filters_in": "query"},
             query={"filters": {"company": COMPANY, "created_at": WINDOW, "operator": [1, 2]}, "per_page": 5}),
    Scenario("429 with Retry-After in seconds", lambda e: e.fail_next("rate_limit", 2)),
    Scenario("429 with Retry-After as an HTTP date", rate_limited_until(3), wait_tolerance=1.0),
    Scenario("429 of a spent Laravel throttle, waited out to its reset", spending_the_budget, wait_tolerance=1.0),
    Scenario("500s, then an answer", lambda e: e.fail_next("server_error", 3)),
    Scenario("500s past max_retries", lambda e: e.fail_next("server_error", 3), extras={"max_retries": 2}),
    Scenario("a dropped connection", lambda e: e.fail_next("drop", 2)),
    Scenario("dropped connections past max_retries", lambda e: e.fail_next("drop", 5), extras={"max_retries": 1}),
    Scenario("a truncated body", lambda e: e.fail_next("truncate")),
    Scenario("truncated bodies past max_retries", lambda e: e.fail_next("truncate", 3), extras={"max_retries": 1}),
    Scenario("an HTML error page", lambda e: e.fail_next("html_error"), extras={"max_retries": 0}),
    Scenario("an HTML page with HTTP 200",
             lambda e: e.respond_next(200, "<html>maintenance</html>", content_type="text/html")),
    Scenario("a business error inside HTTP 200", lambda e: e.fail_next("business_error", 2)),
    Scenario("an unknown stage (code 422 inside HTTP 200)", query={"stage": "nope"}),
    Scenario("a malformed envelope", lambda e: e.respond_next(200, '{"code": 200, "status": "success", "data": []}')),
    Scenario("a refused token (401)", token="not-the-token"),
    Scenario("a redirect", lambda e: e.fail_next("redirect")),
    Scenario("an echoed token", echoing_the_token, extras={"max_retries": 0}),
    Scenario("a read timeout", extras={"timeout": 0.3, "max_retries": 1}, emulator={"latency": 1.0}),
]


def settings_for(url: str, token: str, user_id: str, **extras: Any) -> ClueConnectionSettings:
    return ClueConnectionSettings.from_values(host=url, token=token, user_id=user_id, extras=extras)


def seeded(client: ClueClient | AsyncClueClient) -> None:
    client.retry_policy = replace(client.retry_policy, rng=random.Random(7))


def outcome_of(run: Callable[[], Any], waits: list[float], requests_seen: Callable[[], int]) -> Outcome:
    try:
        page = run()
        result: tuple[Any, ...] = ("page", page.meta.total, page.meta.current_page, [r["id"] for r in page.records])
    except ClueAPIError as err:
        result = ("error", type(err).__name__, str(err), err.retryable, err.http_status)
    return Outcome(result, requests_seen(), tuple(waits))


def run_sync(settings: ClueConnectionSettings, query: dict[str, Any], page: int, seen: Callable[[], int]) -> Outcome:
    waits: list[float] = []
    with ClueClient(settings, sleep=waits.append) as client:
        seeded(client)
        return outcome_of(lambda: client.get_page(client.query(**query), page), waits, seen)


def run_async(settings: ClueConnectionSettings, query: dict[str, Any], page: int, seen: Callable[[], int]) -> Outcome:
    waits: list[float] = []

    async def record(delay: float) -> None:
        waits.append(delay)

    async def fetch() -> Any:
        async with AsyncClueClient(settings, sleep=record) as client:
            seeded(client)
            return await client.get_page(client.query(**query), page)

    return outcome_of(lambda: asyncio.run(fetch()), waits, seen)


def both(make_emulator, scenario: Scenario) -> tuple[Outcome, Outcome]:
    outcomes = []
    for run in (run_sync, run_async):
        emulator = make_emulator(records=300, **scenario.emulator)
        scenario.script(emulator)
        settings = settings_for(emulator.url, scenario.token or emulator.token, emulator.user_id, **scenario.extras)
        outcomes.append(run(settings, scenario.query, scenario.page, lambda e=emulator: len(e.requests)))
    return outcomes[0], outcomes[1]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.name)
def test_both_transports_give_the_same_outcome(make_emulator, scenario):
    blocking, awaited = both(make_emulator, scenario)
    assert awaited == blocking
    assert len(awaited.waits) == len(blocking.waits)
    for async_wait, sync_wait in zip(awaited.waits, blocking.waits, strict=True):
        assert async_wait == pytest.approx(sync_wait, abs=scenario.wait_tolerance)


def test_the_scenarios_cover_each_kind_of_answer(make_emulator):
    """Guard against a parity test that passes because nothing happens: the outcomes differ as they should."""
    results = {s.name: both(make_emulator, s)[0] for s in SCENARIOS if s.name in {
        "a page", "500s past max_retries", "a dropped connection", "a refused token (401)", "a redirect",
        "an echoed token", "429 with Retry-After in seconds",
    }}
    assert results["a page"].result[0] == "page" and results["a page"].requests_seen == 1
    assert results["500s past max_retries"].result[1] == "ClueServerError"
    assert results["500s past max_retries"].requests_seen == 3
    assert results["a dropped connection"].requests_seen == 3
    assert results["a refused token (401)"].result[1] == "ClueAuthError"
    assert "api-moved.invalid" in results["a redirect"].result[2]
    assert "not followed" in results["a redirect"].result[2]
    echoed = results["an echoed token"].result[2]
    assert "***" in echoed and "bad token" in echoed
    assert [round(wait) for wait in results["429 with Retry-After in seconds"].waits] == [1, 1]


def test_both_transports_refuse_an_unknown_certificate_alike(make_emulator, tmp_path):
    emulator = make_emulator(records=10, tls_cert=self_signed(tmp_path))
    settings = settings_for(emulator.url, emulator.token, emulator.user_id)
    blocking = run_sync(settings, {}, 1, lambda: len(emulator.requests))
    emulator.clear_requests()
    awaited = run_async(settings, {}, 1, lambda: len(emulator.requests))
    assert awaited == blocking
    assert blocking.result[1:4] == (
        "ClueConnectionError", blocking.result[2], False,
    ) and "no response (TLS handshake or certificate verification failed)" in blocking.result[2]
    assert blocking.waits == ()


def test_both_transports_trust_a_ca_bundle_from_the_connection(make_emulator, tmp_path):
    cert = self_signed(tmp_path)
    emulator = make_emulator(records=10, tls_cert=cert)
    settings = settings_for(emulator.url, emulator.token, emulator.user_id, ca_bundle=cert[0])
    blocking = run_sync(settings, {}, 1, lambda: len(emulator.requests))
    emulator.clear_requests()
    awaited = run_async(settings, {}, 1, lambda: len(emulator.requests))
    assert awaited == blocking
    assert blocking.result[0] == "page" and blocking.result[1] == 10


def test_both_transports_report_a_refused_connection_alike():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = settings_for(f"http://127.0.0.1:{port}", "token", "3f8c2a4e-0000-4000-8000-000000000001",
                            max_retries=1)
    blocking = run_sync(settings, {}, 1, lambda: 0)
    awaited = run_async(settings, {}, 1, lambda: 0)
    assert awaited == blocking
    assert "no response (could not connect)" in blocking.result[2] and blocking.result[3] is True
    assert len(blocking.waits) == 1


def test_neither_http_library_logs_the_filters_of_a_query_string(make_emulator, caplog):
    """urllib3 logs each URL at DEBUG, httpx at INFO: with filters_in=query, phone and e-mail were in them."""
    emulator = make_emulator(records=10)
    settings = settings_for(emulator.url, emulator.token, emulator.user_id, filters_in="query")
    query = {"filters": {"phone": "13912345678", "email": "lead@example.cn"}}
    with caplog.at_level("DEBUG", logger="urllib3"), caplog.at_level("DEBUG", logger="httpx"):
        blocking = run_sync(settings, query, 1, lambda: len(emulator.requests))
        assert "13912345678" in emulator.requests[0].query  # the filters went in the URL
        emulator.clear_requests()
        awaited = run_async(settings, query, 1, lambda: len(emulator.requests))
    assert awaited == blocking and blocking.result[0] == "page"
    lines = {record.name: record.getMessage() for record in caplog.records if "get_customer" in record.getMessage()}
    assert {"urllib3.connectionpool", "httpx"} <= set(lines)
    assert not any("13912345678" in line or "example.cn" in line or "page=" in line for line in lines.values())

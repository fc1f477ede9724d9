"""One token's budget under the emulator's Laravel throttle: the headers as Laravel sends them, and
clients (blocking and async, one or several "processes") pacing themselves by them."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import requests

from airflow_provider_clue.api.async_client import AsyncClueClient
from airflow_provider_clue.api.client import ClueClient
from airflow_provider_clue.api.connection_settings import ClueConnectionSettings
from airflow_provider_clue.api.pull import Pull
from airflow_provider_clue.testing import ThrottleSettings
from airflow_provider_clue.testing.__main__ import build_parser

if TYPE_CHECKING:
    from airflow_provider_clue.testing import ClueEmulator, LoggedRequest

WEEKS = [
    ("2026-10-01 00:00:00", "2026-10-07 23:59:59"), ("2026-10-08 00:00:00", "2026-10-15 23:59:59"),
    ("2026-10-16 00:00:00", "2026-10-23 23:59:59"), ("2026-10-24 00:00:00", "2026-10-31 23:59:59"),
]
BUDGET = ThrottleSettings(limit=10, window=2)


def settings_for(emulator: ClueEmulator, **extra: Any) -> ClueConnectionSettings:
    return ClueConnectionSettings.from_values(host=emulator.url, token=emulator.token, user_id=emulator.user_id,
                                              extras=extra)


def api_requests(emulator: ClueEmulator) -> list[LoggedRequest]:
    return [request for request in emulator.requests if "get_customer" in request.path]


def get(emulator: ClueEmulator, user_id: str | None = None, token: str | None = None, **params: Any):
    return requests.get(
        f"{emulator.url}/agent-api/user/{user_id or emulator.user_id}/type/clue/get_customer", params=params,
        headers={"Authorization": f"Bearer {token or emulator.token}", "Accept": "application/json"}, timeout=10,
    )


def throttle_headers(response: requests.Response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if "RateLimit" in name or name == "Retry-After"}


def window_of(emulator: ClueEmulator, request: LoggedRequest) -> int:
    """The index of the throttle window ``request`` fell in."""
    assert emulator.throttle is not None
    return max(i for i, window in enumerate(emulator.throttle.windows) if window.opened_at <= request.time)


def pull_of(request: LoggedRequest) -> int:
    start = json.loads(request.body)["created_at"][0]
    return next(index for index, (first, last) in enumerate(WEEKS) if first <= start <= last)


def assert_paced(emulator: ClueEmulator, *, most_429s: int = 1, by=pull_of) -> None:
    """At most ``most_429s`` 429s per window per pull; after a pull's 429, none of its requests before the reset."""
    assert emulator.throttle is not None
    windows = emulator.throttle.windows
    per_window: dict[tuple[int, int], int] = {}
    for request in api_requests(emulator):
        if request.status == 429:
            key = (window_of(emulator, request), by(request))
            per_window[key] = per_window.get(key, 0) + 1
            later = [r for r in api_requests(emulator) if by(r) == key[1] and r.time > request.time]
            assert all(r.time >= windows[key[0]].resets_at - 0.01 for r in later), "a request went before the reset"
    assert max(per_window.values(), default=0) <= most_429s, per_window


# -- the emulator's throttle -----------------------------------------------------------------------


def test_the_throttle_is_off_by_default(make_emulator):
    emulator = make_emulator(records=10)
    assert emulator.throttle is None
    assert throttle_headers(get(emulator)) == {}


def test_every_answer_past_the_middleware_carries_the_budget_and_a_429_when_it_resets(make_emulator):
    emulator = make_emulator(records=10, throttle=ThrottleSettings(3, 60))
    assert throttle_headers(get(emulator)) == {"X-RateLimit-Limit": "3", "X-RateLimit-Remaining": "2"}
    business_error = get(emulator, user_id="00000000-0000-4000-8000-000000000000")
    assert business_error.json()["code"] == 403 and throttle_headers(business_error)["X-RateLimit-Remaining"] == "1"
    invalid = get(emulator, **{"created_at[]": ["yesterday", "today"]})
    assert invalid.status_code == 422 and throttle_headers(invalid)["X-RateLimit-Remaining"] == "0"
    refused = get(emulator)
    reset = emulator.throttle.windows[0].resets_at
    retry_after = reset - math.floor(refused_time(emulator))
    assert refused.status_code == 429 and refused.json() == {"message": "Too Many Attempts."}
    assert throttle_headers(refused) == {
        "X-RateLimit-Limit": "3", "X-RateLimit-Remaining": "0", "Retry-After": str(retry_after),
        "X-RateLimit-Reset": str(reset),
    }
    # authentication comes first: an unknown token is answered 401 without being counted or told the budget
    unauthenticated = get(emulator, token="wrong")
    assert unauthenticated.status_code == 401 and throttle_headers(unauthenticated) == {}
    assert emulator.throttle.windows[0].hits == 3


def refused_time(emulator: ClueEmulator) -> float:
    return [request.time for request in api_requests(emulator) if request.status == 429][-1]


def test_the_control_api_and_the_command_line_set_the_throttle(make_emulator):
    emulator = make_emulator(records=10)
    assert requests.put(f"{emulator.url}/_emulator/throttle", json={"limit": 5, "window": 7}, timeout=10).ok
    assert emulator.throttle is not None and emulator.throttle.settings == ThrottleSettings(5, 7)
    gateway = {"limit": 5, "window": 7, "budget_headers": False}
    assert requests.put(f"{emulator.url}/_emulator/throttle", json=gateway, timeout=10).ok
    assert emulator.throttle.settings == ThrottleSettings(5, 7, budget_headers=False)
    for refused in ({"limit": 0}, {"window": 5}, {"limit": 5, "windw": 5}, {"limit": 5, "budget_headers": "no"}):
        answer = requests.put(f"{emulator.url}/_emulator/throttle", json=refused, timeout=10)
        assert answer.status_code == 400, refused
    assert emulator.throttle.settings == ThrottleSettings(5, 7, budget_headers=False), "a refused change kept"
    assert requests.put(f"{emulator.url}/_emulator/throttle", json={}, timeout=10).ok
    assert emulator.throttle is None
    for text in ("60/x", "60"):
        bad = subprocess.run([sys.executable, "-m", "airflow_provider_clue.testing", "--throttle", text],
                             capture_output=True, text=True, timeout=60)
        assert bad.returncode == 2 and "LIMIT/WINDOW" in bad.stderr, text
    assert build_parser().parse_args(["--throttle", "60/5", "--no-budget-headers"]).budget_headers is False


# -- clients pacing themselves ---------------------------------------------------------------------


def pull_each_week_at_once(emulator: ClueEmulator, **extra: Any) -> None:
    """Pull each of ``WEEKS`` at once, each with a client of its own (as four processes would); check the ids."""

    def pull(window: tuple[str, str]) -> list[str]:
        with ClueClient(settings_for(emulator, **extra)) as client:
            query = client.query(filters={"created_at": list(window)}, per_page=10)
            return [record["id"] for record in Pull(client, query, logger=logging.getLogger("test.pull")).records()]

    with ThreadPoolExecutor(len(WEEKS)) as pool:
        pulled = list(pool.map(pull, WEEKS))
    for window, ids in zip(WEEKS, pulled, strict=True):
        assert len(ids) == len(set(ids)) and set(ids) == emulator.ids(created_at=window)


def test_four_pulls_with_clients_of_their_own_share_the_budget(make_emulator, caplog):
    """Four clients (as four processes would have) on one token: exact records, one 429 per window at most each."""
    emulator = make_emulator(records=320, max_per_page=10, throttle=BUDGET)
    with caplog.at_level(logging.INFO):
        pull_each_week_at_once(emulator, max_concurrency=4)
    assert any(request.status == 429 for request in api_requests(emulator))
    assert_paced(emulator)
    assert "concurrency lowered" not in caplog.text  # a spent budget is waited out, not taken for overload
    pages = sum(request.status == 200 for request in api_requests(emulator))
    spent = [window for window in emulator.throttle.windows if window.hits == BUDGET.limit]
    assert len(emulator.throttle.windows) == math.ceil(pages / BUDGET.limit) and len(spent) == len(
        emulator.throttle.windows) - 1


def test_a_request_that_loses_window_after_window_to_other_pulls_still_gets_its_page(make_emulator, caplog):
    """A small budget shared by four pulls: a request's 429s are its turns, not its retries (one allowed here)."""
    emulator = make_emulator(records=320, max_per_page=10, throttle=ThrottleSettings(limit=5, window=1))
    with caplog.at_level(logging.INFO):
        pull_each_week_at_once(emulator, max_concurrency=4, max_retries=1)
    refused = sum(request.status == 429 for request in api_requests(emulator))
    assert refused > len(WEEKS) and caplog.text.count("The token's budget is spent (HTTP 429)") == refused
    assert "Retry 1 of 1" not in caplog.text
    assert_paced(emulator)


def test_the_async_client_waits_out_a_spent_budget_for_all_its_callers(make_emulator):
    emulator = make_emulator(records=300, max_per_page=10, throttle=BUDGET)

    async def run() -> list[int]:
        async with AsyncClueClient(settings_for(emulator)) as client:
            query = client.query(filters={"created_at": list(WEEKS[0])}, per_page=10)
            await client.get_page(query, 1)  # a first answer tells the budget
            pages = await asyncio.gather(*(client.get_page(query, 1) for _ in range(25)))
            return [page.meta.current_page for page in pages]

    assert asyncio.run(run()) == [1] * 25
    assert sum(request.status == 200 for request in api_requests(emulator)) == 26
    assert_paced(emulator, by=lambda request: 0)  # one client: one 429 per window at most


def test_the_async_client_holds_every_caller_for_a_bare_429s_retry_after(make_emulator):
    """Only ``Retry-After`` (a gateway's throttle): a caller that comes during the pause waits it out too."""
    emulator = make_emulator(records=50, max_per_page=10, throttle=ThrottleSettings(5, 2, budget_headers=False))

    async def run() -> None:
        async with AsyncClueClient(settings_for(emulator)) as client:
            query = client.query(filters={"created_at": list(WEEKS[0])}, per_page=10)
            first = [asyncio.create_task(client.get_page(query, 1)) for _ in range(6)]
            for _ in range(300):  # until the client has read the 429
                if client.budget.pause_left():
                    break
                await asyncio.sleep(0.01)
            assert client.budget.pause_left(), "the bare 429 paused none of the client's callers"
            await client.get_page(query, 1)  # comes during the pause
            await asyncio.gather(*first)

    asyncio.run(run())
    assert emulator.throttle is not None
    reset = emulator.throttle.windows[0].resets_at
    statuses = [request.status for request in api_requests(emulator)]
    assert statuses.count(429) == 1 and statuses.count(200) == 7
    assert all(request.time >= reset - 0.01 for request in api_requests(emulator)[6:]), "a request went in the pause"


def test_a_throttle_without_budget_headers_gets_the_bare_429_handling(make_emulator, caplog):
    """Only ``Retry-After``, as a gateway's throttle sends: a 429 halves concurrency and pauses the pull."""
    emulator = make_emulator(records=400, max_per_page=20, throttle=ThrottleSettings(8, 1, budget_headers=False))
    with caplog.at_level(logging.INFO), ClueClient(settings_for(emulator, max_concurrency=8)) as client:
        query = client.query(filters={"created_at": ["2026-10-01 00:00:00", "2026-10-31 23:59:59"]}, per_page=20)
        ids = [record["id"] for record in Pull(client, query, logger=logging.getLogger("test.pull")).records()]
    assert len(ids) == len(set(ids)) == 400
    refused = [request for request in api_requests(emulator) if request.status == 429]
    assert refused and "concurrency lowered to 4 of 8" in caplog.text
    assert throttle_headers(get(emulator)).keys() <= {"Retry-After"}

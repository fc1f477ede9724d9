"""The throttle headers of a Laravel API, the wait they ask for, and the budget a client keeps of them."""

from __future__ import annotations

import pytest

from airflow_provider_clue.api.rate_limit_headers import RateLimitHeaders, rate_limit_headers, seconds_until_reset
from airflow_provider_clue.api.server_budget import ServerBudget
from airflow_provider_clue.testing.throttle import LaravelThrottle, ThrottleSettings

NOW = 1_796_000_000.25  # a quarter past a whole second


def headers_of(limit="60", remaining="0", retry_after=None, reset=None):
    headers = {"X-RateLimit-Limit": limit, "X-RateLimit-Remaining": remaining}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    if reset is not None:
        headers["X-RateLimit-Reset"] = reset
    return headers


def test_an_answer_that_passed_reports_the_budget_and_no_reset():
    assert rate_limit_headers(headers_of(remaining="17")) == RateLimitHeaders(60, 17)


def test_no_or_garbled_headers_mean_no_budget():
    assert rate_limit_headers({}) is None
    assert rate_limit_headers({"Retry-After": "3"}) is None
    assert rate_limit_headers(headers_of(limit="sixty")) is None


def test_a_429_waits_for_the_reset_second_by_the_local_clock():
    reset = str(int(NOW) + 3)
    got = rate_limit_headers(headers_of(retry_after="3", reset=reset), now=lambda: NOW)
    assert got == RateLimitHeaders(60, 0, reset_in=pytest.approx(2.75))


@pytest.mark.parametrize(
    ("retry_after", "reset_at", "expected"),
    [
        (3, int(NOW) + 3, 2.75),  # clocks in step: exact
        (3, None, 3.0),  # no Reset: Retry-After alone
        (3, int(NOW) + 10, 3.0),  # the local clock far behind: never longer than Retry-After
        (3, int(NOW) - 10, 2.0),  # far ahead: never shorter than Retry-After - 1
        (0, int(NOW), 0.75),  # Retry-After 0: the window ends within the reset second
        (0, None, 1.0),
    ],
    ids=["in-step", "no-reset", "clock-behind", "clock-ahead", "zero", "zero-no-reset"],
)
def test_the_wait_stays_within_what_retry_after_allows(retry_after, reset_at, expected):
    assert seconds_until_reset(retry_after, reset_at, NOW) == pytest.approx(expected)


class FakeClock:
    def __init__(self, now=NOW):
        self.now = now

    def __call__(self):
        return self.now


def test_the_budget_caps_requests_in_flight_once_the_server_tells_it():
    budget = ServerBudget()
    assert budget.in_flight_cap(4) == 4  # nothing known yet: the client's own limit
    budget.observe(None)
    assert budget.in_flight_cap(4) == 4  # a server without throttle headers
    budget.observe(RateLimitHeaders(60, 59))
    assert budget.in_flight_cap(4) == 4
    assert [budget.in_flight_cap(100) for budget.remaining in (59, 31, 16, 15, 7, 0)] == [7, 3, 2, 1, 1, 1]


def test_a_spent_budget_pauses_until_its_reset():
    clock = FakeClock(100.0)
    budget = ServerBudget(clock=clock)
    assert budget.observe(RateLimitHeaders(60, 5)) is False
    assert budget.pause_left() == 0
    assert budget.observe(RateLimitHeaders(60, 0, reset_in=2.5)) is True
    assert budget.pause_left() == pytest.approx(2.5)
    clock.now += 2.5
    assert budget.pause_left() == 0
    assert budget.observe(None) is False


def test_the_throttle_opens_its_window_at_the_first_counted_hit_and_resets_at_a_whole_second():
    clock = FakeClock(10.7)
    throttle = LaravelThrottle(ThrottleSettings(2, 5), clock=clock)
    assert throttle.attempt("token") is None
    assert throttle.headers("token") == {"X-RateLimit-Limit": "2", "X-RateLimit-Remaining": "1"}
    clock.now = 12.0
    assert throttle.attempt("token") is None
    clock.now = 14.9
    rejected = throttle.attempt("token")
    assert rejected == {
        "X-RateLimit-Limit": "2", "X-RateLimit-Remaining": "0", "Retry-After": "1", "X-RateLimit-Reset": "15",
    }
    assert list(rejected) == ["X-RateLimit-Limit", "X-RateLimit-Remaining", "Retry-After", "X-RateLimit-Reset"]
    clock.now = 15.0  # floor(10.7) + 5: a new window opens with the next hit
    assert throttle.attempt("token") is None
    assert throttle.headers("token")["X-RateLimit-Remaining"] == "1"
    assert [(window.opened_at, window.resets_at, window.hits) for window in throttle.windows] == [
        (10.7, 15, 2), (15.0, 20, 1),
    ]


def test_rejected_requests_are_not_counted_and_keys_are_apart():
    clock = FakeClock(100.0)
    throttle = LaravelThrottle(ThrottleSettings(1, 60), clock=clock)
    assert throttle.attempt("a") is None
    for _ in range(5):
        assert throttle.attempt("a") is not None
    assert throttle.attempt("b") is None
    assert throttle.windows[0].hits == 1


@pytest.mark.parametrize(("limit", "window"), [(0, 5), (60, 0), (1.5, 5), (True, 5)])
def test_throttle_settings_must_be_whole_numbers(limit, window):
    with pytest.raises(ValueError, match="whole number >= 1"):
        ThrottleSettings(limit, window)

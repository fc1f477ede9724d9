"""parse_retry_after, RetryPolicy and call_with_retries, driven with a fake sleep."""

from __future__ import annotations

import random
from datetime import datetime, timezone
from email.utils import format_datetime

import pytest

from airflow_provider_clue.api.retry_policy import RetryBudget, RetryPolicy, call_with_retries, parse_retry_after
from airflow_provider_clue.exceptions import (
    ClueAPIError,
    ClueAuthError,
    ClueBadRequestError,
    ClueConnectionError,
    ClueMalformedResponseError,
    ClueRateLimitError,
    ClueServerError,
)

PATH = "/agent-api/user/40863af8-db4a-41c6-a269-eb5bc386d97f/type/clue/get_customer"
NOW = datetime(2015, 10, 21, 7, 28, 0, tzinfo=timezone.utc).timestamp()


def fixed_now():
    return NOW


# --- parse_retry_after ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        ("0", 0.0),
        (" 7 ", 7.0),
        ("1.5", 1.5),
        ("0.25", 0.25),
        ("-5", 0.0),
        ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),
        ("Wed, 21 Oct 2015 07:30:00 GMT", 120.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),  # in the past
        ("Tue, 20 Oct 2015 07:28:00 GMT", 0.0),
        ("Wed, 21 Oct 2015 15:28:10 +0800", 10.0),  # another offset, same instant + 10 s
    ],
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value, now=fixed_now) == pytest.approx(expected)


def test_parse_retry_after_formatted_http_date():
    moment = datetime(2015, 10, 21, 7, 29, 0, tzinfo=timezone.utc)
    assert parse_retry_after(format_datetime(moment, usegmt=True), now=fixed_now) == pytest.approx(60.0)


@pytest.mark.parametrize("value", [None, "", "   ", "soon", "abc123", "Wed, 99 Foo 2015", "12 seconds"])
def test_parse_retry_after_absent_or_garbage(value):
    assert parse_retry_after(value, now=fixed_now) is None


def test_parse_retry_after_uses_real_clock_by_default():
    assert parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT") == 0.0
    assert parse_retry_after("3") == 3.0


# --- helpers ----------------------------------------------------------------------------------


class Sleeper:
    def __init__(self):
        self.delays = []

    def __call__(self, seconds):
        self.delays.append(seconds)


class Attempts:
    """Raise the given errors in turn, then return ``result``; count calls."""

    def __init__(self, *errors, result="ok"):
        self.errors = list(errors)
        self.result = result
        self.calls = 0

    def __call__(self):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return self.result


class AlwaysFailing:
    """Raise a fresh error on every call, keeping each one."""

    def __init__(self, make):
        self.make = make
        self.raised = []

    @property
    def calls(self):
        return len(self.raised)

    def __call__(self):
        error = self.make()
        self.raised.append(error)
        raise error


def policy(**kwargs):
    kwargs.setdefault("rng", random.Random(0))
    return RetryPolicy(**kwargs)


RETRYABLE = {
    "server": lambda: ClueServerError("server error", path=PATH, page=1, http_status=503),
    "rate_limit": lambda: ClueRateLimitError("rate limited", path=PATH, page=1, http_status=429),
    "rate_limit_after": lambda: ClueRateLimitError("rate limited", retry_after=0.5, path=PATH, http_status=429),
    "connection": lambda: ClueConnectionError("connection reset", path=PATH, page=2),
    "malformed_retryable": lambda: ClueMalformedResponseError("not JSON", retryable=True, path=PATH),
}
NOT_RETRYABLE = {
    "auth": lambda: ClueAuthError("refused", path=PATH, http_status=401),
    "forbidden": lambda: ClueAuthError("refused", path=PATH, http_status=403),
    "bad_request": lambda: ClueBadRequestError("rejected", path=PATH, http_status=422),
    "malformed": lambda: ClueMalformedResponseError("no meta", path=PATH, http_status=200),
    "base": lambda: ClueAPIError("generic", path=PATH),
}


# --- which errors are retried -------------------------------------------------------------------


def test_success_first_time_no_sleep():
    sleep = Sleeper()
    attempt = Attempts()
    assert call_with_retries(attempt, policy(), sleep=sleep) == "ok"
    assert attempt.calls == 1
    assert sleep.delays == []


@pytest.mark.parametrize("make", RETRYABLE.values(), ids=RETRYABLE.keys())
def test_retryable_errors_are_retried(make):
    sleep = Sleeper()
    attempt = Attempts(make(), make(), result={"page": 1})
    assert call_with_retries(attempt, policy(), sleep=sleep) == {"page": 1}
    assert attempt.calls == 3
    assert len(sleep.delays) == 2


@pytest.mark.parametrize("make", NOT_RETRYABLE.values(), ids=NOT_RETRYABLE.keys())
def test_non_retryable_errors_are_raised_after_one_attempt(make):
    sleep = Sleeper()
    attempt = AlwaysFailing(make)
    with pytest.raises(ClueAPIError) as info:
        call_with_retries(attempt, policy(), sleep=sleep)
    assert attempt.calls == 1
    assert info.value is attempt.raised[0]
    assert sleep.delays == []


def test_retryable_then_non_retryable_stops():
    sleep = Sleeper()
    auth = ClueAuthError("refused", path=PATH, http_status=401)
    attempt = Attempts(RETRYABLE["server"](), auth)
    with pytest.raises(ClueAuthError) as info:
        call_with_retries(attempt, policy(), sleep=sleep)
    assert info.value is auth
    assert attempt.calls == 2
    assert len(sleep.delays) == 1


def test_other_exceptions_are_not_retried():
    sleep = Sleeper()
    calls = []

    def attempt():
        calls.append(1)
        raise KeyError("bug")

    with pytest.raises(KeyError):
        call_with_retries(attempt, policy(), sleep=sleep)
    assert len(calls) == 1
    assert sleep.delays == []


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (ClueServerError("x", path=PATH), True),
        (ClueRateLimitError("x", path=PATH), True),
        (ClueConnectionError("x", path=PATH), True),
        (ClueMalformedResponseError("x", path=PATH, retryable=True), True),
        (ClueMalformedResponseError("x", path=PATH), False),
        (ClueAuthError("x", path=PATH), False),
        (ClueBadRequestError("x", path=PATH), False),
    ],
)
def test_retryable_flags(error, retryable):
    assert error.retryable is retryable


# --- bounds -----------------------------------------------------------------------------------


@pytest.mark.parametrize("max_retries", [0, 1, 3, 5])
def test_stops_after_max_retries_raising_the_last_error(max_retries):
    sleep = Sleeper()
    attempt = AlwaysFailing(RETRYABLE["server"])
    with pytest.raises(ClueServerError) as info:
        call_with_retries(attempt, policy(max_retries=max_retries, max_total_wait=1e9), sleep=sleep)
    assert attempt.calls == max_retries + 1
    assert len(sleep.delays) == max_retries
    assert info.value is attempt.raised[-1]


def test_succeeds_on_the_last_allowed_attempt():
    attempt = Attempts(*(RETRYABLE["connection"]() for _ in range(3)))
    assert call_with_retries(attempt, policy(max_retries=3), sleep=Sleeper()) == "ok"
    assert attempt.calls == 4


def test_long_retry_after_beyond_total_wait_stops_at_once():
    sleep = Sleeper()
    attempt = AlwaysFailing(lambda: ClueRateLimitError("rl", retry_after=100.0, path=PATH))
    with pytest.raises(ClueRateLimitError) as info:
        call_with_retries(attempt, policy(max_total_wait=50.0), sleep=sleep)
    assert attempt.calls == 1
    assert sleep.delays == []
    assert info.value is attempt.raised[0]


def test_stops_when_total_wait_would_be_exceeded():
    sleep = Sleeper()
    attempt = AlwaysFailing(lambda: ClueRateLimitError("rl", retry_after=2.0, path=PATH))
    with pytest.raises(ClueRateLimitError) as info:
        call_with_retries(attempt, policy(max_retries=10, max_total_wait=5.0), sleep=sleep)
    # each wait is 2.0..2.1 s: two fit into 5 s, a third does not
    assert len(sleep.delays) == 2
    assert attempt.calls == 3
    assert sum(sleep.delays) <= 5.0
    assert info.value is attempt.raised[-1]


def test_zero_total_wait_means_no_retry_after_a_positive_delay():
    sleep = Sleeper()
    attempt = AlwaysFailing(lambda: ClueRateLimitError("rl", retry_after=1.0, path=PATH))
    with pytest.raises(ClueRateLimitError):
        call_with_retries(attempt, policy(max_total_wait=0.0), sleep=sleep)
    assert attempt.calls == 1
    assert sleep.delays == []


@pytest.mark.parametrize("seed", range(20))
def test_total_wait_never_exceeds_budget(seed):
    sleep = Sleeper()
    attempt = AlwaysFailing(RETRYABLE["server"])
    retry_policy = RetryPolicy(max_retries=20, max_total_wait=10.0, base_delay=1.0, max_delay=8.0,
                               rng=random.Random(seed))
    with pytest.raises(ClueServerError):
        call_with_retries(attempt, retry_policy, sleep=sleep)
    assert sum(sleep.delays) <= 10.0
    assert attempt.calls == len(sleep.delays) + 1 <= 21


# --- delays -----------------------------------------------------------------------------------


@pytest.mark.parametrize("retry_after", [0.0, 0.5, 3.0, 45.0])
def test_retry_after_is_honoured(retry_after):
    sleep = Sleeper()
    attempt = Attempts(*(ClueRateLimitError("rl", retry_after=retry_after, path=PATH) for _ in range(3)))
    retry_policy = policy(max_delay=30.0, max_total_wait=1000.0)
    call_with_retries(attempt, retry_policy, sleep=sleep)
    assert len(sleep.delays) == 3
    for delay in sleep.delays:
        assert retry_after <= delay <= retry_after + 0.1


def test_rate_limit_without_retry_after_waits_at_least_twice_the_base_delay():
    sleep = Sleeper()
    attempt = Attempts(*(RETRYABLE["rate_limit"]() for _ in range(4)))
    call_with_retries(attempt, policy(base_delay=0.5, max_delay=30.0), sleep=sleep)
    for number, delay in enumerate(sleep.delays, start=1):
        assert 1.0 <= delay <= max(1.0, 0.5 * 2 ** (number - 1))


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize(("base_delay", "max_delay"), [(0.5, 30.0), (1.0, 4.0), (2.0, 1.0)])
def test_backoff_delays_within_full_jitter_bounds(seed, base_delay, max_delay):
    sleep = Sleeper()
    attempt = AlwaysFailing(RETRYABLE["server"])
    retry_policy = RetryPolicy(max_retries=12, max_total_wait=1e9, base_delay=base_delay, max_delay=max_delay,
                               rng=random.Random(seed))
    with pytest.raises(ClueServerError):
        call_with_retries(attempt, retry_policy, sleep=sleep)
    assert len(sleep.delays) == 12
    for number, delay in enumerate(sleep.delays, start=1):
        assert 0 <= delay <= min(max_delay, base_delay * 2 ** (number - 1))


@pytest.mark.parametrize("number", [1, 2, 3, 5, 8, 20])
def test_policy_delay_bounds(number):
    retry_policy = policy(base_delay=0.5, max_delay=30.0)
    error = RETRYABLE["server"]()
    for _ in range(50):
        assert 0 <= retry_policy.delay(number, error) <= min(30.0, 0.5 * 2 ** (number - 1))


def test_delays_are_deterministic_with_a_seeded_rng():
    def run():
        sleep = Sleeper()
        with pytest.raises(ClueServerError):
            call_with_retries(AlwaysFailing(RETRYABLE["server"]), policy(max_total_wait=1e9), sleep=sleep)
        return sleep.delays

    first = run()
    assert first == run()
    assert len(first) == 5


def test_on_retry_sees_error_number_and_delay():
    sleep = Sleeper()
    seen = []
    errors = [RETRYABLE["server"](), RETRYABLE["connection"]()]
    attempt = Attempts(*errors)
    call_with_retries(attempt, policy(), sleep=sleep, on_retry=lambda e, n, d: seen.append((e, n, d)))
    assert [(e, n) for e, n, _ in seen] == [(errors[0], 1), (errors[1], 2)]
    assert [d for _, _, d in seen] == sleep.delays


def test_on_retry_not_called_when_no_retry_follows():
    seen = []
    with pytest.raises(ClueServerError):
        call_with_retries(AlwaysFailing(RETRYABLE["server"]), policy(max_retries=0), sleep=Sleeper(),
                          on_retry=lambda *args: seen.append(args))
    assert seen == []


def test_policy_defaults():
    retry_policy = RetryPolicy()
    assert retry_policy.max_retries == 5
    assert retry_policy.max_total_wait == 120.0
    assert retry_policy.base_delay == 0.5
    assert retry_policy.max_delay == 30.0
    assert RetryPolicy(rng=random.Random(1)) == RetryPolicy(rng=random.Random(2))
    assert "rng" not in repr(retry_policy)


# --- a spent budget's 429 is a turn, not a failed try -------------------------------------------


def spent_budget(reset_in: float = 0.7) -> ClueRateLimitError:
    return ClueRateLimitError("rate limited", retry_after=reset_in, budget_spent=True, path=PATH, http_status=429)


def test_a_spent_budget_waits_exactly_for_the_reset_without_using_up_a_retry():
    budget = RetryBudget(policy(max_retries=1, max_total_wait=5))
    assert [budget.next_delay(spent_budget()) for _ in range(20)] == [0.7] * 20  # 20 windows lost, 14 s waited
    assert budget.retry_number == 0 and budget.budget_turns == 20
    server_error = ClueServerError("server error", path=PATH, page=1, http_status=503)
    assert budget.next_delay(server_error) is not None and budget.next_delay(server_error) is None


def test_a_spent_budget_gives_up_after_max_budget_turns_or_a_reset_past_max_total_wait():
    budget = RetryBudget(policy(max_budget_turns=3))
    assert [budget.next_delay(spent_budget()) for _ in range(4)] == [0.7, 0.7, 0.7, None]
    assert RetryBudget(policy(max_total_wait=10)).next_delay(spent_budget(reset_in=3600)) is None

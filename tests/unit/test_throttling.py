"""RateLimiter and ConcurrencyLimit, with a fake clock."""

from __future__ import annotations

import itertools
import logging
import threading
import time

import pytest

from airflow_provider_clue.api.concurrency_limit import ConcurrencyLimit, Interrupted, Watch
from airflow_provider_clue.api.rate_limiter import RateLimiter


class FakeTime:
    def __init__(self):
        self.now = 100.0

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_rate_limiter_spaces_requests_evenly():
    fake = FakeTime()
    limiter = RateLimiter(20, clock=fake.clock, sleep=fake.sleep)
    starts = []
    for _ in range(100):
        limiter.wait()
        starts.append(fake.now)
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert min(gaps) == pytest.approx(0.05)
    assert max(sum(1 for start in starts if first <= start < first + 1) for first in starts) <= 21


def test_rate_limiter_does_not_wait_after_a_pause():
    fake = FakeTime()
    limiter = RateLimiter(10, clock=fake.clock, sleep=fake.sleep)
    limiter.wait()
    fake.now += 5
    before = fake.now
    limiter.wait()
    assert fake.now == before


def test_no_rate_limit_never_waits():
    fake = FakeTime()
    limiter = RateLimiter(0, clock=fake.clock, sleep=fake.sleep)
    for _ in range(1000):
        limiter.wait()
    assert fake.now == 100.0


def test_rate_limiter_is_shared_by_threads():
    limiter = RateLimiter(100)
    starts: list[float] = []
    lock = threading.Lock()

    def send():
        for _ in range(10):
            limiter.wait()
            with lock:
                starts.append(time.monotonic())

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    starts.sort()
    assert starts[-1] - starts[0] >= 39 * 0.01 * 0.95


def limit_of(maximum, caplog, **kwargs):
    return ConcurrencyLimit(maximum, logger=logging.getLogger("test.limit"), **kwargs)


def test_a_429_halves_the_limit_once_per_burst(caplog):
    limit = limit_of(8, caplog)
    tickets = [limit.acquire() for _ in range(8)]
    with caplog.at_level(logging.INFO):
        for ticket in tickets[:5]:
            limit.release(ticket, "rate_limited")
    assert limit.limit == 4
    assert caplog.text.count("concurrency lowered to 4 of 8") == 1
    for ticket in tickets[5:]:
        limit.release(ticket, "success")
    limit.release(limit.acquire(), "rate_limited")
    assert limit.limit == 2


def test_the_limit_recovers_one_step_per_run_of_successes(caplog):
    limit = limit_of(4, caplog, recover_after=3)
    limit.release(limit.acquire(), "rate_limited")
    assert limit.limit == 2
    with caplog.at_level(logging.INFO):
        for _ in range(6):
            limit.release(limit.acquire(), "success")
    assert limit.limit == 4
    assert "concurrency raised to 3 of 4" in caplog.text and "concurrency raised to 4 of 4" in caplog.text
    for _ in range(10):
        limit.release(limit.acquire(), "success")
    assert limit.limit == 4


def test_a_429_between_successes_restarts_the_count(caplog):
    limit = limit_of(4, caplog, recover_after=3)
    limit.release(limit.acquire(), "rate_limited")
    for _ in range(2):
        limit.release(limit.acquire(), "success")
    limit.release(limit.acquire(), "rate_limited")
    assert limit.limit == 1
    for _ in range(2):
        limit.release(limit.acquire(), "success")
    assert limit.limit == 1


def test_no_more_than_the_limit_in_flight():
    limit = limit_of(3, None)
    in_flight = 0
    most = 0
    lock = threading.Lock()

    def work():
        nonlocal in_flight, most
        for _ in range(20):
            ticket = limit.acquire()
            with lock:
                in_flight += 1
                most = max(most, in_flight)
            time.sleep(0.001)
            with lock:
                in_flight -= 1
            limit.release(ticket, "success")

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 3


def test_retry_after_pauses_every_thread():
    limit = limit_of(4, None)
    limit.release(limit.acquire(), "rate_limited", retry_after=0.3)
    started = time.monotonic()
    limit.release(limit.acquire(), "success")
    assert time.monotonic() - started >= 0.25


def test_a_limit_of_one_is_never_lowered_or_logged(caplog):
    limit = limit_of(1, caplog)
    with caplog.at_level(logging.INFO):
        limit.release(limit.acquire(), "rate_limited")
    assert limit.limit == 1 and "lowered" not in caplog.text


def test_failures_and_old_tickets_do_not_raise_the_limit(caplog):
    limit = limit_of(4, caplog, recover_after=2)
    old = [limit.acquire() for _ in range(3)]
    limit.release(limit.acquire(), "rate_limited")
    assert limit.limit == 2
    for ticket in old:
        limit.release(ticket, "success")
    for _ in range(3):
        limit.release(limit.acquire(), "failed")
    assert limit.limit == 2
    for _ in range(2):
        limit.release(limit.acquire(), "success")
    assert limit.limit == 3


def test_stopping_a_watch_wakes_only_its_own_threads_waiting_out_a_pause():
    limit = limit_of(4, None)
    ending, going_on = Watch(4), Watch(4)
    for watch in (ending, going_on):
        limit.watch(watch)
    limit.release(limit.acquire(going_on), "rate_limited", retry_after=0.5)
    outcomes: dict[str, object] = {}

    def wait(name, watch):
        try:
            limit.release(limit.acquire(watch), "success")
            outcomes[name] = "sent"
        except Interrupted as err:
            outcomes[name] = err

    threads = [threading.Thread(target=wait, args=args, daemon=True)
               for args in (("ending", ending), ("going on", going_on))]
    for thread in threads:
        thread.start()
    time.sleep(0.05)
    limit.stop(ending)
    threads[0].join(timeout=2)
    assert isinstance(outcomes.get("ending"), Interrupted) and "going on" not in outcomes
    threads[1].join(timeout=2)
    assert outcomes["going on"] == "sent"
    with pytest.raises(Interrupted):
        limit.acquire(ending)


def test_the_pause_is_capped_by_max_pause():
    limit = limit_of(4, None, max_pause=0.1)
    limit.release(limit.acquire(), "rate_limited", retry_after=3600)
    started = time.monotonic()
    limit.release(limit.acquire(), "success")
    assert time.monotonic() - started < 1


def test_each_watch_sees_the_cuts_made_while_it_runs():
    limit = limit_of(8, None, recover_after=1)
    first, second, later = Watch(8), Watch(8), Watch(8)
    limit.watch(first)
    limit.release(limit.acquire(), "rate_limited")
    limit.watch(second)
    assert (first.lowest, second.lowest) == (4, 4)
    for _ in range(4):
        limit.release(limit.acquire(), "success")
    limit.watch(later)  # starts after the recovery: the earlier cut is not its own
    assert limit.limit == later.lowest == 8 and first.lowest == 4
    limit.stop(first)
    limit.release(limit.acquire(), "rate_limited")
    assert (first.lowest, second.lowest, later.lowest) == (4, 4, 4)
    limit.release(limit.acquire(), "rate_limited")
    assert (first.lowest, second.lowest, later.lowest) == (4, 2, 2)
    limit.watch(first)  # watched again: starts afresh, and may send again
    assert first.lowest == 2 and not first.stopped

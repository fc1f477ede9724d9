"""fetch_ahead: pages in page order, a bounded number in flight, the rest cancelled on an early stop."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from airflow_provider_clue.api.concurrent_fetch import fetch_ahead


class SlowFetch:
    """Returns the page number after a random delay; tracks the most calls running at once."""

    def __init__(self):
        self.running = 0
        self.most_running = 0
        self.started: list[int] = []
        self._lock = threading.Lock()
        self._rng = random.Random(7)

    def __call__(self, page):
        with self._lock:
            self.started.append(page)
            self.running += 1
            self.most_running = max(self.most_running, self.running)
            delay = self._rng.uniform(0, 0.01)
        time.sleep(delay)
        with self._lock:
            self.running -= 1
        return page


def test_pages_come_out_in_page_order():
    fetch = SlowFetch()
    with ThreadPoolExecutor(8) as executor:
        assert list(fetch_ahead(executor, 8)(fetch, range(2, 60))) == list(range(2, 60))
    assert fetch.most_running > 1


def test_at_most_lookahead_pages_in_flight():
    fetch = SlowFetch()
    with ThreadPoolExecutor(16) as executor:
        list(fetch_ahead(executor, 3)(fetch, range(1, 50)))
    assert fetch.most_running <= 3


def test_stopping_early_cancels_pages_not_started():
    fetch = SlowFetch()
    with ThreadPoolExecutor(2) as executor:
        pages = fetch_ahead(executor, 4)(fetch, range(1, 1000))
        assert [next(pages) for _ in range(3)] == [1, 2, 3]
        pages.close()
    assert len(fetch.started) <= 3 + 4


def test_an_error_reaches_the_consumer_in_order():
    def fetch(page):
        if page == 5:
            raise ValueError("page 5")
        return page

    got = []
    with ThreadPoolExecutor(4) as executor, pytest.raises(ValueError, match="page 5"):
        for page in fetch_ahead(executor, 4)(fetch, range(1, 20)):
            got.append(page)
    assert got == [1, 2, 3, 4]

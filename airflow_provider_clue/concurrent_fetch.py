"""Fetch pages on a thread pool, a bounded number ahead, and hand them over in page order."""

from __future__ import annotations

from collections import deque
from itertools import islice
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from concurrent.futures import Executor, Future

    from airflow_provider_clue.envelope import CluePage
    from airflow_provider_clue.paging import PageFetcher, PageMapper


def fetch_ahead(executor: Executor, lookahead: int) -> PageMapper:
    """A :data:`PageMapper` keeping up to ``lookahead`` pages in flight on ``executor``.

    Pages come out in page order whatever order they arrive in, so memory holds at most
    ``lookahead`` pages. The first ``lookahead`` are submitted when it is called, before the first
    page is asked for. When the consumer stops early, the pages not yet started are cancelled.
    """

    def fetch_many(fetch: PageFetcher, pages: range) -> Iterator[CluePage]:
        numbers = iter(pages)
        in_flight = deque(executor.submit(fetch, number) for number in islice(numbers, lookahead))
        return _in_order(in_flight, numbers, fetch)

    def _in_order(in_flight: deque[Future[CluePage]], numbers: Iterator[int], fetch: PageFetcher) -> Iterator[CluePage]:
        try:
            while in_flight:
                page = in_flight.popleft().result()
                for number in islice(numbers, 1):
                    in_flight.append(executor.submit(fetch, number))
                yield page
        finally:
            for future in in_flight:
                future.cancel()

    return fetch_many

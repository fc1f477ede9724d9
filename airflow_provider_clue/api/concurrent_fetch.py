"""Fetch pages on a thread pool, a bounded number ahead, and hand them over in page order."""

from __future__ import annotations

from collections import deque
from itertools import islice
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from concurrent.futures import Executor, Future

    from airflow_provider_clue.api.envelope import CluePage
    from airflow_provider_clue.api.paging import PageFetcher, PageMapper


def fetch_ahead(executor: Executor, lookahead: int) -> PageMapper:
    """A :data:`PageMapper` keeping up to ``lookahead`` pages in flight on ``executor``.

    The first ``lookahead`` pages are submitted when it is called, before the first is asked
    for. Pages come out in page order whatever order they arrive in, so memory holds at most
    ``lookahead`` pages; :meth:`PagesInOrder.close` cancels the pages not yet started.
    """

    def fetch_many(fetch: PageFetcher, pages: range) -> PagesInOrder:
        return PagesInOrder(executor, fetch, pages, lookahead)

    return fetch_many


class PagesInOrder:
    """The pages of ``numbers``, fetched ``lookahead`` at a time on ``executor``, in order."""

    def __init__(self, executor: Executor, fetch: PageFetcher, numbers: range, lookahead: int) -> None:
        self._executor = executor
        self._fetch = fetch
        self._numbers = iter(numbers)
        self._in_flight: deque[Future[CluePage]] = deque(
            executor.submit(fetch, number) for number in islice(self._numbers, lookahead)
        )

    def __iter__(self) -> Iterator[CluePage]:
        return self

    def __next__(self) -> CluePage:
        if not self._in_flight:
            raise StopIteration
        try:
            page = self._in_flight.popleft().result()
        except BaseException:
            self.close()
            raise
        for number in islice(self._numbers, 1):
            self._in_flight.append(self._executor.submit(self._fetch, number))
        return page

    def close(self) -> None:
        """Cancel the pages not yet started (those running finish; their results are dropped)."""
        for future in self._in_flight:
            future.cancel()
        self._in_flight.clear()

"""Walk the pages of one query, driven by each response's ``meta``, and keep each record once.

Which pages to read (:class:`PageWalker`) is kept apart from how they are fetched (a
:data:`PageMapper`): the default mapper fetches one page at a time, and a concurrent one can be
passed in without touching the walk's checks.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from airflow_provider_clue.envelope import CluePage
from airflow_provider_clue.exceptions import CluePagingError

PageFetcher = Callable[[int], CluePage]
PageMapper = Callable[[PageFetcher, range], Iterator[CluePage]]

log = logging.getLogger(__name__)


def fetch_in_order(fetch: PageFetcher, pages: range) -> Iterator[CluePage]:
    """The sequential mapper: fetch each page in turn, lazily."""
    for page in pages:
        yield fetch(page)


def expected_last_page(total: int, per_page: int) -> int:
    """Laravel's ``last_page``: ``max(1, ceil(total / per_page))``."""
    return max(1, math.ceil(total / per_page))


@dataclass
class PagingProgress:
    """What a walk has seen so far: pages read and every distinct ``meta.total``."""

    pages: int = 0
    totals: list[int] = field(default_factory=list)

    @property
    def total_changed(self) -> bool:
        return len(self.totals) > 1


class PageWalker:
    """Read pages 1..last_page of one query, following ``meta`` rather than what was asked.

    The server may clamp ``per_page``, so the page count comes from each response's ``meta``.
    The walk stops at ``current_page >= last_page`` or on an empty page, and raises
    :class:`CluePagingError` when ``meta`` does not advance or is inconsistent, so a misbehaving
    server cannot make it loop: the number of requests stays bounded by ``total / per_page``.

    :param fetch: fetches one page by number (retries included).
    :param path: the request path, for error messages.
    :param fetch_many: maps ``fetch`` over a range of pages, yielding them in page order.
    """

    def __init__(self, fetch: PageFetcher, *, path: str, fetch_many: PageMapper = fetch_in_order) -> None:
        self._fetch = fetch
        self._path = path
        self._fetch_many = fetch_many
        self.progress = PagingProgress()

    def pages(self) -> Iterator[CluePage]:
        first = self._checked(1, self._fetch(1))
        yield first
        if not first.records:
            return
        last_page = first.meta.last_page
        next_page = 2
        while next_page <= last_page:
            batch = range(next_page, last_page + 1)
            for requested, page in zip(batch, self._fetch_many(self._fetch, batch), strict=False):
                checked = self._checked(requested, page)
                yield checked
                if not checked.records or checked.meta.current_page >= checked.meta.last_page:
                    return
                last_page = checked.meta.last_page
            next_page = batch[-1] + 1

    def _checked(self, requested: int, page: CluePage) -> CluePage:
        meta = page.meta
        if meta.current_page != requested:
            raise CluePagingError(
                f"asked for page {requested} but meta.current_page is {meta.current_page}: paging does not advance",
                path=self._path, page=requested,
            )
        if meta.last_page != expected_last_page(meta.total, meta.per_page):
            raise CluePagingError(
                f"meta is inconsistent: last_page {meta.last_page} with total {meta.total} "
                f"and per_page {meta.per_page}",
                path=self._path, page=requested,
            )
        if len(page.records) > meta.per_page:
            raise CluePagingError(
                f"page holds {len(page.records)} records, more than meta.per_page {meta.per_page}",
                path=self._path, page=requested,
            )
        self.progress.pages += 1
        if not self.progress.totals or self.progress.totals[-1] != meta.total:
            self.progress.totals.append(meta.total)
        return page


class SeenIds:
    """The ids already yielded by one pull."""

    def __init__(self) -> None:
        self._ids: set[str | int] = set()

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, record_id: str | int) -> bool:
        """Remember ``record_id``; ``True`` if it was new."""
        if record_id in self._ids:
            return False
        self._ids.add(record_id)
        return True

"""Walk the pages of one query, driven by each response's ``meta``.

Which pages to read (:class:`PageWalker`) is kept apart from how they are fetched (a
:data:`PageMapper`): the default mapper fetches one page at a time, and a concurrent one can be
passed in without touching the walk's checks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

from airflow_provider_clue.api.envelope import CluePage
from airflow_provider_clue.exceptions import CluePagingError

PageFetcher = Callable[[int], CluePage]
PageMapper = Callable[[PageFetcher, range], Iterator[CluePage]]


def fetch_in_order(fetch: PageFetcher, pages: range) -> Iterator[CluePage]:
    """The sequential mapper: fetch each page in turn, lazily."""
    for page in pages:
        yield fetch(page)


def expected_last_page(total: int, per_page: int) -> int:
    """Laravel's ``last_page``: ``max(1, ceil(total / per_page))``."""
    return max(1, math.ceil(total / per_page))


class PageWalker:
    """Read pages 1..last_page of one query, following ``meta`` rather than what was asked.

    The server may clamp ``per_page``, so the page count comes from each response's ``meta``.
    The walk stops at ``current_page >= last_page`` or on an empty page, and raises
    :class:`CluePagingError` when ``meta`` does not advance, contradicts itself, or changes its
    ``per_page`` mid-walk, so a misbehaving server cannot make it loop: the number of requests
    stays bounded by ``total / per_page``. Whether the records add up is the caller's check.

    :param fetch: fetches one page by number (retries included).
    :param path: the request path, for error messages.
    :param fetch_many: maps ``fetch`` over a range of pages, yielding them in page order.
    """

    def __init__(self, fetch: PageFetcher, *, path: str, fetch_many: PageMapper = fetch_in_order) -> None:
        self._fetch = fetch
        self._path = path
        self._fetch_many = fetch_many

    def pages(self, first_page: CluePage | None = None) -> Iterator[CluePage]:
        """Yield the pages in order; ``first_page`` is page 1 when it was already fetched.

        The pages after the first are asked of ``fetch_many`` before the first is yielded, so a
        concurrent mapper has them on their way while the consumer handles page 1.
        """
        first = self._checked(1, first_page or self._fetch(1), per_page=None)
        if not first.records or first.meta.last_page <= 1:
            yield first
            return
        per_page = first.meta.per_page
        last_page = first.meta.last_page
        batch = range(2, last_page + 1)
        pages = self._fetch_many(self._fetch, batch)
        try:
            yield first
            while True:
                for requested, page in zip(batch, pages, strict=False):
                    checked = self._checked(requested, page, per_page=per_page)
                    yield checked
                    if not checked.records or checked.meta.current_page >= checked.meta.last_page:
                        return
                    last_page = checked.meta.last_page
                    if last_page > _most_pages(first.meta.last_page):
                        raise CluePagingError(
                            f"meta.last_page grew from {first.meta.last_page} to {last_page} within one walk: "
                            "records arrive faster than they can be read; end the window in the past, or retry",
                            path=self._path, page=requested,
                        )
                if batch[-1] >= last_page:
                    return
                batch = range(batch[-1] + 1, last_page + 1)
                _close(pages)
                pages = self._fetch_many(self._fetch, batch)
        finally:
            _close(pages)

    def _checked(self, requested: int, page: CluePage, *, per_page: int | None) -> CluePage:
        meta = page.meta
        problem = None
        if meta.current_page != requested:
            problem = f"asked for page {requested}, got meta.current_page {meta.current_page}: paging does not advance"
        elif meta.last_page != expected_last_page(meta.total, meta.per_page):
            problem = (
                f"meta is inconsistent: last_page {meta.last_page} with total {meta.total} and per_page {meta.per_page}"
            )
        elif len(page.records) > meta.per_page:
            problem = f"page holds {len(page.records)} records, more than meta.per_page {meta.per_page}"
        elif per_page is not None and meta.per_page != per_page:
            problem = f"meta.per_page changed from {per_page} to {meta.per_page} mid-walk, so pages no longer line up"
        if problem:
            raise CluePagingError(problem, path=self._path, page=requested)
        return page


def _most_pages(first_last_page: int) -> int:
    """How far one walk follows a growing ``last_page``: twice the pages page 1 announced, plus ten."""
    return 2 * first_last_page + 10


def _close(pages: Iterator[CluePage]) -> None:
    """Stop a mapper's pages: a concurrent one cancels those not yet started."""
    close = getattr(pages, "close", None)
    if close is not None:
        close()

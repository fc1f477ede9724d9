"""One pull of a query: every matching record exactly once, or a loud failure.

**Slices.** A query with a ``created_at`` window is split into consecutive time slices of about
:data:`SLICE_RECORDS` records each (sized from the first response's ``meta.total``; a slice that
turns out to hold more than twice that is split again), and each slice is paged on its own. So
the pages of one slice can be fetched in parallel, records moving between pages only disturb
their own slice, and the ids kept to drop duplicates are those of one slice, not of the pull.
Records come out slice by slice (newest slice first), page by page: the same order for the same
data, whatever the concurrency.

**When a slice moves.** The API lists newest first and offers nothing but page numbers, so
records added, removed or reordered while a slice is paged shift its pages under the reader.
The first pass over a slice fetches its pages concurrently (out of order) and counts as complete
only if every page reported the same ``meta.total`` and the pass saw that many distinct records.
Otherwise the slice is read again as consecutive slices of about half a page each (on average:
skewed data gives some of several pages, read by the rules below), most answered by a single
request and so one consistent snapshot: every record present throughout is read, and records
already yielded are not yielded again. A slice that cannot be split (one
second holds more than a page, or there is no ``created_at``) is read again in page order instead,
a *pass* at a time, until a pass is complete: its ``meta.total`` never fell and it saw at least as
many distinct records as the total it started with (an added record only pushes others onto pages
not yet read), or every total is the same and the records read over all passes reach it; after
:data:`MAX_PASSES` the pull fails with :class:`CluePagingError` rather than return a short result.
No count can reveal an insert and a delete landing together between two page reads of a first
pass; a closed past window (no inserts) is immune to that. A server whose total never moves while
its pages hold fewer records, the same ones pass after pass, contradicts itself: the error says
so, not that records moved.

**A crowded second** (a bulk import) whose pass in page order is not complete either, as when the
API lists a second's records in another order on every request, is split by the enum filters
instead (:mod:`~airflow_provider_clue.api.enum_split`), one dimension at a time while a part holds more
than a page, so that each part is one request; the parts' ``meta.total`` values must add up to the
second's (read again up to :data:`MAX_PASSES` times, then :class:`CluePagingError`). A part with
every enum filter fixed that still holds more than a page is read in passes for as long as its
``meta.total`` stays put and passes keep finding records not read before: it fails only once
:func:`fruitless_passes_allowed` passes in a row found none (were the order random, a record still
missing would have shown in one of them with a probability of ``1 - 10**-6``), at most ``total``
passes that each add one record plus those. The requests spent on crowded seconds are in the
pull's stats.
"""

from __future__ import annotations

import math
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING

from airflow_provider_clue.api.client import PullClient
from airflow_provider_clue.api.concurrent_fetch import fetch_ahead
from airflow_provider_clue.api.enum_split import enum_split, fixed_codes
from airflow_provider_clue.api.paging import PageWalker, fetch_in_order
from airflow_provider_clue.api.window_slices import seconds_in, split_bounds
from airflow_provider_clue.exceptions import CluePagingError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from airflow_provider_clue.api.client import ClueClient
    from airflow_provider_clue.api.enum_split import EnumSplit
    from airflow_provider_clue.api.envelope import CluePage, Record
    from airflow_provider_clue.api.paging import PageMapper
    from airflow_provider_clue.api.query import CustomerQuery
    from airflow_provider_clue.api.request_counts import WarningLogger

PROGRESS_INTERVAL = 15.0
MAX_PASSES = 3
SLICE_RECORDS = 10_000
_MOVING = "records kept moving between pages while they were read (try again, or pull a smaller window)"
_CONTRADICTION = (
    "meta.total is {total} on every page, but the pages held only those {read} distinct records, the same ones "
    "on every pass: the server contradicts itself (nothing moved, and reading again does not change its answers)"
)
_UNWINDOWED = (
    "records moved between pages while they were read, which an order that changes between requests does "
    "without any new record; pass a created_at window: a windowed pull is read in slices down to one second "
    "and split further, which such an order cannot defeat"
)
_CROWDED_SECOND = (
    "one second holds more records than a page ({total} > {page_size}) with every enum filter it can be split by "
    "fixed, and they moved between pages while they were read (the API may list a second's records in another "
    "order on every request): ask for larger pages (per_page) if the server allows them"
)
_FRUITLESS = (
    "meta.total is {total} throughout, and the last {fruitless} passes found no record not read before, which a "
    "random order would have shown: the server's pages of this second leave some of its records out. One second "
    "holds more records than a page ({total} > {page_size}) with every enum filter it can be split by fixed: ask "
    "for larger pages (per_page) if the server allows them"
)
# How unlikely a record still missing is to stay hidden from passes in random order before a crowded
# second's reading gives up (see fruitless_passes_allowed)
MISSED_RECORD_ODDS = 1e-6


@dataclass
class PullStats:
    """What a pull has done so far."""

    total: int | None = None
    slices: int = 0
    largest_slice: int = 0
    passes: int = 0
    pages: int = 0
    records: int = 0
    duplicates: int = 0
    retries: int = 0
    total_changed: bool = False
    max_concurrency: int = 1
    lowest_concurrency: int = 1
    seconds: float = 0.0
    crowded_seconds: int = 0
    crowded_second_requests: int = 0
    most_crowded_second_requests: int = 0

    def note_crowded_second(self, requests: int) -> None:
        """Count a crowded second read with ``requests`` requests."""
        self.crowded_seconds += 1
        self.crowded_second_requests += requests
        self.most_crowded_second_requests = max(self.most_crowded_second_requests, requests)

    def as_dict(self) -> dict[str, object]:
        """JSON-safe figures for a summary or an XCom."""
        return {
            "total": self.total,
            "slices": self.slices,
            "largest_slice": self.largest_slice,
            "passes": self.passes,
            "pages": self.pages,
            "records": self.records,
            "duplicates": self.duplicates,
            "retries": self.retries,
            "total_changed": self.total_changed,
            "max_concurrency": self.max_concurrency,
            "lowest_concurrency": self.lowest_concurrency,
            "seconds": round(self.seconds, 3),
            "crowded_seconds": self.crowded_seconds,
            "crowded_second_requests": self.crowded_second_requests,
            "most_crowded_second_requests": self.most_crowded_second_requests,
        }


@dataclass
class _Slice:
    """A query still to read, with its page 1 when that was fetched (or is being fetched) already."""

    query: CustomerQuery
    split_above: int
    first_page: CluePage | Future[CluePage] | None = None

    def read_first_page(self, client: PullClient) -> CluePage:
        if isinstance(self.first_page, Future):
            return self.first_page.result()
        return self.first_page or client.get_page(self.query, 1)


@dataclass
class _Pass:
    """One walk's figures, for the completeness rule."""

    first_total: int | None = None
    fell: bool = False
    changed: bool = False
    last_total: int = 0
    ids: set[str | int] = field(default_factory=set)

    def saw_total(self, total: int) -> None:
        if self.first_total is None:
            self.first_total = total
        self.fell = self.fell or total < self.last_total
        self.changed = self.changed or total != self.first_total
        self.last_total = total


class Pull:
    """Read every record of ``query`` once (by ``id``), logging progress every ``progress_interval`` s.

    :param client: the client to fetch pages with (its limits of concurrency and rate apply, shared
        with the client's other pulls; the stop signal and the counts of requests are the pull's own).
    :param query: the validated query.
    :param logger: where progress goes (counts only: never a record's content).
    :param max_records: stop after this many distinct records (no completeness check then).
    :param slice_records: about how many records one time slice should hold.
    """

    def __init__(
        self,
        client: ClueClient,
        query: CustomerQuery,
        *,
        logger: WarningLogger,
        max_records: int | None = None,
        slice_records: int = SLICE_RECORDS,
        progress_interval: float = PROGRESS_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        max_concurrency = client.concurrency.maximum
        self.stats = PullStats(max_concurrency=max_concurrency, lowest_concurrency=max_concurrency)
        self.max_records = max_records
        self._client = PullClient(client)
        self._query = query
        self._zone = client.settings.zone
        self._log = logger
        self._max_concurrency = max_concurrency
        self._slice_records = slice_records
        self._progress_interval = progress_interval
        self._clock = clock
        self._started = 0.0
        self._retries_before = 0
        self._next_report = 0.0

    def records(self, *, check_total: Callable[[int], None] | None = None) -> Iterator[Record]:
        """Every record once, slice by slice.

        :param check_total: called with the query's ``meta.total`` after the first response and
            before any other request; it may raise to stop the pull there.
        """
        self._started = self._clock()
        self._next_report = self._started + self._progress_interval
        self._retries_before = self._client.counts.retries
        self._client.start()
        executor = ThreadPoolExecutor(self._max_concurrency, "clue-pull") if self._max_concurrency > 1 else None
        fetch_many = fetch_ahead(executor, self._max_concurrency) if executor else fetch_in_order
        pending = deque([_Slice(self._query, split_above=self._slice_records)])
        try:
            while pending and not self._reached_max_records():
                current = pending.popleft()
                if executor and pending and pending[0].first_page is None:
                    pending[0].first_page = executor.submit(self._client.get_page, pending[0].query, 1)
                first_page = current.read_first_page(self._client)
                if self.stats.total is None:
                    self.stats.total = first_page.meta.total
                    if check_total is not None:
                        check_total(first_page.meta.total)
                parts = self._parts(current, first_page)
                if parts > 1:
                    pending.extendleft(reversed(self._split(current.query, parts)))
                    continue
                self.stats.slices += 1
                yield from self._read_slice(current.query, first_page, fetch_many)
        finally:
            self._client.stop()  # its threads waiting out a Retry-After give up; the client's other pulls go on
            if executor:
                executor.shutdown(wait=True, cancel_futures=True)
        self.stats.seconds = self._clock() - self._started
        self._report("Pulled")

    def _parts(self, current: _Slice, first_page: CluePage) -> int:
        """Into how many slices ``current`` should be split (1: read it as it is)."""
        bounds = current.query.filters.created_at
        total = first_page.meta.total
        if bounds is None or total <= current.split_above or self._reached_max_records():
            return 1
        return min(math.ceil(total / self._slice_records), seconds_in(bounds))

    def _split(self, query: CustomerQuery, parts: int) -> list[_Slice]:
        assert query.filters.created_at is not None
        return [
            _Slice(replace(query, filters=query.filters.with_created_at(bounds)), split_above=2 * self._slice_records)
            for bounds in split_bounds(query.filters.created_at, parts)
        ]

    def _read_slice(
        self,
        query: CustomerQuery,
        first_page: CluePage,
        fetch_many: PageMapper,
        seen: set[str | int] | None = None,
        short: frozenset[str] = frozenset(),
        *,
        in_crowded_second: bool = False,
    ) -> Iterator[Record]:
        """Every record of one slice once: re-read in one-page slices if it moved, else in passes.

        :param seen: the ids already yielded from this slice (when it is a part of a larger one).
        :param short: enum filters known not to split this slice's second (see :meth:`_read_split`).
        :param in_crowded_second: the slice is a part of a crowded second whose requests a caller counts.
        """
        pages_before = self.stats.pages
        counted = False  # this call counts the requests of the crowded second it turned out to be
        try:
            walker = PageWalker(partial(self._client.get_page, query), path=query.path, fetch_many=fetch_many)
            own = seen is None
            seen = set() if seen is None else seen
            read_here: set[str | int] = seen if own else set()  # the ids this call's own passes read
            totals: list[int] = []
            page_size = first_page.meta.per_page
            passes = fruitless = 0
            while True:
                passes += 1
                self.stats.passes += 1
                current = _Pass()
                read_before = len(read_here)
                if passes == 2:
                    walker = PageWalker(partial(self._client.get_page, query), path=query.path)
                for page in walker.pages(first_page if passes == 1 else None):
                    self.stats.pages += 1
                    current.saw_total(page.meta.total)
                    if not totals or totals[-1] != page.meta.total:
                        totals.append(page.meta.total)
                    for record in page.records:
                        if self._is_new(record, seen, current):
                            yield record
                            if self._reached_max_records():
                                return
                    self._after_page()
                in_order = passes > 1 or fetch_many is fetch_in_order
                if read_here is not seen:
                    read_here |= current.ids
                fruitless = fruitless + 1 if len(read_here) == read_before else 0
                if _complete(current, totals, read_here, in_order=in_order):
                    self.stats.largest_slice = max(self.stats.largest_slice, len(seen))
                    self._note_total_changes(query, totals)
                    return
                parts = _one_page_parts(query, totals[-1], page_size)
                if passes == 1 and parts > 1:
                    self._log.warning(
                        "Pass 1 of %s was not complete (totals %s): reading it again in %d slices of at most one "
                        "page each, which the API answers in one request",
                        _shown(query), " -> ".join(map(str, totals)), parts,
                    )
                    yield from self._read_parts(query, parts, seen)
                    self._note_total_changes(query, totals)
                    return
                crowded = _is_crowded_second(query, totals[-1], page_size)
                counted = counted or (crowded and not in_crowded_second)
                split = enum_split(query.filters, short=short) if crowded and in_order else None
                if split is not None:
                    yield from self._read_split(query, split, totals[-1], seen, short)
                    self._note_total_changes(query, totals)
                    return
                stable = len(set(totals)) == 1
                if crowded and stable and in_order:
                    gave_up = fruitless >= fruitless_passes_allowed(totals[0], page_size)
                else:
                    gave_up = passes >= MAX_PASSES
                if gave_up:
                    raise CluePagingError(
                        f"incomplete pull: {len(read_here)} distinct records of {_shown(query)} read in {passes} "
                        f"passes ({self.stats.pages - pages_before} requests); "
                        + _why_incomplete(query, totals, len(read_here), page_size, fruitless=fruitless,
                                          passes=passes),
                        path=query.path,
                    )
                self._log.warning(
                    "Pass %d of %s was not complete (totals %s, %d distinct records): reading it again",
                    passes, _shown(query), " -> ".join(map(str, totals)), len(read_here),
                )
        finally:
            if counted:
                self.stats.note_crowded_second(self.stats.pages - pages_before)

    def _read_parts(
        self, query: CustomerQuery, parts: int, seen: set[str | int]
    ) -> Iterator[Record]:
        """Read ``query`` again as ``parts`` consecutive slices, one after another, sharing ``seen``."""
        assert query.filters.created_at is not None
        for bounds in split_bounds(query.filters.created_at, parts):
            part = replace(query, filters=query.filters.with_created_at(bounds))
            self.stats.slices += 1
            yield from self._read_slice(part, self._client.get_page(part, 1), fetch_in_order, seen)
            if self._reached_max_records():
                return

    def _read_split(
        self,
        query: CustomerQuery,
        split: EnumSplit,
        total: int,
        seen: set[str | int],
        short: frozenset[str] = frozenset(),
    ) -> Iterator[Record]:
        """Read a crowded second again as the parts of ``split``, until their totals add up to its ``total``.

        A part of at most one page is one request, so one consistent snapshot; a larger one is split
        again by the next open dimension, or read in passes when every one is fixed. A dimension whose
        parts fall short (records with none of its codes) is ``short``: not used again for this second.
        """
        attempt = 1
        while True:
            totals = []
            for filters in split.parts:
                part = replace(query, filters=filters)
                first_page = self._client.get_page(part, 1)
                totals.append(first_page.meta.total)
                self.stats.slices += 1
                crowded = first_page.meta.total > first_page.meta.per_page
                nested = enum_split(filters, short=short) if crowded else None
                if nested is None:
                    yield from self._read_slice(part, first_page, fetch_in_order, seen, short, in_crowded_second=True)
                else:
                    self.stats.pages += 1
                    yield from self._read_split(part, nested, first_page.meta.total, seen, short)
                if self._reached_max_records():
                    return
            problem = split.shortfall(totals, total)
            if problem is None:
                self._log.info(
                    "%s holds %d records, more than a page, that did not add up when paged: read as %d parts by %s "
                    "(%s)", _shown(query), total, len(totals), split.dimension, " + ".join(map(str, totals)),
                )
                return
            if sum(totals) < total:  # records outside this dimension's codes: another may still cover them
                short |= {split.dimension}
                other = enum_split(query.filters, short=short)
                if other is not None:
                    self._log.warning("%s: %s; splitting it by %s instead", _shown(query), problem, other.dimension)
                    split = other
                    continue
            if attempt == MAX_PASSES:
                raise CluePagingError(f"incomplete pull of {_shown(query)}: {problem}", path=query.path)
            self._log.warning("%s: %s; reading the parts again", _shown(query), problem)
            attempt += 1
            total = self._client.get_page(replace(query, per_page=1), 1).meta.total
            self.stats.pages += 1

    def _note_total_changes(self, query: CustomerQuery, totals: list[int]) -> None:
        if len(totals) == 1:
            return
        self.stats.total_changed = True
        self._log.warning(
            "meta.total of %s changed while it was read (%s); it was read until the counts added up, but "
            "records added during the pull may be missing if the window reaches the present",
            _shown(query), " -> ".join(map(str, totals)),
        )

    def _is_new(self, record: Record, seen: set[str | int], current: _Pass) -> bool:
        record_id = record["id"]
        current.ids.add(record_id)
        if record_id in seen:
            self.stats.duplicates += 1
            return False
        seen.add(record_id)
        self.stats.records += 1
        return True

    def _after_page(self) -> None:
        self.stats.retries = self._client.counts.retries - self._retries_before
        self.stats.lowest_concurrency = self._client.lowest_concurrency
        self.stats.seconds = self._clock() - self._started
        if self._clock() >= self._next_report:
            self._report("Progress")
            self._next_report = self._clock() + self._progress_interval

    def _reached_max_records(self) -> bool:
        return self.max_records is not None and self.stats.records >= self.max_records

    def _report(self, what: str) -> None:
        stats = self.stats
        rate = stats.records / stats.seconds if stats.seconds > 0 else 0.0
        self._log.info(
            "%s: %d records (%.0f/s) from %d pages in %d slices (%d passes), %d duplicates skipped, %d retries, "
            "concurrency %d (lowest %d)",
            what, stats.records, rate, stats.pages, stats.slices, stats.passes, stats.duplicates, stats.retries,
            stats.max_concurrency, stats.lowest_concurrency,
        )


def _complete(current: _Pass, totals: list[int], read: set[str | int], *, in_order: bool) -> bool:
    """The completeness rule (see the module's docstring)."""
    if current.first_total is None:
        return True
    if not in_order:
        return not current.changed and len(current.ids) >= current.first_total
    if not current.fell and len(current.ids) >= current.first_total:
        return True
    return len(set(totals)) == 1 and len(read) >= totals[0]


def fruitless_passes_allowed(total: int, page_size: int) -> int:
    """How many passes in a row over a crowded second (``total`` records, pages of ``page_size``) may find
    no new record before its reading gives up.

    Were the server to list the second's records in a random order on every request, each of a pass's
    ``ceil(total / page_size)`` pages would hold ``page_size`` of them drawn at random, and a record still
    missing would stay hidden from one pass with the probability ``(1 - page_size / total) ** pages``
    (at most about ``1/e``); this many passes hide it with less than :data:`MISSED_RECORD_ODDS`.
    """
    pages = math.ceil(total / page_size)
    hidden = (1 - min(page_size, total) / total) ** pages if total else 0.0
    if hidden <= 0.0:
        return MAX_PASSES
    return max(MAX_PASSES, math.ceil(math.log(MISSED_RECORD_ODDS) / math.log(hidden)))


def _why_incomplete(
    query: CustomerQuery, totals: list[int], read: int, page_size: int, *, fruitless: int, passes: int
) -> str:
    """What the server answered that left a slice's passes incomplete, and what the user can do."""
    if len(set(totals)) == 1:
        if fruitless >= passes - 1:  # every pass saw what the first saw
            return _CONTRADICTION.format(total=totals[0], read=read)
        if _is_crowded_second(query, totals[0], page_size):
            return _FRUITLESS.format(total=totals[0], fruitless=fruitless, page_size=page_size)
    moved = f"meta.total {'stayed' if len(set(totals)) == 1 else 'went'} {' -> '.join(map(str, totals))}; "
    if _is_crowded_second(query, totals[-1], page_size):
        return moved + _CROWDED_SECOND.format(total=totals[-1], page_size=page_size)
    return moved + (_MOVING if query.filters.created_at else _UNWINDOWED)


def _one_page_parts(query: CustomerQuery, total: int, page_size: int) -> int:
    """Into how many slices ``query`` splits so that each is about half a page (1: it cannot be split)."""
    bounds = query.filters.created_at
    if bounds is None or total <= page_size:
        return 1
    return min(math.ceil(total / max(1, page_size // 2)), seconds_in(bounds))


def _is_crowded_second(query: CustomerQuery, total: int, page_size: int) -> bool:
    """Whether ``query`` is one second holding more than a page (which time cannot split)."""
    bounds = query.filters.created_at
    return bounds is not None and total > page_size and seconds_in(bounds) == 1


def _shown(query: CustomerQuery) -> str:
    bounds = query.filters.created_at
    shown = f"created_at [{bounds[0]}, {bounds[1]}]" if bounds else "the query (no created_at)"
    fixed = fixed_codes(query.filters)
    return f"{shown}, {fixed}" if fixed else shown

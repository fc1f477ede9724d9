"""One pull of a query: every matching record exactly once, or a loud failure.

The API lists newest first and offers nothing but page numbers, so records added, removed or
reordered while a query is paged shift the pages under the reader. A pull therefore checks each
walk (a *pass*) and reads the query again, yielding only records not yet seen, until a pass is
known complete; after :data:`MAX_PASSES` it fails instead of returning a short result.

A pass is complete when its ``meta.total`` never fell and it saw at least as many distinct
records as the total it started with (records only added: nothing existing can be skipped), or
when every total seen so far is the same and the records read over all passes reach it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from airflow_provider_clue.exceptions import ClueBadRequestError, CluePagingError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from airflow_provider_clue.client import ClueClient, CustomerQuery, WarningLogger
    from airflow_provider_clue.envelope import Record

PROGRESS_INTERVAL = 15.0
MAX_PASSES = 3


@dataclass
class PullStats:
    """What a pull has done so far."""

    passes: int = 0
    pages: int = 0
    last_page: int = 0
    records: int = 0
    duplicates: int = 0
    retries: int = 0
    totals: list[int] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total_changed(self) -> bool:
        return len(self.totals) > 1

    def as_dict(self) -> dict[str, object]:
        """JSON-safe figures for a summary or an XCom."""
        return {
            "passes": self.passes,
            "pages": self.pages,
            "records": self.records,
            "duplicates": self.duplicates,
            "retries": self.retries,
            "totals_seen": list(self.totals),
            "seconds": round(self.seconds, 3),
        }


@dataclass
class _Pass:
    """One walk's figures, for the completeness rule."""

    first_total: int | None = None
    fell: bool = False
    last_total: int = 0
    ids: set[str | int] = field(default_factory=set)

    def saw_total(self, total: int) -> None:
        if self.first_total is None:
            self.first_total = total
        self.fell = self.fell or total < self.last_total
        self.last_total = total


class Pull:
    """Read every record of ``query`` once (by ``id``), logging progress every ``progress_interval`` s.

    :param client: the client to fetch pages with.
    :param query: the validated query.
    :param logger: where progress goes (counts only: never a record's content).
    :param max_records: stop after this many distinct records (no completeness check then).
    """

    def __init__(
        self,
        client: ClueClient,
        query: CustomerQuery,
        *,
        logger: WarningLogger,
        max_records: int | None = None,
        progress_interval: float = PROGRESS_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stats = PullStats()
        self.max_records = max_records
        self._client = client
        self._query = query
        self._log = logger
        self._progress_interval = progress_interval
        self._clock = clock
        self._seen: set[str | int] = set()

    def records(self) -> Iterator[Record]:
        started = self._clock()
        retries_before = self._client.counts.retries
        next_report = started + self._progress_interval
        while True:
            self.stats.passes += 1
            current = _Pass()
            for page in self._client.walk(self._query).pages():
                self._count_page(page.meta.total, page.meta.last_page, current)
                for record in page.records:
                    if self._is_new(record, current):
                        yield record
                        if self._reached_max_records():
                            break
                self.stats.retries = self._client.counts.retries - retries_before
                self.stats.seconds = self._clock() - started
                if self._reached_max_records():
                    break
                if self._clock() >= next_report:
                    self._report("Progress")
                    next_report = self._clock() + self._progress_interval
            if self._reached_max_records() or self._complete(current):
                break
            if self.stats.passes >= MAX_PASSES:
                raise CluePagingError(
                    f"incomplete pull: {len(self._seen)} distinct records read in {self.stats.passes} passes, but "
                    f"meta.total went {' -> '.join(map(str, self.stats.totals))}; records kept moving between pages "
                    "while they were read (try again, or pull a smaller window)",
                    path=self._query.path,
                )
            self._log.warning(
                "Pass %d of %s was not complete (totals %s, %d distinct records): reading it again",
                self.stats.passes, self._query.path, " -> ".join(map(str, self.stats.totals)), len(self._seen),
            )
        self.stats.seconds = self._clock() - started
        self._report("Pulled")
        if self.stats.total_changed:
            self._log.warning(
                "meta.total changed while paging %s (%s): every record present throughout was read once; "
                "records added during the pull may be missing if the window reaches the present",
                self._query.path, " -> ".join(map(str, self.stats.totals)),
            )

    def _count_page(self, total: int, last_page: int, current: _Pass) -> None:
        stats = self.stats
        stats.pages += 1
        stats.last_page = last_page
        current.saw_total(total)
        if not stats.totals or stats.totals[-1] != total:
            stats.totals.append(total)

    def _is_new(self, record: Record, current: _Pass) -> bool:
        self._check_window(record)
        record_id = record["id"]
        current.ids.add(record_id)
        if record_id in self._seen:
            self.stats.duplicates += 1
            return False
        self._seen.add(record_id)
        self.stats.records += 1
        return True

    def _reached_max_records(self) -> bool:
        return self.max_records is not None and self.stats.records >= self.max_records

    def _complete(self, current: _Pass) -> bool:
        if current.first_total is not None and not current.fell and len(current.ids) >= current.first_total:
            return True
        return len(set(self.stats.totals)) == 1 and len(self._seen) >= self.stats.totals[0]

    def _check_window(self, record: Record) -> None:
        """A record outside the ``created_at`` asked for means the server never saw the filters."""
        bounds = self._query.filters.created_at
        created = record.get("created_at")
        if bounds is None or not isinstance(created, str) or bounds[0] <= created <= bounds[1]:
            return
        raise ClueBadRequestError(
            f"the API returned a record created at {created}, outside the created_at [{bounds[0]}, {bounds[1]}] "
            "that was asked for: the filters did not reach it (a proxy may drop GET bodies); set the "
            "connection extra filters_in to 'query'",
            path=self._query.path,
        )

    def _report(self, what: str) -> None:
        stats = self.stats
        rate = stats.records / stats.seconds if stats.seconds > 0 else 0.0
        self._log.info(
            "%s: %d records (%.0f/s) from %d pages (pass %d, last_page %d), %d duplicates skipped, %d retries",
            what, stats.records, rate, stats.pages, stats.passes, stats.last_page, stats.duplicates, stats.retries,
        )

"""One pull of a query: every matching record once, with progress and a summary in the log."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from airflow_provider_clue.paging import SeenIds

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from airflow_provider_clue.client import ClueClient, CustomerQuery, WarningLogger
    from airflow_provider_clue.envelope import Record

PROGRESS_INTERVAL = 15.0


@dataclass
class PullStats:
    """What a pull has done so far."""

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
            "pages": self.pages,
            "records": self.records,
            "duplicates": self.duplicates,
            "retries": self.retries,
            "totals_seen": list(self.totals),
            "seconds": round(self.seconds, 3),
        }


class Pull:
    """Read every record of ``query`` once (by ``id``), logging progress every ``progress_interval`` s.

    When ``meta.total`` changes while paging (records added or removed meanwhile), the pull
    still yields each record at most once and logs a warning naming the totals seen.

    :param client: the client to fetch pages with.
    :param query: the validated query.
    :param logger: where progress goes (counts only: never a record's content).
    :param max_records: stop after this many distinct records.
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
        self._client = client
        self._query = query
        self._log = logger
        self.max_records = max_records
        self._progress_interval = progress_interval
        self._clock = clock

    def records(self) -> Iterator[Record]:
        started = self._clock()
        retries_before = self._client.counts.retries
        next_report = started + self._progress_interval
        walker = self._client.walk(self._query)
        seen = SeenIds()
        for page in walker.pages():
            stats = self.stats
            stats.pages, stats.last_page = stats.pages + 1, page.meta.last_page
            stats.totals = list(walker.progress.totals)
            for record in page.records:
                if not seen.add(record["id"]):
                    stats.duplicates += 1
                    continue
                stats.records += 1
                yield record
                if self.max_records is not None and stats.records >= self.max_records:
                    break
            stats.retries = self._client.counts.retries - retries_before
            stats.seconds = self._clock() - started
            if self.max_records is not None and stats.records >= self.max_records:
                break
            if self._clock() >= next_report:
                self._report("Progress")
                next_report = self._clock() + self._progress_interval
        self.stats.seconds = self._clock() - started
        self._report("Pulled")
        if self.stats.total_changed:
            self._log.warning(
                "meta.total changed while paging %s (%s): records were added or removed during the pull; "
                "each record read was kept once",
                self._query.path, " -> ".join(map(str, self.stats.totals)),
            )

    def _report(self, what: str) -> None:
        stats = self.stats
        rate = stats.records / stats.seconds if stats.seconds > 0 else 0.0
        self._log.info(
            "%s: page %d of %d, %d records (%.0f/s), %d duplicates skipped, %d retries",
            what, stats.pages, stats.last_page, stats.records, rate, stats.duplicates, stats.retries,
        )

"""What a sensor or trigger waits for, and the one cheap request that checks it.

:class:`WaitCondition` is plain, JSON-safe data, so it crosses to the triggerer unchanged; the
window's end may be open (``None``), meaning "now" at each check.

A count's page is checked against its filters like any page (a record outside them fails), but a
page whose records happen to match, or that is empty, cannot prove that the filters reached the
server: without them it counts the whole pool, whose newest record may well lie in a window that
ends now. So before a count releases a wait (``probe=True``, filters sent in the body), one more
one-record request counts a second in which no clue can exist, :data:`PROBE_SECOND`; anything but
0 means the server did not apply the filters, and the wait fails instead of ending.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from airflow_provider_clue.api.request_validation import check_positive_int
from airflow_provider_clue.exceptions import ClueBadRequestError
from airflow_provider_clue.windows.run_window import ClueWindow

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from airflow_provider_clue.api.async_client import AsyncClueClient
    from airflow_provider_clue.api.client import ClueClient
    from airflow_provider_clue.api.envelope import CluePage
    from airflow_provider_clue.api.query import CustomerQuery
    from airflow_provider_clue.api.request_counts import WarningLogger

# A second in which no clue can have been created (the API's first year), counted to prove that the filters arrive
PROBE_SECOND = ("1970-01-01 00:00:00", "1970-01-01 00:00:00")


@dataclass(frozen=True)
class WaitCondition:
    """At least ``min_count`` clues matching ``filters`` created in ``[start, end or now)``.

    :param start: the window's start, ISO 8601 with an offset.
    :param end: the window's end, or ``None`` for "now" at each check.
    :param filters: the API's filters without ``created_at`` (as ``ClueFilters.to_json_body``).
    """

    start: str
    end: str | None
    min_count: int
    filters: dict[str, Any]
    user_id: str | None
    stage: str

    def __post_init__(self) -> None:
        check_positive_int("min_count", self.min_count)

    def as_kwargs(self) -> dict[str, Any]:
        return asdict(self)

    def window(self, now: datetime, zone: ZoneInfo) -> ClueWindow:
        """The window to count: up to ``now`` if open, stopping short of an hour the zone's clock repeats."""
        if self.end:
            return ClueWindow(datetime.fromisoformat(self.start), datetime.fromisoformat(self.end), "explicit")
        return ClueWindow(datetime.fromisoformat(self.start), now, "explicit").ending_before_a_repeated_hour(zone)


@dataclass(frozen=True)
class CountResult:
    """How many clues matched, in which window (ISO 8601 in the connection's zone)."""

    count: int
    created_at: tuple[str, str]

    def as_xcom(self) -> dict[str, Any]:
        return {"count": self.count, "created_at": list(self.created_at)}


def count_clues(
    client: ClueClient, query: CustomerQuery, condition: WaitCondition, zone: ZoneInfo, *, probe: bool = False
) -> CountResult:
    """``meta.total`` of the condition's window, read with a one-record request (retries included).

    A window with no whole second in it yet (its start is still in the future) counts 0 without
    a request.

    :param probe: before returning a count that meets ``min_count``, prove with one more request
        that the server applies the filters (see the module's docstring).
    """
    created_at, windowed = _count_query(query, condition, zone)
    if windowed is None:
        return CountResult(0, created_at)
    count = client.get_page(windowed, 1).meta.total
    if probe and count >= condition.min_count and client.settings.filters_in == "body":
        _check_probe(client.get_page(probe_query(query), 1), count, query.path)
    return CountResult(count, created_at)


async def acount_clues(
    client: AsyncClueClient,
    query: CustomerQuery,
    condition: WaitCondition,
    zone: ZoneInfo,
    *,
    logger: WarningLogger | None = None,
    probe: bool = False,
) -> CountResult:
    """:func:`count_clues` on the async client (retries logged to ``logger``)."""
    created_at, windowed = _count_query(query, condition, zone)
    if windowed is None:
        return CountResult(0, created_at)
    count = (await client.get_page(windowed, 1, logger=logger)).meta.total
    if probe and count >= condition.min_count and client.settings.filters_in == "body":
        _check_probe(await client.get_page(probe_query(query), 1, logger=logger), count, query.path)
    return CountResult(count, created_at)


def probe_query(query: CustomerQuery) -> CustomerQuery:
    """``query`` narrowed to :data:`PROBE_SECOND`, one record a page."""
    return replace(query, filters=query.filters.with_created_at(PROBE_SECOND), per_page=1)


def _check_probe(page: CluePage, count: int, path: str) -> None:
    """The probe's page (already checked record by record) must count nothing."""
    if page.meta.total:
        raise ClueBadRequestError(
            f"counting clues created at {PROBE_SECOND[0]}, when none can exist, answered {page.meta.total}, so the "
            f"count of {count} may be of the whole pool: the filters did not reach the API (a proxy may drop GET "
            "bodies); set the connection extra filters_in to 'query'",
            path=path, page=1,
        )


def _count_query(
    query: CustomerQuery, condition: WaitCondition, zone: ZoneInfo
) -> tuple[tuple[str, str], CustomerQuery | None]:
    """The window counted now (ISO 8601 in ``zone``) and its one-record query (``None``: nothing to ask)."""
    window = condition.window(datetime.now(timezone.utc), zone)
    created_at = (window.start.astimezone(zone).isoformat(), window.end.astimezone(zone).isoformat())
    if window.is_empty():
        return created_at, None
    windowed = replace(query, filters=query.filters.with_created_at(window.api_bounds(zone)), per_page=1)
    return created_at, windowed

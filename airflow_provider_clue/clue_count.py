"""What a sensor or trigger waits for, and the one cheap request that checks it.

:class:`WaitCondition` is plain, JSON-safe data, so it crosses to the triggerer unchanged; the
window's end may be open (``None``), meaning "now" at each check.

A count's page is checked against its filters like any page (a record outside them fails), and
before a count releases a wait (``probe=True``) one more request proves that the filters reached
the server (``api.filter_probe``): the wait fails instead of ending on the whole pool's total.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from airflow_provider_clue.api.filter_probe import check_probe, needs_probe, probe_query
from airflow_provider_clue.api.request_validation import check_positive_int
from airflow_provider_clue.windows.run_window import ClueWindow

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from airflow_provider_clue.api.async_client import AsyncClueClient
    from airflow_provider_clue.api.client import ClueClient
    from airflow_provider_clue.api.query import CustomerQuery
    from airflow_provider_clue.api.request_counts import WarningLogger


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
        that the server applies the filters (``api.filter_probe``).
    """
    created_at, windowed = _count_query(query, condition, zone)
    if windowed is None:
        return CountResult(0, created_at)
    count = client.get_page(windowed, 1).meta.total
    if probe and count >= condition.min_count and needs_probe(client.settings, windowed, count):
        check_probe(client.get_page(probe_query(query), 1), count, query.path)
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
    if probe and count >= condition.min_count and needs_probe(client.settings, windowed, count):
        check_probe(await client.get_page(probe_query(query), 1, logger=logger), count, query.path)
    return CountResult(count, created_at)


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

"""One cheap request that proves the filters reach the server when they travel in a GET body.

A proxy that drops GET bodies sends a count without its filters, and the server answers the whole
pool's total. The page's records are checked against the filters (``page_matching``), but a page
whose record happens to match (the pool's newest clue lies in a window that ends now) or an empty
one proves nothing. So before a count is acted on, a count of :data:`PROBE_SECOND`, a second in
which no clue can have been created, must answer 0.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from airflow_provider_clue.exceptions import ClueBadRequestError

if TYPE_CHECKING:
    from airflow_provider_clue.api.connection_settings import ClueConnectionSettings
    from airflow_provider_clue.api.envelope import CluePage
    from airflow_provider_clue.api.query import CustomerQuery

# The API's first second, in which no clue can have been created
PROBE_SECOND = ("1970-01-01 00:00:00", "1970-01-01 00:00:00")


def needs_probe(settings: ClueConnectionSettings, query: CustomerQuery, count: int) -> bool:
    """Whether a count of ``count`` for ``query`` is to be proven: filters in a body, and a count a lost
    body could have inflated (a count of 0 is the pool's own, whatever reached the server)."""
    return count > 0 and settings.filters_in == "body" and bool(query.filters.to_json_body())


def probe_query(query: CustomerQuery) -> CustomerQuery:
    """``query`` narrowed to :data:`PROBE_SECOND`, one record a page."""
    return replace(query, filters=query.filters.with_created_at(PROBE_SECOND), per_page=1)


def check_probe(page: CluePage, count: int, path: str) -> None:
    """The probe's page (already checked record by record) must count nothing."""
    if page.meta.total:
        raise ClueBadRequestError(
            f"counting clues created at {PROBE_SECOND[0]}, when none can exist, answered {page.meta.total}, so the "
            f"count of {count} may be of the whole pool: the filters did not reach the API (a proxy may drop GET "
            "bodies); set the connection extra filters_in to 'query'",
            path=path, page=1,
        )

"""Whether a page's records match the filters its query sent.

A record created outside the ``created_at`` asked for, or whose ``operator``, ``sex``,
``is_follow`` or ``ai_call`` is not a code asked for, means the server never applied the filters
(a proxy that drops GET bodies sends the request without them). Every page either client reads
is checked here, so a pull, a single page and a count fail alike, at no extra request. A record
without the field, or with a value that is not a code, proves nothing and passes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_clue.api.api_time import API_TIME_PATTERN, CreatedWindow
from airflow_provider_clue.api.redaction import redacted_repr
from airflow_provider_clue.exceptions import ClueBadRequestError, ClueMalformedResponseError

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from airflow_provider_clue.api.envelope import CluePage, Record
    from airflow_provider_clue.api.filters import ClueFilters
    from airflow_provider_clue.api.query import CustomerQuery

CODE_FILTERS = ("operator", "sex", "is_follow", "ai_call")


def check_page_matches(query: CustomerQuery, page: CluePage, zone: ZoneInfo, *, filters_in: str) -> None:
    """Raise :class:`ClueBadRequestError` for the first record of ``page`` that contradicts ``query``'s filters.

    :param zone: the connection's zone, in which the API's ``created_at`` strings are read.
    :param filters_in: how the filters travelled (``body`` or ``query``), for the hint.
    """
    codes = asked_codes(query.filters)
    bounds = query.filters.created_at
    if bounds is None and not codes:
        return
    window = None if bounds is None else CreatedWindow(bounds, zone)
    for record in page.records:
        contradiction = _contradiction(record, window, codes, query, page)
        if contradiction is not None:
            raise ClueBadRequestError(
                f"the API returned a record {contradiction}: the filters did not reach it, "
                + ("a proxy may drop GET bodies; set the connection extra filters_in to 'query'" if filters_in == "body"
                   else "or the server ignores them"),
                path=query.path, page=page.meta.current_page,
            )


def asked_codes(filters: ClueFilters) -> dict[str, frozenset[int]]:
    """The codes each of ``operator``, ``sex``, ``is_follow`` and ``ai_call`` is restricted to, where it is."""
    codes = {}
    for name in CODE_FILTERS:
        value = getattr(filters, name)
        if value is not None:
            codes[name] = frozenset(value) if isinstance(value, tuple) else frozenset((value,))
    return codes


def _contradiction(
    record: Record, window: CreatedWindow | None, codes: dict[str, frozenset[int]], query: CustomerQuery,
    page: CluePage,
) -> str | None:
    """How ``record`` contradicts the filters, or ``None``."""
    if window is not None:
        created = record.get("created_at")
        try:
            inside = created in window
        except ValueError:
            raise ClueMalformedResponseError(
                f"created_at of a record is not a time: {redacted_repr(created, limit=60)}; expected "
                f"{API_TIME_PATTERN} in the connection's zone or ISO 8601 with an offset",
                path=query.path, page=page.meta.current_page,
            ) from None
        if not inside:
            return (
                f"created at {redacted_repr(created, limit=60)}, outside the created_at "
                f"[{window.bounds[0]}, {window.bounds[1]}] that was asked for"
            )
    for name, allowed in codes.items():
        code = _code(record.get(name))
        if code is not None and code not in allowed:
            return f"whose {name} is {code}, not one of the {name} {sorted(allowed)} that was asked for"
    return None


def _code(value: object) -> int | None:
    """A record's code as an integer (``3`` or ``"3"``), or ``None`` when it is not one."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None

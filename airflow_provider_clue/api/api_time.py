"""The API's ``created_at`` strings: one-second resolution, local time of the connection's zone."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import cached_property
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

API_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
API_TIME_PATTERN = "YYYY-MM-DD HH:MM:SS"
DEFAULT_TIMEZONE = "Asia/Shanghai"
API_YEARS = (1970, 9998)  # the years a created_at bound may name: within what every zone converts

Rounding = Literal["floor", "ceil"]
_API_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", re.ASCII)
# ISO 8601 with an offset, as Laravel serialises dates by default (``2026-10-04T04:00:00.000000Z``).
_ISO_WITH_OFFSET = re.compile(
    r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,]\d+)?(Z|z|[+-]\d{2}:?\d{2})", re.ASCII
)


def load_zone(name: str) -> ZoneInfo:
    """Return the IANA zone ``name``; ``ValueError`` if it does not exist."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as 'Asia/Shanghai'") from err


def parse_api_time(text: str, zone: ZoneInfo) -> datetime:
    """Parse ``YYYY-MM-DD HH:MM:SS`` as a wall-clock time in ``zone``; ``ValueError`` otherwise."""
    if not isinstance(text, str) or len(text) != len(API_TIME_PATTERN):
        raise ValueError(f"expected {API_TIME_PATTERN}, got {text!r}")
    try:
        naive = datetime.strptime(text, API_TIME_FORMAT)
    except ValueError as err:
        raise ValueError(f"expected {API_TIME_PATTERN}, got {text!r}") from err
    return naive.replace(tzinfo=zone)


def parse_record_time(text: object, zone: ZoneInfo) -> datetime:
    """Parse a record's ``created_at``/``updated_at`` as an aware time; ``ValueError`` otherwise.

    Either the API's ``YYYY-MM-DD HH:MM:SS``, wall-clock time in ``zone``, or ISO 8601 with ``Z``
    or an offset (Laravel's default serialisation, ``2026-10-04T04:00:00.000000Z``), whose
    fraction of a second is dropped, as the API's one-second resolution does.
    """
    if isinstance(text, str):
        if _API_TIME.fullmatch(text):
            return datetime.fromisoformat(text).replace(tzinfo=zone)
        if match := _ISO_WITH_OFFSET.fullmatch(text):
            date, clock, offset = match.groups()
            return datetime.fromisoformat(f"{date}T{clock}{'+00:00' if offset in ('Z', 'z') else offset}")
    raise ValueError(f"expected {API_TIME_PATTERN} or ISO 8601 with an offset, got {text!r}")


class CreatedWindow:
    """A query's inclusive ``created_at`` bounds (the API's strings in ``zone``), to test records against.

    :param bounds: ``(first, last)``, both ``YYYY-MM-DD HH:MM:SS``.
    :param zone: the connection's zone.
    """

    def __init__(self, bounds: tuple[str, str], zone: ZoneInfo) -> None:
        self.bounds = bounds
        self._zone = zone

    def __contains__(self, created: object) -> bool:
        """Whether a record's ``created_at`` lies inside; ``ValueError`` if it is not a time."""
        if isinstance(created, str) and _API_TIME.fullmatch(created):
            return self.bounds[0] <= created <= self.bounds[1]  # compared as the API compares them
        first, last = self._instants
        return first <= parse_record_time(created, self._zone) <= last

    @cached_property
    def _instants(self) -> tuple[datetime, datetime]:
        """The first instant whose wall clock is the first bound, the last whose wall clock is the last:
        the hour a change from summer time repeats counts in both of its passes, as the strings match it."""
        first, last = (parse_api_time(bound, self._zone) for bound in self.bounds)
        return first.replace(fold=0), last.replace(fold=1)


def format_api_time(moment: datetime, zone: ZoneInfo, *, rounding: Rounding) -> str:
    """Format ``moment`` as the API's string in ``zone``.

    A naive ``moment`` is read as wall-clock time in ``zone``; an aware one is converted. The API
    has one-second resolution: ``rounding="floor"`` drops a fraction of a second, ``"ceil"`` moves
    up to the next whole second, so an inclusive bound keeps exactly the seconds it covers.
    """
    local = moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)
    if local.microsecond:
        local = local.replace(microsecond=0)
        if rounding == "ceil":
            local += timedelta(seconds=1)
    return local.strftime(API_TIME_FORMAT)

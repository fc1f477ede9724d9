"""The API's ``created_at`` strings: one-second resolution, local time of the connection's zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

API_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
API_TIME_PATTERN = "YYYY-MM-DD HH:MM:SS"
DEFAULT_TIMEZONE = "Asia/Shanghai"

Rounding = Literal["floor", "ceil"]


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

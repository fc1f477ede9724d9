"""Checks of the route and paging arguments, done before a request is built."""

from __future__ import annotations

import re

from airflow_provider_clue.api.connection_settings import MAX_CONCURRENCY, MAX_PER_PAGE
from airflow_provider_clue.api.redaction import redacted_repr
from airflow_provider_clue.exceptions import ClueValidationError

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_STAGE = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")


def check_user_id(user_id: object) -> str:
    """``user_id`` must be a UUID such as ``40863af8-db4a-41c6-a269-eb5bc386d97f``."""
    if user_id is None or user_id == "":
        raise ClueValidationError(
            "user_id", "no user_id given and the connection has no default (set its login to the user's UUID)"
        )
    if not isinstance(user_id, str) or not _UUID.fullmatch(user_id):
        shown = redacted_repr(user_id, limit=80) if isinstance(user_id, str) and len(user_id) <= 60 else (
            type(user_id).__name__
        )
        raise ClueValidationError("user_id", f"expected a UUID like 40863af8-db4a-41c6-a269-eb5bc386d97f, got {shown}")
    return user_id


def check_stage(stage: object) -> str:
    """``stage`` (the pool stage, ``clue`` by default) must be a lower-case slug."""
    if not isinstance(stage, str) or not _STAGE.fullmatch(stage):
        shown = repr(stage) if isinstance(stage, str) and len(stage) <= 60 else type(stage).__name__
        raise ClueValidationError(
            "stage", f"expected a lower-case slug such as 'clue' (letters, digits, '_' or '-'), got {shown}"
        )
    return stage


def check_positive_int(name: str, value: object, *, maximum: int | None = None) -> int:
    """``value`` must be an int >= 1 (and <= ``maximum``); bools are refused."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1 or (maximum and value > maximum):
        allowed = f"an integer from 1 to {maximum}" if maximum else "an integer >= 1"
        raise ClueValidationError(name, f"expected {allowed}, got {value!r}")
    return value


def check_per_page(per_page: object) -> int:
    return check_positive_int("per_page", per_page, maximum=MAX_PER_PAGE)


def check_max_concurrency(max_concurrency: object) -> int:
    return check_positive_int("max_concurrency", max_concurrency, maximum=MAX_CONCURRENCY)

"""Where a ``ClueEventTrigger`` keeps its cursor: an Airflow Variable named by what the watcher watches.

The key (``events.watermark.watermark_key``) is derived from the connection, account, stage, filters and start, and
from nothing else, so the cursor survives a renamed asset, a watcher moved to another asset or DAG,
and changed pacing: what the docs promise. Before this, on Airflow 3.3, the cursor was kept in the
watched asset's state store, which belongs to one asset (and is deleted with it); a trigger that
finds no Variable takes the cursor from there once, and deletes it there.
"""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING

from airflow_provider_clue import variables
from airflow_provider_clue.compat import asset_state_store_of
from airflow_provider_clue.events.watermark import Watermark
from airflow_provider_clue.exceptions import ClueConfigurationError

if TYPE_CHECKING:
    from airflow.triggers.base import BaseEventTrigger

DESCRIPTION = "ClueEventTrigger's cursor (airflow-provider-clue)"


class VariableWatermarks:
    """The cursor in an Airflow Variable named by the key, as JSON text."""

    description = "an Airflow Variable"

    async def load(self, key: str) -> Watermark | None:
        return read_cursor(await variables.aget(key), key, self.description)

    async def save(self, key: str, watermark: Watermark) -> None:
        await variables.aput(key, json.dumps(watermark.to_json()), description=DESCRIPTION)


def latest_cursor(key: str) -> Watermark | None:
    """The cursor under ``key``, read from a task (blocking): ``None`` when there is none."""
    return read_cursor(variables.get(key), key, VariableWatermarks.description)


async def open_cursor(trigger: BaseEventTrigger, store: VariableWatermarks, key: str) -> tuple[Watermark | None, str]:
    """The cursor under ``key`` and where it was found: in ``store``, else (moved to ``store``) in the
    watched asset's state store, where Airflow 3.3 kept it before."""
    watermark = await store.load(key)
    if watermark is not None:
        return watermark, store.description
    asset_store = asset_state_store_of(trigger)
    if asset_store is None:
        return None, "nowhere yet"
    try:
        kept = await asset_store.aget(key, None)
    except ValueError:  # a trigger of several assets: their stores want one named, and held no cursor
        return None, "nowhere yet"
    watermark = read_cursor(kept, key, "the asset state store")
    if watermark is None:
        return None, "nowhere yet"
    await store.save(key, watermark)
    with contextlib.suppress(Exception):  # a copy left there is never read again: the Variable comes first
        await asset_store.adelete(key)
    return watermark, f"the asset state store, moved to {store.description}"


def read_cursor(stored: object, key: str, description: str) -> Watermark | None:
    """The cursor stored under ``key`` (``None``: none yet); one this trigger cannot read is an error, not a
    fresh start, which could skip clues or announce them twice."""
    if stored is None:
        return None
    try:
        return Watermark.from_json(stored)
    except (TypeError, ValueError):
        shown = str(stored)
        shown = shown if len(shown) <= 120 else shown[:117] + "..."
        raise ClueConfigurationError(
            "watermark",
            f"{description} holds {shown!r} under {key}, which is not a cursor this trigger wrote; restore it, or "
            "delete it to start again at the trigger's start",
        ) from None

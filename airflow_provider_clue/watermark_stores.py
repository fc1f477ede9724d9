"""Where a ``ClueEventTrigger`` keeps its cursor: the asset state store, else Airflow Variables.

Airflow gives a watcher's trigger the state store of the asset it watches from 3.3; that store
is tied to the asset and cleaned up with it. Before 3.3, or for a trigger that watches several
assets at once (the same arguments on two assets make one trigger, whose store then needs an
asset named), the cursor is a Variable. Variables have only a blocking API, so they are read and
written off the event loop, as Airflow's own sync lookups are from a coroutine. A trigger that
finds no cursor in the asset state store takes the one kept in a Variable before (an upgrade to
3.3).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from airflow_provider_clue.compat import HAS_ASSET_STATE_STORE, asset_state_store_of
from airflow_provider_clue.event_watermark import Watermark
from airflow_provider_clue.exceptions import ClueConfigurationError

if TYPE_CHECKING:
    from airflow.triggers.base import BaseEventTrigger


class WatermarkStore(Protocol):
    """Reads and writes one watcher's cursor."""

    description: str

    async def load(self, key: str) -> Watermark | None: ...

    async def save(self, key: str, watermark: Watermark) -> None: ...


class AssetStateWatermarks:
    """The cursor in the watched asset's state store (``aget`` / ``aset``, JSON values)."""

    description = "the asset state store"

    def __init__(self, store: Any) -> None:
        self._store = store

    async def load(self, key: str) -> Watermark | None:
        return _read(await self._store.aget(key, None), key, self.description)

    async def save(self, key: str, watermark: Watermark) -> None:
        await self._store.aset(key, watermark.to_json())


class VariableWatermarks:
    """The cursor in an Airflow Variable named by the key, as JSON text."""

    description = "an Airflow Variable"

    async def load(self, key: str) -> Watermark | None:
        from airflow.sdk import Variable
        from asgiref.sync import sync_to_async

        return _read(await sync_to_async(Variable.get)(key, default=None), key, self.description)

    async def save(self, key: str, watermark: Watermark) -> None:
        from airflow.sdk import Variable
        from asgiref.sync import sync_to_async

        await sync_to_async(Variable.set)(
            key, json.dumps(watermark.to_json()), description="ClueEventTrigger's cursor (airflow-provider-clue)"
        )

    async def delete(self, key: str) -> None:
        from airflow.sdk import Variable
        from asgiref.sync import sync_to_async

        await sync_to_async(Variable.delete)(key)


@dataclass
class OpenedCursor:
    """The store a watcher writes to, and the cursor it starts from (``None``: none anywhere)."""

    store: WatermarkStore
    watermark: Watermark | None
    found_in: str
    stale_variable: bool = False  # the cursor was moved from a Variable, which is to be deleted


async def open_cursor(trigger: BaseEventTrigger, key: str) -> OpenedCursor:
    """The store for ``trigger``'s cursor, and the cursor under ``key``: in that store, else in a Variable
    (kept there before an upgrade to 3.3, or while the trigger watched several assets)."""
    variables = VariableWatermarks()
    stores: list[WatermarkStore] = [variables]
    asset_store = asset_state_store_of(trigger)
    if asset_store is not None:
        watermarks = AssetStateWatermarks(asset_store)
        try:
            await watermarks.load(key)
            stores = [watermarks, variables] if HAS_ASSET_STATE_STORE else [watermarks]
        except ClueConfigurationError:
            raise
        except ValueError:  # the trigger watches several assets: the store wants one named
            pass
    for store in stores:
        watermark = await store.load(key)
        if watermark is not None:
            moved = store is not stores[0]
            if moved:
                await stores[0].save(key, watermark)
            return OpenedCursor(stores[0], watermark, store.description, stale_variable=moved)
    return OpenedCursor(stores[0], None, "nowhere yet")


def _read(stored: object, key: str, description: str) -> Watermark | None:
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

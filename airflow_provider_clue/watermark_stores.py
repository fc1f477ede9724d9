"""Where a ``ClueEventTrigger`` keeps its cursor: the asset state store, else Airflow Variables.

Airflow gives a watcher's trigger the state store of the asset it watches from 3.3; that store
is tied to the asset and cleaned up with it. Before 3.3, or for a trigger that watches several
assets at once (the same arguments on two assets make one trigger, whose store then needs an
asset named), the cursor is a Variable. Variables have only a blocking API, so they are read and
written off the event loop, as Airflow's own sync lookups are from a coroutine.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Protocol

from airflow_provider_clue.compat import asset_state_store_of
from airflow_provider_clue.event_watermark import Watermark

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
        return Watermark.from_json(await self._store.aget(key, None))

    async def save(self, key: str, watermark: Watermark) -> None:
        await self._store.aset(key, watermark.to_json())


class VariableWatermarks:
    """The cursor in an Airflow Variable named by the key, as JSON text."""

    description = "an Airflow Variable"

    async def load(self, key: str) -> Watermark | None:
        from airflow.sdk import Variable
        from asgiref.sync import sync_to_async

        return Watermark.from_json(await sync_to_async(Variable.get)(key, default=None))

    async def save(self, key: str, watermark: Watermark) -> None:
        from airflow.sdk import Variable
        from asgiref.sync import sync_to_async

        await sync_to_async(Variable.set)(
            key, json.dumps(watermark.to_json()), description="ClueEventTrigger's cursor (airflow-provider-clue)"
        )


async def watermark_store_of(trigger: BaseEventTrigger, key: str) -> tuple[WatermarkStore, Watermark | None]:
    """The store for ``trigger``'s cursor, and the cursor stored under ``key`` (``None``: none yet)."""
    store = asset_state_store_of(trigger)
    if store is not None:
        watermarks = AssetStateWatermarks(store)
        try:
            return watermarks, await watermarks.load(key)
        except ValueError:  # the trigger watches several assets: the store wants one named
            pass
    variables = VariableWatermarks()
    return variables, await variables.load(key)

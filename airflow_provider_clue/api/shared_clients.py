"""One :class:`AsyncClueClient` per connection per event loop, shared by every coroutine that uses it.

A triggerer runs its triggers as coroutines of one event loop; those of one connection share its
client, and so its bounded connection pool and its limits, instead of one pool each. The client is
closed when the last of them is done.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from airflow_provider_clue.api.async_client import AsyncClueClient

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from airflow_provider_clue.api.connection_settings import ClueConnectionSettings


@dataclass
class _Shared:
    client: AsyncClueClient
    users: int = 0


_clients: dict[tuple[asyncio.AbstractEventLoop, ClueConnectionSettings], _Shared] = {}


@asynccontextmanager
async def shared_async_client(settings: ClueConnectionSettings) -> AsyncIterator[AsyncClueClient]:
    """The running loop's client for ``settings`` (made on first use), closed after its last user leaves.

    Settings that differ in anything (a rotated token, another timeout) get a client of their own.
    """
    key = (asyncio.get_running_loop(), settings)
    shared = _clients.get(key)
    if shared is None:
        shared = _clients[key] = _Shared(AsyncClueClient(settings))
    shared.users += 1
    try:
        yield shared.client
    finally:
        shared.users -= 1
        if shared.users == 0:
            del _clients[key]
            await asyncio.shield(shared.client.aclose())  # a cancelled last user still closes every socket


def clients_in_use() -> int:
    """How many shared clients are open (in every event loop of this process)."""
    return len(_clients)

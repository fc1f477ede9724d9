"""An httpcore network backend whose connects a cancellation cannot tear in half.

httpcore opens connections with ``anyio.connect_tcp``, whose happy-eyeballs task group, when the
caller is cancelled just as the connection is made, either loses the socket (it stays open, and the
event loop holds it) or loses the cancellation (the request goes on until the server answers).
Here the connect runs in a task of its own: a cancelled caller stops waiting for it at once, and
the connection it makes is closed as soon as it is made.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import httpcore

if TYPE_CHECKING:
    from collections.abc import Iterable

_closing: set[asyncio.Task[None]] = set()  # closes of connections nobody waits for any more


class ShieldedConnectBackend(httpcore.AsyncNetworkBackend):
    """httpcore's own backend for everything, but with each TCP connect shielded from cancellation."""

    def __init__(self) -> None:
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        connecting = asyncio.ensure_future(
            self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        )
        try:
            return await asyncio.shield(connecting)
        except asyncio.CancelledError:
            connecting.add_done_callback(_close_when_connected)
            raise

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        return await self._backend.connect_unix_socket(path, timeout, socket_options)

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


def _close_when_connected(connecting: asyncio.Future[httpcore.AsyncNetworkStream]) -> None:
    if connecting.cancelled() or connecting.exception() is not None:
        return
    closing = asyncio.ensure_future(connecting.result().aclose())
    _closing.add(closing)
    closing.add_done_callback(_closing.discard)

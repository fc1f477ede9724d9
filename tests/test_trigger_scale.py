"""ClueTrigger in a crowded triggerer: one shared client per connection, no thread held, and a
cancelled trigger stops its request or its retry wait at once, leaving no socket open."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import TYPE_CHECKING, Any

import psutil
import pytest

from airflow_provider_clue.api import async_client, shared_clients
from airflow_provider_clue.compat import aget_connection
from airflow_provider_clue.triggers.clue import ClueTrigger

if TYPE_CHECKING:
    from airflow_provider_clue.testing import ClueEmulator

START = "2026-11-10T00:00:00+08:00"  # after the emulator's records: the clues never come


def trigger(conn_id: str = "clue_default", poke_interval: float = 0.05) -> ClueTrigger:
    return ClueTrigger(clue_conn_id=conn_id, start=START, end=None, min_count=1, filters={}, user_id=None,
                       stage="clue", poke_interval=poke_interval)


def connect(emulator: ClueEmulator, monkeypatch: pytest.MonkeyPatch, conn_id: str = "clue_default", **extra: Any):
    for name, value in emulator.airflow_env(conn_id, **extra).items():
        monkeypatch.setenv(name, value)


def open_sockets_to(port: int) -> int:
    """This process's TCP connections to ``port`` (the client sides; the in-process emulator's are from it)."""
    return sum(1 for c in psutil.Process().net_connections("tcp") if c.raddr and c.raddr.port == port)


def emulator_port(emulator: ClueEmulator) -> int:
    return int(emulator.url.rsplit(":", 1)[1])


async def start(triggers: list[ClueTrigger]) -> list[asyncio.Task[Any]]:
    return [asyncio.create_task(anext(aiter(t.run()))) for t in triggers]


async def until(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)


async def cancel(tasks: list[asyncio.Task[Any]]) -> float:
    """Cancel ``tasks`` and wait for them to end; the seconds that took."""
    began = time.monotonic()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return time.monotonic() - began


def test_triggers_of_one_connection_share_one_client_closed_after_the_last(make_emulator, monkeypatch):
    emulator = make_emulator(records=10)
    connect(emulator, monkeypatch)
    connect(emulator, monkeypatch, "clue_other", timeout=12)

    async def run() -> None:
        ours = await start([trigger() for _ in range(20)])
        await until(lambda: len(emulator.requests) >= 40)
        assert shared_clients.clients_in_use() == 1
        others = await start([trigger("clue_other") for _ in range(3)])
        await until(lambda: shared_clients.clients_in_use() == 2)
        await cancel(ours[:-1])
        assert shared_clients.clients_in_use() == 2  # one trigger still uses the first client
        await cancel(ours[-1:])
        assert shared_clients.clients_in_use() == 1
        await cancel(others)
        assert shared_clients.clients_in_use() == 0

    asyncio.run(run())
    assert open_sockets_to(emulator_port(emulator)) == 0


@pytest.mark.parametrize("bound", [4, 25])  # 25: three httpx clients of 10, 10 and 5 connections
def test_the_shared_client_bounds_the_connections_of_all_its_triggers(make_emulator, monkeypatch, bound):
    monkeypatch.setattr(async_client, "MAX_CONNECTIONS", bound)
    emulator = make_emulator(records=10, latency=0.2)
    connect(emulator, monkeypatch)

    async def run() -> None:
        tasks = await start([trigger() for _ in range(2 * bound)])
        await until(lambda: len(emulator.requests) >= 6 * bound)
        await cancel(tasks)

    asyncio.run(run())
    ports = {request.client_port for request in emulator.requests}
    assert len(ports) == bound, f"{2 * bound} triggers used {len(ports)} connections, not all {bound} of the pool"


def test_a_check_holds_no_thread(make_emulator, monkeypatch):
    emulator = make_emulator(records=10, latency=0.5)
    connect(emulator, monkeypatch)
    seen: dict[str, Any] = {}

    async def run() -> None:
        await aget_connection("clue_default")  # Airflow's lookup starts its one thread (asgiref's), not ours
        before = {thread.ident for thread in threading.enumerate()}
        tasks = await start([trigger() for _ in range(30)])
        await asyncio.sleep(0.3)  # every check is now waiting for the emulator's answer
        seen["new threads"] = [t.name for t in threading.enumerate() if t.ident not in before]
        seen["default executor"] = asyncio.get_running_loop()._default_executor  # type: ignore[attr-defined]
        await cancel(tasks)

    asyncio.run(run())
    assert len(emulator.requests) == 0  # no check was answered yet when the threads were counted
    new_threads = [name for name in seen["new threads"] if not name.startswith("Thread-")]  # the emulator's
    assert new_threads == [] and seen["default executor"] is None  # asyncio.to_thread's pool never used


@pytest.mark.parametrize("where", ["in flight", "in its retry wait"])
def test_a_cancelled_trigger_stops_at_once_and_leaves_no_socket(make_emulator, monkeypatch, where):
    emulator = make_emulator(records=10, latency=30.0 if where == "in flight" else 0.0)
    if where == "in its retry wait":
        emulator.set_faults(rate_limit=1.0, retry_after="60")
    connect(emulator, monkeypatch)
    port = emulator_port(emulator)

    async def run() -> float:
        tasks = await start([trigger() for _ in range(10)])
        if where == "in flight":
            await until(lambda: open_sockets_to(port) == 10)
        else:
            await until(lambda: len(emulator.requests) == 10)
            await asyncio.sleep(0.1)
        return await cancel(tasks)

    seconds = asyncio.run(run())
    assert seconds < 2.0, f"cancelling took {seconds:.1f}s"
    assert shared_clients.clients_in_use() == 0
    assert open_sockets_to(port) == 0
    if where == "in its retry wait":
        assert [request.status for request in emulator.requests] == [429] * 10


def test_httpx_request_lines_never_show_the_filters_of_a_query_string(make_emulator, monkeypatch, caplog):
    emulator = make_emulator(records=10)
    connect(emulator, monkeypatch, filters_in="query")
    phone_filter = ClueTrigger(clue_conn_id="clue_default", start=START, end=None, min_count=1,
                               filters={"phone": "13800138000", "email": "lead@example.cn"}, user_id=None,
                               stage="clue", poke_interval=0.05)

    async def run() -> None:
        tasks = await start([phone_filter])
        await until(lambda: len(emulator.requests) >= 2)
        await cancel(tasks)

    with caplog.at_level("INFO", logger="httpx"):
        asyncio.run(run())
    assert "13800138000" in emulator.requests[0].query  # the filters went in the query string
    lines = [record.getMessage() for record in caplog.records if record.name == "httpx"]
    assert lines and all("get_customer" in line for line in lines)
    assert not any("13800138000" in line or "lead%40example.cn" in line or "page=" in line for line in lines)


def test_cancelling_more_triggers_than_the_pool_holds_stops_them_all_and_closes_every_socket(
    make_emulator, monkeypatch
):
    """150 triggers on a pool of 100, cancelled just as their connections are made: the race in which
    anyio's connect loses the socket or the cancellation (tasks then ran on until the API answered)."""
    emulator = make_emulator(records=10, latency=20.0)
    connect(emulator, monkeypatch)
    port = emulator_port(emulator)

    async def run() -> tuple[float, int]:
        tasks = await start([trigger() for _ in range(150)])
        await until(lambda: open_sockets_to(port) >= 100)
        seconds = await cancel(tasks)
        await asyncio.sleep(0.3)
        return seconds, open_sockets_to(port)

    seconds, sockets_left = asyncio.run(run())
    assert seconds < 2.0, f"cancelling took {seconds:.1f}s"
    assert sockets_left == 0
    assert shared_clients.clients_in_use() == 0

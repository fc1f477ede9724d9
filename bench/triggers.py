"""One bench child: N ClueTrigger waits on one event loop, as a triggerer runs them, for S seconds.

``python bench/triggers.py {async,thread} --triggers N --seconds S --poke P`` with the connection
``clue_default`` in ``AIRFLOW_CONN_CLUE_DEFAULT``; prints one JSON object: the run's wall-clock start
and end, the event loop's lag (a 50 ms heartbeat), RSS before and after, and, after cancelling every
trigger, how long that took and the threads and sockets to the API left behind.

- ``async``: :class:`~airflow_provider_clue.triggers.clue.ClueTrigger` as it is.
- ``thread``: the 0.1 trigger, the baseline: the same checks in ``asyncio.to_thread`` with one
  blocking client per trigger (the event loop's default pool: ``min(32, CPUs + 4)`` threads).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import psutil

from airflow_provider_clue.api.client import ClueClient
from airflow_provider_clue.api.connection_settings import ClueConnectionSettings
from airflow_provider_clue.clue_count import WaitCondition, count_clues
from airflow_provider_clue.compat import aget_connection
from airflow_provider_clue.triggers.clue import ClueTrigger

HEARTBEAT = 0.05
START = "2026-11-10T00:00:00+08:00"  # after the emulator's records: the clues never come
CONN_ID = "clue_default"
RESULT_MARK = "RESULT "


async def async_wait(poke: float) -> None:
    trigger = ClueTrigger(clue_conn_id=CONN_ID, start=START, end=None, min_count=1, filters={}, user_id=None,
                          stage="clue", poke_interval=poke)
    async for _event in trigger.run():
        return


async def thread_wait(poke: float) -> None:
    """The 0.1 ClueTrigger.run: a blocking client per trigger, each check in the loop's default thread pool."""
    settings = ClueConnectionSettings.from_connection(await aget_connection(CONN_ID))
    stopping = threading.Event()
    client = ClueClient(settings, logger=logging.getLogger("bench"), sleep=stopping.wait)
    condition = WaitCondition(start=START, end=None, min_count=1, filters={}, user_id=None, stage="clue")
    try:
        query = client.query(per_page=1)
        while True:
            result = await asyncio.to_thread(count_clues, client, query, condition, settings.zone)
            if result.count >= condition.min_count:
                return
            await asyncio.sleep(poke)
    finally:
        stopping.set()
        client.close()


async def heartbeat(lags: list[float]) -> None:
    while True:
        began = time.monotonic()
        await asyncio.sleep(HEARTBEAT)
        lags.append(time.monotonic() - began - HEARTBEAT)


def sockets_to(port: int) -> int:
    return sum(1 for c in psutil.Process().net_connections("tcp") if c.raddr and c.raddr.port == port)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


async def run(args: argparse.Namespace, port: int) -> dict[str, Any]:
    process = psutil.Process()
    wait = async_wait if args.implementation == "async" else thread_wait
    await aget_connection(CONN_ID)  # Airflow's connection lookup starts its own thread (asgiref's) once
    threads_before = {thread.ident for thread in threading.enumerate()}
    rss_before = process.memory_info().rss
    lags: list[float] = []
    beat = asyncio.create_task(heartbeat(lags))
    started = time.time()
    tasks = [asyncio.create_task(wait(args.poke)) for _ in range(args.triggers)]
    rss_peak = rss_before
    deadline = time.monotonic() + args.seconds
    while (left := deadline - time.monotonic()) > 0:
        await asyncio.sleep(min(1.0, left))
        rss_peak = max(rss_peak, process.memory_info().rss)
    ended = time.time()
    ended_early = sum(1 for task in tasks if task.done())
    began_cancel = time.monotonic()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    cancel_seconds = time.monotonic() - began_cancel
    beat.cancel()
    await asyncio.sleep(0.1)
    return {
        "implementation": args.implementation,
        "triggers": args.triggers,
        "started": started,
        "ended": ended,
        "ended_early": ended_early,
        "lag_p99": percentile(lags, 0.99),
        "lag_max": max(lags, default=0.0),
        "heartbeats": len(lags),
        "rss_before": rss_before,
        "rss_peak": rss_peak,
        "cancel_seconds": cancel_seconds,
        "threads_left": sorted(t.name for t in threading.enumerate() if t.ident not in threads_before),
        "sockets_left": sockets_to(port),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("implementation", choices=("async", "thread"))
    parser.add_argument("--triggers", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--poke", type=float, default=5.0)
    parser.add_argument("--url", required=True, help="the emulator's URL (for counting sockets to it)")
    args = parser.parse_args()
    port = urlsplit(args.url).port or 443
    loop = asyncio.new_event_loop()
    try:
        result = loop.run_until_complete(run(args, port))
    finally:
        # Not loop.shutdown_default_executor(): a thread still blocked in a request would hold the exit.
        loop.close()
    print(RESULT_MARK + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()

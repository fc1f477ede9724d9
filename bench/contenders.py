"""One measured pull per process: ``python bench/contenders.py NAME --url URL --token T --user-id U``.

Prints one JSON line on stdout (everything else, Airflow's logs included, goes to stderr) with
``seconds`` (the pull alone, after imports), ``records``, ``unique_ids``, ``ids_sha256`` (of the
sorted unique ids joined by newlines) and ``peak_rss_bytes`` (read right after the pull, before
the untimed id check). The clue and HTTP contenders read their Airflow connections from the
``AIRFLOW_CONN_CLUE_DEFAULT`` and ``AIRFLOW_CONN_BENCH_HTTP`` environment variables.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import os
import resource
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

# The API's inclusive created_at bounds (Asia/Shanghai) that hold every emulator record.
API_WINDOW = ("2026-10-01 00:00:00", "2026-10-31 23:59:59")
# The same window as ClueSearchOperator takes it: half-open [start, end).
OPERATOR_WINDOW = ("2026-10-01 00:00:00", "2026-11-01 00:00:00")
FILTERS = {"created_at": list(API_WINDOW)}
CLUE_CONN_ID = "clue_default"
HTTP_CONN_ID = "bench_http"
_RSS_UNIT = 1 if sys.platform == "darwin" else 1024  # ru_maxrss is in KiB on Linux

T = TypeVar("T")
Rows = list[dict[str, Any]]
Result = dict[str, Any]


def id_digest(ids: Iterable[str]) -> tuple[int, str]:
    """``(number of unique ids, sha256 hex of the sorted unique ids joined by newlines)``."""
    unique = sorted(set(ids))
    return len(unique), hashlib.sha256("\n".join(unique).encode()).hexdigest()


def customer_path(user_id: str) -> str:
    return f"/agent-api/user/{user_id}/type/clue/get_customer"


def timed(pull: Callable[[], T]) -> tuple[T, Result]:
    """Run ``pull``; return its result and ``{"seconds", "peak_rss_bytes"}``."""
    started = time.perf_counter()
    value = pull()
    seconds = time.perf_counter() - started
    return value, {"seconds": seconds, "peak_rss_bytes": peak_rss_bytes()}


def peak_rss_bytes() -> int:
    """This process's peak resident set size.

    On Linux this is ``VmHWM`` of the process's own memory: ``ru_maxrss`` is not, because the
    kernel carries the parent's peak across the fork and exec that started this child, and the
    parent holds the emulator (hundreds of MiB at a million records).
    """
    with contextlib.suppress(OSError), open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * _RSS_UNIT


def ids_result(ids: list[str], figures: Result) -> Result:
    unique, digest = id_digest(ids)
    return {**figures, "records": len(ids), "unique_ids": unique, "ids_sha256": digest}


def rows_result(rows: Rows, figures: Result) -> Result:
    return ids_result([str(row["id"]) for row in rows], figures)


def page_loop(get: Callable[..., Any], args: argparse.Namespace) -> Rows:
    """The vendor's Python example, looped over pages until ``meta.last_page``; rows kept in a list."""
    url = args.url + customer_path(args.user_id)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {args.token}"}
    rows: Rows = []
    page = 1
    while True:
        response = get(url, params={"page": page, "per_page": args.per_page}, headers=headers, data=json.dumps(FILTERS))
        body = response.json()
        rows.extend(body["data"])
        if not body["data"] or page >= body["meta"]["last_page"]:
            return rows
        page += 1


def naive(args: argparse.Namespace) -> Result:
    """``requests.get`` per page, as the vendor's snippet: a new connection for every request."""
    import requests

    return rows_result(*timed(lambda: page_loop(requests.get, args)))


def session(args: argparse.Namespace) -> Result:
    """One ``requests.Session`` for every page: the baseline."""
    import requests

    with requests.Session() as http:
        return rows_result(*timed(lambda: page_loop(http.get, args)))


def http_provider(args: argparse.Namespace) -> Result:
    """Airflow's ``HttpOperator`` with a ``pagination_function``; the filters go as a JSON body."""
    from airflow.providers.http.operators.http import HttpOperator

    rows: Rows = []

    def next_page(response: Any) -> dict[str, Any] | None:
        meta = response.json()["meta"]
        return {"data": {"page": meta["current_page"] + 1}} if meta["current_page"] < meta["last_page"] else None

    def collect(responses: list[Any]) -> int:
        for response in responses:
            rows.extend(response.json()["data"])
        return len(rows)

    operator = HttpOperator(
        task_id="bench", http_conn_id=HTTP_CONN_ID, method="GET", endpoint=customer_path(args.user_id),
        data={"page": 1, "per_page": args.per_page}, request_kwargs={"json": FILTERS},
        pagination_function=next_page, response_filter=collect,
    )
    _, figures = timed(lambda: operator.execute(context={}))
    return rows_result(rows, figures)


def clue_sequential(args: argparse.Namespace) -> Result:
    """``ClueHook(max_concurrency=1).iter_customers`` into a list."""
    from airflow_provider_clue.hooks.clue import ClueHook

    hook = ClueHook(clue_conn_id=CLUE_CONN_ID, max_concurrency=1)
    return rows_result(*timed(lambda: list(hook.iter_customers(filters=FILTERS, per_page=args.per_page))))


def clue_operator(args: argparse.Namespace, *, max_concurrency: int | None) -> Result:
    """``ClueSearchOperator`` writing JSON Lines to a temporary file, read back (untimed) for the ids."""
    from collections import defaultdict
    from types import SimpleNamespace

    from airflow_provider_clue.operators.clue import ClueSearchOperator

    preload_execute_imports()
    with tempfile.TemporaryDirectory(prefix="clue-bench-") as folder:
        warm_object_storage(Path(folder))
        path = Path(folder) / "out.jsonl"
        operator = ClueSearchOperator(
            task_id="bench", clue_conn_id=CLUE_CONN_ID, created_at=args.created_at or list(OPERATOR_WINDOW),
            destination=path.as_uri(), per_page=args.per_page, max_concurrency=max_concurrency,
        )
        wait_until(args.start_at)
        summary, figures = timed(lambda: operator.execute({"outlet_events": defaultdict(SimpleNamespace)}))
        with path.open(encoding="utf-8") as lines:
            ids = [str(json.loads(line)["id"]) for line in lines]
    return {**ids_result(ids, figures), "operator_count": summary["count"], "stats": summary["stats"]}


def wait_until(moment: float | None) -> None:
    """Sleep until Unix time ``moment`` (when given), so that pulls in several processes start together."""
    if moment is not None:
        time.sleep(max(0.0, moment - time.time()))


def preload_execute_imports() -> None:
    """Import, untimed, what ``ClueSearchOperator.execute`` imports lazily (about 60 ms, ``requests`` included).

    The operator's module stays light for DAG parsing and imports the hook inside ``execute``;
    the other contenders have their modules (``requests``, the HTTP provider) imported before
    timing too.
    """
    import airflow_provider_clue.hooks.clue
    import airflow_provider_clue.outputs.output_writers
    import airflow_provider_clue.windows.run_window  # noqa: F401


def warm_object_storage(folder: Path) -> None:
    """Write one object through ``ObjectStoragePath``, untimed.

    Its first use in a process loads Airflow's plugins and hook-lineage collector (about 0.4 s
    here); in a real task the Task Runner has done that before ``execute``, so it is not the pull's.
    """
    from airflow.sdk import ObjectStoragePath

    warm = ObjectStoragePath((folder / "warm").as_uri())
    with warm.open("wb") as stream:  # its write() reports lineage: the first report loads the plugins
        stream.write(b"{}\n")
    warm.unlink()


CONTENDERS: dict[str, Callable[[argparse.Namespace], Result]] = {
    "naive": naive,
    "session": session,
    "http-provider": http_provider,
    "clue-sequential": clue_sequential,
    "clue": partial(clue_operator, max_concurrency=None),
    "clue-8": partial(clue_operator, max_concurrency=8),
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", choices=CONTENDERS)
    parser.add_argument("--url", required=True, help="the API's base URL")
    parser.add_argument("--token", required=True)
    parser.add_argument("--user-id", required=True)
    parser.add_argument("--per-page", type=int, default=100)
    parser.add_argument("--created-at", nargs=2, metavar=("START", "END"),
                        help="the clue operators' window, half-open (default: the whole emulator window)")
    parser.add_argument("--start-at", type=float, help="Unix time at which the clue operators start their pull")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    result_stream = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # Airflow logs to stdout: keep stdout for the result
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    args = parse_args(argv)
    result = {"contender": args.name, **CONTENDERS[args.name](args)}
    result_stream.write(json.dumps(result) + "\n")
    result_stream.flush()


if __name__ == "__main__":
    main()

"""Run the clue API emulator: ``python -m airflow_provider_clue.testing --port 8765 --records 1000``."""

from __future__ import annotations

import argparse
import dataclasses
import signal
import sys
from typing import TYPE_CHECKING

from airflow_provider_clue.testing.components import COMPONENT_TYPES, DEFAULT_COMPONENTS
from airflow_provider_clue.testing.emulator import (
    DEFAULT_END,
    DEFAULT_START,
    DEFAULT_TOKEN,
    DEFAULT_USER_ID,
    ClueEmulator,
)
from airflow_provider_clue.testing.faults import FAULT_KINDS, FaultRates
from airflow_provider_clue.testing.throttle import ThrottleSettings

if TYPE_CHECKING:
    from types import FrameType


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m airflow_provider_clue.testing", description="Serve an emulated clue API on loopback."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (0 picks a free one; default 8765)")
    parser.add_argument("--token", default=DEFAULT_TOKEN, help=f"bearer token to accept (default {DEFAULT_TOKEN!r})")
    parser.add_argument("--user-id", action="append", dest="user_ids", metavar="UUID",
                        help=f"an account that exists (repeatable; default {DEFAULT_USER_ID})")
    parser.add_argument("--stage", action="append", dest="stages", metavar="STAGE",
                        help="a pool stage that exists (repeatable; default clue)")
    parser.add_argument("--records", type=int, default=1000, help="records per pool (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic records")
    parser.add_argument("--start", default=DEFAULT_START, help=f"first creation time (default {DEFAULT_START!r})")
    parser.add_argument("--end", default=DEFAULT_END, help=f"end of creation times (default {DEFAULT_END!r})")
    parser.add_argument("--timezone", default="Asia/Shanghai", help="zone of created_at (default Asia/Shanghai)")
    parser.add_argument("--max-per-page", type=int, default=100, help="largest page served (default 100)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each API request")
    for kind in FAULT_KINDS:
        parser.add_argument(f"--{kind.replace('_', '-')}-rate", type=float, default=0.0, dest=kind,
                            help=f"probability of a {kind} fault per request")
    parser.add_argument("--retry-after", default="1", help="Retry-After header of injected 429s (default 1)")
    parser.add_argument("--throttle", type=throttle_settings, metavar="LIMIT/WINDOW",
                        help="limit the token as Laravel's throttle does, e.g. 60/5: 60 requests per 5 s window")
    parser.add_argument("--budget-headers", action=argparse.BooleanOptionalAction, default=True,
                        help="with --throttle: send X-RateLimit-Limit/Remaining/Reset as Laravel does "
                             "(--no-budget-headers: only Retry-After, as a gateway's throttle may)")
    parser.add_argument("--shuffle-ties", action=argparse.BooleanOptionalAction, default=None,
                        help="order records of the same second differently on every request "
                             "(default: on when CLUE_EMULATOR_SHUFFLE_TIES=1)")
    parser.add_argument("--laravel-dates", action="store_true",
                        help="send created_at and updated_at as Laravel's default does: ISO 8601 in UTC")
    parser.add_argument("--string-meta", action=argparse.BooleanOptionalAction, default=None,
                        help="send meta's numbers as strings (\"per_page\": \"15\"), as older Laravel does "
                             "(default: on when CLUE_EMULATOR_STRING_META=1)")
    parser.add_argument("--component", action="append", dest="components", type=component_of, metavar="NAME:TYPE",
                        help="a component of each account's template, type text, number or date (repeatable; "
                             "default: 意向产品, 客户来源, 行业 texts, 预算 a number, 到访日期 a date)")
    return parser


def component_of(text: str) -> tuple[str, str]:
    """``NAME:TYPE`` as a ``(name, type)`` pair."""
    name, colon, kind = text.rpartition(":")
    if not colon or not name.strip() or kind not in COMPONENT_TYPES:
        allowed = ", ".join(COMPONENT_TYPES)
        raise argparse.ArgumentTypeError(f"expected NAME:TYPE with TYPE one of {allowed}, got {text!r}")
    return name, kind


def throttle_settings(text: str) -> ThrottleSettings:
    """``LIMIT/WINDOW`` (whole numbers, seconds) as :class:`ThrottleSettings`."""
    limit, slash, window = text.partition("/")
    try:
        if not slash:
            raise ValueError("the window is missing")
        return ThrottleSettings(int(limit), int(window))
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"expected LIMIT/WINDOW in whole numbers, e.g. 60/5 ({err})") from None


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        faults = FaultRates(retry_after=args.retry_after, **{kind: getattr(args, kind) for kind in FAULT_KINDS})
        emulator = ClueEmulator(
            records=args.records, seed=args.seed, token=args.token,
            user_ids=args.user_ids or (DEFAULT_USER_ID,), stages=args.stages or ("clue",),
            start=args.start, end=args.end, timezone=args.timezone, max_per_page=args.max_per_page,
            latency=args.latency, faults=faults, shuffle_ties=args.shuffle_ties, laravel_dates=args.laravel_dates,
            throttle=args.throttle and dataclasses.replace(args.throttle, budget_headers=args.budget_headers),
            string_meta=args.string_meta, components=args.components or DEFAULT_COMPONENTS,
            host=args.host, port=args.port,
        )
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _stop)
    emulator.start()
    print(f"Clue API emulator serving {emulator.url} for users {', '.join(emulator.user_ids)}", flush=True)
    print(f"{args.records} records per pool created from {args.start} to {args.end} ({args.timezone}; "
          f"--start/--end to move them); token {args.token!r}. For Airflow:", flush=True)
    [(name, value)] = emulator.airflow_env().items()
    print(f"export {name}='{value}'", flush=True)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

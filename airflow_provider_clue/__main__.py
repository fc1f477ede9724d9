"""The provider's command line: ``python -m airflow_provider_clue components --conn-id clue_default``."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import unicodedata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

COLUMNS = ("id", "name", "type", "required")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m airflow_provider_clue", description="The clue provider's tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    components = commands.add_parser(
        "components", help="list the pool template's components: the names and ids component filters take",
        description="List the components of a pool's template (GET /agent-api/user/{user_id}/customer/create): "
                    "the names and ids that filters={'components': {name: value}} takes.",
    )
    components.add_argument("--conn-id", default="clue_default", help="the clue connection (default clue_default)")
    components.add_argument("--user-id", help="whose pool (default: the connection's login)")
    components.add_argument("--json", action="store_true", help="print the components as the API sends them, as JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with contextlib.redirect_stdout(sys.stderr):  # what Airflow logs as it loads stays out of the output
        from airflow_provider_clue.exceptions import ClueError

        try:
            components = command_hook(args.conn_id).get_components(user_id=args.user_id)
        except ClueError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
    if args.json:
        print(json.dumps(components, ensure_ascii=False, indent=2))
    else:
        print(table(components))
    return 0


def command_hook(conn_id: str) -> Any:
    """A :class:`ClueHook` that reads its connection as Airflow's CLI does (its metadata database too)."""
    from airflow_provider_clue.compat import connection_outside_a_task
    from airflow_provider_clue.exceptions import ClueConfigurationError
    from airflow_provider_clue.hooks.clue import ClueHook

    class CommandHook(ClueHook):
        @classmethod
        def get_connection(cls, conn_id: str) -> Any:
            connection = connection_outside_a_task(conn_id)
            if connection is None:
                raise ClueConfigurationError(
                    "clue_conn_id", f"no connection {conn_id!r} in Airflow's metadata database, the environment "
                    "(AIRFLOW_CONN_...) or a secrets backend",
                )
            return connection

    return CommandHook(clue_conn_id=conn_id)


def table(components: list[dict[str, Any]]) -> str:
    """The components as a text table: id, name, type and whether the template requires a value."""
    from airflow_provider_clue.api.component_filters import PoolComponent

    pool = [PoolComponent.of(component) for component in components]
    rows = [list(COLUMNS)] + [[c.id, c.name, c.type, "yes" if c.required else "no"] for c in pool]
    widths = [max(_width(row[index]) for row in rows) for index in range(len(COLUMNS))]
    lines = ["  ".join(cell + " " * (width - _width(cell)) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    if not components:
        lines.append("(the template has no components)")
    return "\n".join(lines)


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


if __name__ == "__main__":
    sys.exit(main())

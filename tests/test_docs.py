"""Every Python example of README.md and docs/ runs, against the emulator, so the docs cannot rot."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_clue.compat import AIRFLOW_V_3_0_PLUS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
# the docs site's own pages (its index, the included CHANGELOG, upgrading notes, the API reference's
# entry) are structure, not topics: an example there is run, but none is required. docs/conf.py is
# Sphinx's configuration, never an example.
SITE_PAGES = {"index", "changelog", "upgrading", "reference"}
PAGES = sorted(DOCS.glob("*.md"))
EXAMPLE_PAGES = [README, *PAGES]
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
# a how-to shows a whole example DAG, its first line naming the file; tests/test_howto_dags.py and
# tests/test_dags.py run those files, so here the block is only compared with its file
EXAMPLE_FILE = re.compile(r"# (example_dags/[\w/]+\.py)\n")
HOWTOS = sorted(DOCS.glob("howto-*.md"))


def test_every_component_has_a_page():
    assert {page.stem for page in PAGES} >= {"connection", "hook", "operator", "sensor", "emulator", "troubleshooting"}
    assert {page.stem for page in PAGES} >= SITE_PAGES


@pytest.mark.parametrize("page", EXAMPLE_PAGES, ids=[page.stem for page in EXAMPLE_PAGES])
def test_the_examples_of_a_page_run(page: Path, make_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = BLOCK.findall(page.read_text())
    if page.stem not in SITE_PAGES | {"troubleshooting"}:
        assert blocks, f"{page.name} has no Python example"
    emulator = make_emulator(records=1000)
    for name, value in emulator.airflow_env().items():
        monkeypatch.setenv(name, value)
    namespace: dict[str, Any] = {"__name__": f"docs_{page.stem}"}
    for number, block in enumerate(blocks, 1):
        if EXAMPLE_FILE.match(block):
            continue
        if not AIRFLOW_V_3_0_PLUS:
            block = for_airflow_2(block, f"{page.name}, example {number}")
        exec(compile(block, f"{page.name}, example {number}", "exec"), namespace)


# README's rule for Airflow 2.11: what the examples import from airflow.sdk, and where 2.11 keeps it
AIRFLOW_2_HOMES = {
    "DAG": "from airflow.models.dag import DAG", "dag": "from airflow.decorators import dag",
    "task": "from airflow.decorators import task", "Asset": "from airflow.datasets import Dataset as Asset",
    "ObjectStoragePath": "from airflow.io.path import ObjectStoragePath",
    "Param": "from airflow.models.param import Param", "Variable": "from airflow.models.variable import Variable",
}
SDK_IMPORT = re.compile(r"^from airflow\.sdk import (.+)$", re.MULTILINE)


def for_airflow_2(block: str, where: str) -> str:
    """``block`` with its ``airflow.sdk`` imports as README tells Airflow 2.11 users to write them; an
    example that needs what only Airflow 3 has (an AssetWatcher) is skipped there, by name."""
    def rewrite(match: re.Match[str]) -> str:
        names = [name.strip() for name in match.group(1).split(",")]
        missing = [name for name in names if name not in AIRFLOW_2_HOMES]
        if missing:
            pytest.skip(f"Airflow 3.0+: {where} uses {', '.join(missing)}")
        return "\n".join(AIRFLOW_2_HOMES[name] for name in names)

    return SDK_IMPORT.sub(rewrite, block)


@pytest.mark.parametrize("page", HOWTOS, ids=[page.stem for page in HOWTOS])
def test_a_howto_shows_its_example_dag_as_the_file_holds_it(page: Path) -> None:
    shown = [block for block in BLOCK.findall(page.read_text()) if EXAMPLE_FILE.match(block)]
    assert shown, f"{page.name} shows no example DAG (a block starting '# example_dags/<file>.py')"
    for block in shown:
        match = EXAMPLE_FILE.match(block)
        assert match is not None
        assert block[match.end():] == (ROOT / match.group(1)).read_text(), f"{page.name}: {match.group(1)} differs"


@pytest.mark.parametrize("page", HOWTOS, ids=[page.stem for page in HOWTOS])
def test_a_howto_shows_every_module_of_the_dags_folder_its_dags_import(page: Path) -> None:
    """A DAG copied from the page must run beside what the page shows: a neighbour module it imports
    (``clue_output``) is on the page too."""
    import ast

    shown = set(EXAMPLE_FILE.findall(page.read_text()))
    for example in shown:
        tree = ast.parse((ROOT / example).read_text())
        imported = {node.module for node in tree.body if isinstance(node, ast.ImportFrom) and node.module}
        neighbours = {f"example_dags/{name}.py" for name in imported if (ROOT / "example_dags" / f"{name}.py").exists()}
        assert neighbours <= shown, f"{page.name} shows {example}, which imports {neighbours - shown} it does not show"


def test_every_howto_is_in_the_site_and_every_howto_dag_has_a_page() -> None:
    index = (DOCS / "index.md").read_text()
    assert HOWTOS and all(f"\n{page.stem}\n" in index for page in HOWTOS)
    shown = {match for page in HOWTOS for match in EXAMPLE_FILE.findall(page.read_text())}
    assert {f"example_dags/howto/{path.name}" for path in (ROOT / "example_dags" / "howto").glob("*.py")} <= shown


def documented_parquet_schema() -> list[tuple[str, str]]:
    """The (column, type) rows of the schema table on docs/howto-parquet-warehouse.md."""
    text = (DOCS / "howto-parquet-warehouse.md").read_text()
    return re.findall(r"^\| `(\w+)` \| `([^`]+)` \|", text, re.MULTILINE)


def test_the_connections_shown_as_environment_variables_are_valid():
    import json
    import shlex

    from airflow_provider_clue.api.connection_settings import ClueConnectionSettings

    exports = [
        line for page in EXAMPLE_PAGES for block in re.findall(r"```bash\n(.*?)```", page.read_text(), re.DOTALL)
        for line in [block.replace("\n  ", " ")] if "AIRFLOW_CONN_" in line
    ]
    assert exports
    for export in exports:
        value = shlex.split(export.split("=", 1)[1])[0]
        connection = json.loads(value)
        if connection["conn_type"] == "aws":  # the object stores of docs/howto-s3-compatible.md
            check_object_store_connection(connection)
            continue
        assert connection["conn_type"] == "clue"
        ClueConnectionSettings.from_values(
            host=connection.get("host"), token=connection["password"], user_id=connection.get("login"),
            extras=connection.get("extra"),
        )


def check_object_store_connection(connection: dict[str, Any]) -> None:
    """An aws connection as the Amazon provider's filesystem reads it: keys, endpoint, region, botocore settings."""
    from botocore.config import Config

    extra = connection["extra"]
    assert connection["login"] and connection["password"]
    assert set(extra) <= {"endpoint_url", "region_name", "config_kwargs"}, extra
    assert extra.get("endpoint_url", "https://").startswith(("http://", "https://"))
    Config(**extra.get("config_kwargs", {}))

"""Every Python example of README.md and docs/ runs, against the emulator, so the docs cannot rot."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

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
        exec(compile(block, f"{page.name}, example {number}", "exec"), namespace)


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
        assert connection["conn_type"] == "clue"
        ClueConnectionSettings.from_values(
            host=connection.get("host"), token=connection["password"], user_id=connection.get("login"),
            extras=connection.get("extra"),
        )

"""Every Python example in docs/ runs, against the emulator, so the docs cannot rot."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = sorted(DOCS.glob("*.md"))
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def test_every_component_has_a_page():
    assert {page.stem for page in PAGES} >= {"connection", "hook", "operator", "sensor", "emulator", "troubleshooting"}


@pytest.mark.parametrize("page", PAGES, ids=[page.stem for page in PAGES])
def test_the_examples_of_a_page_run(page: Path, make_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = BLOCK.findall(page.read_text())
    if page.stem != "troubleshooting" or blocks:
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
        line for page in PAGES for block in re.findall(r"```bash\n(.*?)```", page.read_text(), re.DOTALL)
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

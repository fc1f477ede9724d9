"""OpenLineage facets of ClueSearchOperator (the OpenLineage provider is a test dependency)."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_clue.operators.clue import ClueSearchOperator
from tests.operator_support import TOKEN, execution_context, point_clue_default_at

DAY = ["2026-10-02 00:00:00", "2026-10-03 00:00:00"]


@pytest.fixture
def emulator(make_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    emulator = make_emulator(records=300, token=TOKEN, max_per_page=100)
    point_clue_default_at(emulator, monkeypatch)
    return emulator


def datasets(items: list[Any]) -> list[tuple[str, str]]:
    return [(item.namespace, item.name) for item in items]


def test_a_file_pull_reports_the_pool_read_and_the_file_written(emulator, tmp_path):
    destination = f"file://{tmp_path}/{{start_date}}.jsonl"
    operator = ClueSearchOperator(task_id="pull", created_at=DAY, destination=destination)
    operator.execute(execution_context())
    lineage = operator.get_openlineage_facets_on_complete(None)
    assert datasets(lineage.inputs) == [(emulator.url, f"user/{emulator.user_id}/type/clue")]
    assert datasets(lineage.outputs) == [("file", f"{tmp_path}/2026-10-02.jsonl")]


def test_an_xcom_pull_has_no_output_dataset(emulator):
    operator = ClueSearchOperator(task_id="pull", created_at=DAY, stage="clue")
    operator.execute(execution_context())
    lineage = operator.get_openlineage_facets_on_complete(None)
    assert len(lineage.inputs) == 1 and lineage.outputs == []


def test_object_storage_names_follow_openlineage_naming():
    from airflow_provider_clue.outputs.lineage import PullLineage, operator_lineage

    pull = PullLineage("https://ai.api.example.test", "u", "clue", "s3://landing/clues/d.parquet")
    lineage = operator_lineage(pull)
    assert datasets(lineage.outputs) == [("s3://landing", "clues/d.parquet")]
    assert operator_lineage(None).inputs == []


def test_the_operator_module_imports_no_openlineage_of_its_own():
    import subprocess
    import sys

    probe = (
        "import sys, airflow.models.baseoperator; before = set(sys.modules); "
        "import airflow_provider_clue.operators.clue; "
        "print(sorted(m for m in set(sys.modules) - before if 'lineage' in m))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"

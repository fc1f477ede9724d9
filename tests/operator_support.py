"""Helpers for running ClueSearchOperator.execute() against the emulator."""

from __future__ import annotations

import gzip
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

TOKEN = "op-token-27182818"


def execution_context(**values: Any) -> dict[str, Any]:
    """The parts of a task's context the operator reads, with Airflow's own ``outlet_events``."""
    from tests.version_gates import OutletEventAccessors

    return {"outlet_events": OutletEventAccessors(), **values}


def point_clue_default_at(emulator: Any, monkeypatch: pytest.MonkeyPatch, **extra: Any) -> None:
    for name, value in emulator.airflow_env(**extra).items():
        monkeypatch.setenv(name, value)


def read_json_lines(data: bytes, *, compressed: bool = False) -> list[dict[str, Any]]:
    text = (gzip.decompress(data) if compressed else data).decode("utf-8")
    return [json.loads(line) for line in text.splitlines()]


def read_file_records(path: Path) -> list[dict[str, Any]]:
    return read_json_lines(path.read_bytes(), compressed=path.name.endswith(".gz"))


def triggering_asset_events(asset: Any, *payloads: dict[str, Any]) -> Any:
    """Airflow's ``triggering_asset_events`` for a run triggered by ``payloads`` of an asset's watcher."""
    from datetime import datetime, timezone

    from airflow.sdk.api.datamodels._generated import AssetReferenceAssetEventDagRun
    from airflow.sdk.execution_time.comms import AssetEventDagRunReferenceResult
    from airflow.sdk.execution_time.context import TriggeringAssetEventsAccessor

    reference = AssetReferenceAssetEventDagRun(name=asset.name, uri=asset.uri, extra={})
    return TriggeringAssetEventsAccessor.build(
        AssetEventDagRunReferenceResult(
            asset=reference, extra={"from_trigger": True, "payload": payload}, source_task_id=None,
            source_dag_id=None, source_run_id=None, source_map_index=None, source_aliases=[],
            timestamp=datetime.now(timezone.utc),
        )
        for payload in payloads
    )


def first_event(trigger: Any, timeout: float = 20) -> Any:
    """The payload of the first event ``trigger`` yields (``None`` if its stream ends first)."""
    import asyncio

    async def run() -> Any:
        async for event in trigger.run():
            return event.payload
        return None

    return asyncio.run(asyncio.wait_for(run(), timeout))


def sensor_context(**values: Any) -> dict[str, Any]:
    """The parts of a task's context a sensor reads: a task instance that was never rescheduled."""
    from types import SimpleNamespace

    # dag_id, task_id, run_id and map_index: Airflow 2 looks the reschedules up by them
    ti = SimpleNamespace(get_first_reschedule_date=lambda ctx: None, try_number=1, max_tries=0,
                         dag_id="clue_test", task_id="wait", run_id="clue_test_run", map_index=-1)
    return {"ti": ti, "task_instance": ti, **values}

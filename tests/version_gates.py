"""The tests' side of what differs between Airflow minors: named gates that skip a test where the
running minor lacks what it exercises (pytest prints the reason), and the Airflow-core names the
tests use that moved. The package's own differences are in ``airflow_provider_clue.compat``; the
version flags come from there, so nothing here compares versions itself."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_clue.compat import (
    AIRFLOW_V_3_0_PLUS,
    AIRFLOW_V_3_1_PLUS,
    AIRFLOW_V_3_2_PLUS,
    HAS_ASSET_STATE_STORE,
    READS_DECLARATIVE_CONNECTION_FORM,
    SUPPORTS_EVENT_TRIGGERS,
    SUPPORTS_PARTITIONS,
)

EVENT_TRIGGERS = pytest.mark.skipif(
    not SUPPORTS_EVENT_TRIGGERS,
    reason="Airflow 3.0+: asset watchers and event-driven schedules (ClueEventTrigger refuses to be built on 2.x)",
)
TASK_SDK = pytest.mark.skipif(
    not AIRFLOW_V_3_0_PLUS,
    reason="Airflow 3.0+: the Task SDK (its task runner, its trigger-failure reasons, its UI services)",
)

SDK_TIMETABLES = pytest.mark.skipif(
    not AIRFLOW_V_3_2_PLUS, reason="Airflow 3.2+: the Task SDK's timetable classes (airflow.sdk.definitions.timetables)"
)
CONNECTION_FROM_JSON = pytest.mark.skipif(
    not AIRFLOW_V_3_1_PLUS, reason="Airflow 3.1+: airflow.sdk.Connection.from_json"
)
DECLARATIVE_CONNECTION_FORM = pytest.mark.skipif(
    not READS_DECLARATIVE_CONNECTION_FORM,
    reason="Airflow 3.2+: ProvidersManager holds the declarative conn-fields (before, the hook's wtforms fields)",
)
ENV_CONNECTION_WITH_ANY_EXTRA = pytest.mark.skipif(
    not AIRFLOW_V_3_2_PLUS,
    reason="Airflow 3.2+: an env connection whose extra is not a JSON object reaches the hook "
    "(3.0 and 3.1 drop it and say the conn_id isn't defined)",
)
ASSET_STATE_STORE = pytest.mark.skipif(
    not HAS_ASSET_STATE_STORE, reason="Airflow 3.3+: the asset state store (a cursor moves there from a Variable)"
)
EXECUTE_FROM_ANY_THREAD = pytest.mark.skipif(
    not AIRFLOW_V_3_0_PLUS,
    reason="Airflow 3.0+: an operator's execute() called from another thread (Airflow 2's ExecutorSafeguard "
    "keeps its callers in a thread-local the emulator's threads lack)",
)
MULTIPLE_CRONS = pytest.mark.skipif(
    not AIRFLOW_V_3_0_PLUS, reason="Airflow 3.0+: MultipleCronTriggerTimetable (several crons in one schedule)"
)
PARTITIONS = pytest.mark.skipif(
    not SUPPORTS_PARTITIONS, reason="Airflow 3.2+: partitioned schedules (CronPartitionTimetable, partition keys)"
)

# dag.test() writes the DAG (and activates its assets) in the metadata DB from 3.1; on 3.0 the tests parse
# the dags folder into it first, as the dag-processor would
DAG_TEST_WRITES_THE_DAG = AIRFLOW_V_3_1_PLUS
# `airflow dags test` / `reserialize` put the dags folder on sys.path (as the dag-processor does) from 3.1;
# on 3.0 a DAG file that imports a neighbour needs PYTHONPATH (CONTRIBUTING.md, the Airflow matrix)
CLI_PUTS_THE_DAGS_FOLDER_ON_THE_PATH = AIRFLOW_V_3_1_PLUS
# Airflow 2's reschedule mode reads a task's earlier reschedules from the metadata DB (3.x asks the API server)
RESCHEDULE_READS_THE_DB = (
    pytest.mark.skipif(False, reason="Airflow 3 asks the API server") if AIRFLOW_V_3_0_PLUS else pytest.mark.airflow_db
)
# dag.test()'s date: logical_date from 3.0, execution_date on 2.x
DAG_TEST_DATE = "logical_date" if AIRFLOW_V_3_0_PLUS else "execution_date"
# dag.test() prints a failed task's error from 3.1
DAG_TEST_PRINTS_TASK_ERRORS = AIRFLOW_V_3_1_PLUS

if AIRFLOW_V_3_2_PLUS:
    from airflow.dag_processing.dagbag import DagBag
else:  # 2.11, 3.0, 3.1
    from airflow.models.dagbag import DagBag
if AIRFLOW_V_3_0_PLUS:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.models.xcom import XComModel
    from airflow.sdk import DAG, Connection
    from airflow.sdk.execution_time.context import OutletEventAccessors
else:  # 2.11: assets are datasets
    # a run's note refers to the UI's users table (FAB's models): known before a test writes a run
    import airflow.providers.fab.auth_manager.models  # noqa: F401
    from airflow.models.connection import Connection
    from airflow.models.dag import DAG
    from airflow.models.dataset import DatasetEvent as AssetEvent
    from airflow.models.dataset import DatasetModel as AssetModel
    from airflow.models.xcom import XCom as XComModel
    from airflow.utils.context import OutletEventAccessors

# A task sends its rendered fields to the supervisor (SetRenderedFields) from 3.0; 2.x writes them to the DB
RENDERED_FIELDS_GO_THROUGH_THE_SUPERVISOR = AIRFLOW_V_3_0_PLUS
# Manual runs may have no logical date from 3.0 (2.x gives each one)
MANUAL_RUNS_MAY_LACK_A_LOGICAL_DATE = AIRFLOW_V_3_0_PLUS


def asset_event_asset_id(event_model: Any) -> Any:
    """The column of an asset event that names its asset: ``asset_id`` (``dataset_id`` on 2.x)."""
    return getattr(event_model, "asset_id", None) or event_model.dataset_id


def asset_condition_of(timetable: Any) -> Any:
    """A timetable's asset condition (``dataset_condition`` on 2.x)."""
    return getattr(timetable, "asset_condition", None) or timetable.dataset_condition

__all__ = [
    "CLI_PUTS_THE_DAGS_FOLDER_ON_THE_PATH",
    "CONNECTION_FROM_JSON",
    "DAG",
    "DAG_TEST_DATE",
    "DAG_TEST_PRINTS_TASK_ERRORS",
    "DAG_TEST_WRITES_THE_DAG",
    "DECLARATIVE_CONNECTION_FORM",
    "ENV_CONNECTION_WITH_ANY_EXTRA",
    "EVENT_TRIGGERS",
    "EXECUTE_FROM_ANY_THREAD",
    "MANUAL_RUNS_MAY_LACK_A_LOGICAL_DATE",
    "MULTIPLE_CRONS",
    "PARTITIONS",
    "RENDERED_FIELDS_GO_THROUGH_THE_SUPERVISOR",
    "RESCHEDULE_READS_THE_DB",
    "SDK_TIMETABLES",
    "TASK_SDK",
    "AssetEvent",
    "AssetModel",
    "Connection",
    "DagBag",
    "OutletEventAccessors",
    "XComModel",
    "asset_condition_of",
    "asset_event_asset_id",
]

"""Everything that differs between the Airflow minors this package supports (2.11, and 3.0 to 3.3).

Nothing else in the package compares versions or catches ``ImportError``. Each entry says from
which minor the newer spelling exists, so an entry goes when the package's floor passes it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from airflow import __version__ as _airflow_version
from packaging.version import Version

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from airflow.sdk import Asset, BaseOperator, BaseSensorOperator, ObjectStoragePath, PokeReturnValue, Variable
    from airflow.sdk.definitions.mappedoperator import MappedOperator, OperatorPartial
    from airflow.triggers.base import BaseEventTrigger

__all__ = [
    "AIRFLOW_V_3_0_PLUS",
    "AIRFLOW_V_3_1_PLUS",
    "AIRFLOW_V_3_2_PLUS",
    "AIRFLOW_V_3_3_PLUS",
    "HAS_ASSET_STATE_STORE",
    "READS_DECLARATIVE_CONNECTION_FORM",
    "REDACTS_RENDERED_FIELDS_IN_THE_TASK",
    "SUPPORTS_EVENT_TRIGGERS",
    "SUPPORTS_PARTITIONS",
    "AirflowException",
    "AirflowFailException",
    "AirflowRescheduleException",
    "AirflowSensorTimeout",
    "AirflowSkipException",
    "Asset",
    "BaseEventTrigger",
    "BaseHook",
    "BaseOperator",
    "BaseSensorOperator",
    "MappedOperator",
    "ObjectStoragePath",
    "OperatorPartial",
    "PokeReturnValue",
    "TaskDeferred",
    "Variable",
    "aget_connection",
    "amask_secret",
    "asset_state_store_of",
    "core_cron_timetable",
    "decoded_trigger_kwarg",
    "deserialize",
    "mask_secret",
    "partition_key_zone",
    "partition_of",
    "partitioned_schedule",
    "redact",
    "scheduled_on_assets",
    "serialize",
    "timetable_attribute",
    "variable_get",
]

AIRFLOW_VERSION = Version(Version(_airflow_version).base_version)
AIRFLOW_V_3_0_PLUS = Version("3.0.0") <= AIRFLOW_VERSION
AIRFLOW_V_3_1_PLUS = Version("3.1.0") <= AIRFLOW_VERSION
AIRFLOW_V_3_2_PLUS = Version("3.2.0") <= AIRFLOW_VERSION
AIRFLOW_V_3_3_PLUS = Version("3.3.0") <= AIRFLOW_VERSION

# What the Task SDK (airflow.sdk, from 3.0) holds and Airflow 2 keeps in core modules, by the name
# used here: (its Airflow 3 module, its Airflow 2 module and name). Imported when first used
# (module __getattr__), so that importing this module, as a trigger does, imports no operator.
# Airflow 2 has no asset watchers: its BaseEventTrigger is the plain BaseTrigger (see SUPPORTS_EVENT_TRIGGERS).
_MOVED_IN_AIRFLOW_3: dict[str, tuple[str, str, str]] = {
    "Asset": ("airflow.sdk", "airflow.datasets", "Dataset"),
    "BaseEventTrigger": ("airflow.triggers.base", "airflow.triggers.base", "BaseTrigger"),
    "BaseOperator": ("airflow.sdk", "airflow.models.baseoperator", "BaseOperator"),
    "BaseSensorOperator": ("airflow.sdk", "airflow.sensors.base", "BaseSensorOperator"),
    "MappedOperator": ("airflow.sdk.definitions.mappedoperator", "airflow.models.mappedoperator", "MappedOperator"),
    "ObjectStoragePath": ("airflow.sdk", "airflow.io.path", "ObjectStoragePath"),
    "OperatorPartial": ("airflow.sdk.definitions.mappedoperator", "airflow.models.mappedoperator", "OperatorPartial"),
    "PokeReturnValue": ("airflow.sdk", "airflow.sensors.base", "PokeReturnValue"),
    "Variable": ("airflow.sdk", "airflow.models.variable", "Variable"),
}


def __getattr__(name: str) -> Any:
    try:
        airflow_3_module, airflow_2_module, airflow_2_name = _MOVED_IN_AIRFLOW_3[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    module, attribute = (airflow_3_module, name) if AIRFLOW_V_3_0_PLUS else (airflow_2_module, airflow_2_name)
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


# Asset watchers, and so ClueEventTrigger and event-driven schedules, from 3.0.
SUPPORTS_EVENT_TRIGGERS = AIRFLOW_V_3_0_PLUS

# BaseHook: airflow.sdk from 3.1.
if AIRFLOW_V_3_1_PLUS:
    from airflow.sdk import BaseHook
else:
    from airflow.hooks.base import BaseHook  # type: ignore[no-redef,attr-defined]

# Task exceptions (the sensor's, and those its tests expect): airflow.sdk.exceptions from 3.2.
if AIRFLOW_V_3_2_PLUS:
    from airflow.sdk.exceptions import (
        AirflowException,
        AirflowFailException,
        AirflowRescheduleException,
        AirflowSensorTimeout,
        AirflowSkipException,
        TaskDeferred,
    )
else:
    from airflow.exceptions import (  # type: ignore[no-redef,attr-defined]
        AirflowException,
        AirflowFailException,
        AirflowRescheduleException,
        AirflowSensorTimeout,
        AirflowSkipException,
        TaskDeferred,
    )

# The declarative connection form (conn-fields, ui-field-behaviour) is read from 3.2; before, the
# hook's get_connection_form_widgets / get_ui_field_behaviour build it.
READS_DECLARATIVE_CONNECTION_FORM = AIRFLOW_V_3_2_PLUS

# A task redacts its rendered fields with the masker before sending them from 3.1; 3.0 sends them as
# rendered, so the provider hands Airflow a redacted copy of filters there (log_masking). Airflow 2
# redacts them itself as it stores them (RenderedTaskInstanceFields).
REDACTS_RENDERED_FIELDS_IN_THE_TASK = AIRFLOW_V_3_1_PLUS or not AIRFLOW_V_3_0_PLUS


def mask_secret(secret: str) -> None:
    """Mask ``secret`` in every log line and rendered field from now on: ``airflow.sdk.log`` from 3.0."""
    if AIRFLOW_V_3_0_PLUS:
        from airflow.sdk.log import mask_secret as mask_secret_
    else:
        from airflow.utils.log.secrets_masker import mask_secret as mask_secret_  # type: ignore[no-redef]
    mask_secret_(secret)


def variable_get(key: str) -> Any:
    """The Variable ``key``, or ``None`` if there is none: its default is ``default_var`` on Airflow 2."""
    if AIRFLOW_V_3_0_PLUS:
        return __getattr__("Variable").get(key, default=None)
    return __getattr__("Variable").get(key, default_var=None)


def redact(value: Any) -> Any:
    """``value`` with every secret the task's masker knows replaced by ``***``: the Task SDK's masker
    from 3.0, core's on Airflow 2."""
    if AIRFLOW_V_3_0_PLUS:
        from airflow.sdk.execution_time.secrets_masker import redact as redact_
    else:
        from airflow.utils.log.secrets_masker import redact as redact_  # type: ignore[no-redef]
    return redact_(value)

# Partitioned schedules (CronPartitionTimetable, dag_run.partition_key) from 3.2; partition_date in
# the context from 3.3, where keys are also formatted in the timetable's zone (3.2 formats the UTC instant).
SUPPORTS_PARTITIONS = AIRFLOW_V_3_2_PLUS


async def aget_connection(conn_id: str) -> Any:
    """Read a connection without blocking the event loop: ``BaseHook.aget_connection`` from 3.1."""
    if AIRFLOW_V_3_1_PLUS:
        return await BaseHook.aget_connection(conn_id)
    from asgiref.sync import sync_to_async

    return await sync_to_async(BaseHook.get_connection)(conn_id)


def connection_outside_a_task(conn_id: str) -> Any:
    """A connection read where a command runs, with no task around it: from every place Airflow's own
    CLI reads, its metadata database included (the Task SDK's lookup reads there only the environment
    and the secrets backends). ``None`` if none of them has it."""
    from airflow.exceptions import AirflowNotFoundException  # type: ignore[attr-defined]  # sdk.exceptions from 3.2
    from airflow.models.connection import Connection

    try:
        return Connection.get_connection_from_secrets(conn_id)
    except AirflowNotFoundException:
        return None


async def amask_secret(secret: str) -> None:
    """Mask ``secret`` in logs from a coroutine: ``airflow.sdk.log.amask_secret`` from 3.3. Before,
    the sync ``mask_secret`` runs off the event loop, as the connection lookup does: in a 3.0
    triggerer it tells the supervisor through ``async_to_sync``, which refuses the loop's thread."""
    if AIRFLOW_V_3_3_PLUS:
        from airflow.sdk.log import amask_secret as amask_secret_

        await amask_secret_(secret)
        return
    if not AIRFLOW_V_3_0_PLUS:  # Airflow 2's masker is the triggerer's own, in process
        mask_secret(secret)
        return
    from asgiref.sync import sync_to_async

    await sync_to_async(mask_secret)(secret)


def serialize(value: Any) -> Any:
    """Airflow's serde, as trigger kwargs and XCom go through it: ``airflow.sdk.serde`` from 3.2."""
    if AIRFLOW_V_3_2_PLUS:
        from airflow.sdk.serde import serialize as serialize_
    else:
        from airflow.serialization.serde import serialize as serialize_  # type: ignore[no-redef]
    return serialize_(value)


def deserialize(value: Any) -> Any:
    """The inverse of :func:`serialize`."""
    if AIRFLOW_V_3_2_PLUS:
        from airflow.sdk.serde import deserialize as deserialize_
    else:
        from airflow.serialization.serde import deserialize as deserialize_  # type: ignore[no-redef]
    return deserialize_(value)


def timetable_attribute(timetable: Any, name: str) -> Any:
    """``name`` of a DAG's timetable: the Task SDK's attrs timetables (3.2+) make it public, the core
    ones a DAG holds on 3.0 and 3.1 keep it as ``_name``."""
    value = getattr(timetable, name, None)
    return value if value is not None else getattr(timetable, f"_{name}", None)


def core_cron_timetable(expression: str, zone: Any) -> Any:
    """Airflow core's ``CronTriggerTimetable`` (its ``_get_prev`` / ``_get_next`` step ticks as the
    scheduler does), or ``None`` where only the Task SDK is installed (a worker without core)."""
    try:
        from airflow.timetables.trigger import CronTriggerTimetable
    except ImportError:
        return None
    return CronTriggerTimetable(expression, timezone=zone)


def partitioned_schedule(timetable: Any) -> bool:
    """Whether a DAG's timetable makes partitioned runs (from 3.2): core timetables say so in
    ``partitioned``, the Task SDK's by their class."""
    if not SUPPORTS_PARTITIONS:
        return False
    from airflow.sdk.definitions.timetables.assets import PartitionedAssetTimetable
    from airflow.sdk.definitions.timetables.trigger import CronPartitionTimetable

    return bool(getattr(timetable, "partitioned", False)) or isinstance(
        timetable, (CronPartitionTimetable, PartitionedAssetTimetable)
    )


def partition_of(context: Mapping[str, Any]) -> tuple[str, datetime | None] | None:
    """The run's partition key and its partition date (in the context from 3.3; ``None`` before),
    or ``None`` for a run without a key (before 3.2, every run)."""
    if not SUPPORTS_PARTITIONS:
        return None
    dag_run = context.get("dag_run")
    key = context.get("partition_key") or getattr(dag_run, "partition_key", None)
    if not key:
        return None
    return key, context.get("partition_date") or getattr(dag_run, "partition_date", None)


def partition_key_zone(timetable_zone: Any) -> Any:
    """The zone a ``CronPartitionTimetable`` wrote its keys in: its own from 3.3; 3.2 formats the UTC instant."""
    return timetable_zone if AIRFLOW_V_3_3_PLUS else "UTC"


# The asset state store exists from 3.3 (earlier releases of this provider kept a watcher's cursor there).
HAS_ASSET_STATE_STORE = AIRFLOW_V_3_3_PLUS


def asset_state_store_of(trigger: Any) -> Any:
    """The asset state store Airflow gives a watcher's trigger (from 3.3; ``aget`` / ``aset`` from
    3.3.2), or ``None`` where there is none, as before 3.3 (Airflow's ``KinesisTrigger`` reads it so)."""
    store = getattr(trigger, "asset_state_store", None)
    return store if hasattr(store, "aget") and hasattr(store, "aset") else None


def scheduled_on_assets(timetable: Any) -> bool:
    """Whether asset events make a DAG's runs: its timetable holds an asset condition. Core timetables
    (what a DAG holds on 3.0 and 3.1) hold an empty ``_NullAsset`` otherwise, the Task SDK's (3.2+)
    none; Airflow 2's say dataset (``dataset_condition``, ``_NullDataset``)."""
    condition = getattr(timetable, "asset_condition", None)
    if condition is None:
        condition = getattr(timetable, "dataset_condition", None)
    return condition is not None and type(condition).__name__ not in ("_NullAsset", "_NullDataset")


# BaseSerialization's wrapper of a dict, tuple or set, {"__var": value, "__type": "dict"}, as Airflow
# 3.2's watcher path hands it to a rebuilt trigger: still encoded, its keys spelled by the enum's
# names ("Encoding.VAR"), at any depth. 3.0, 3.1 and 3.3 hand the plain values.
_ENCODED_KEYS = ({"__var", "__type"}, {"Encoding.VAR", "Encoding.TYPE"})


def decoded_trigger_kwarg(value: Any) -> Any:
    """A trigger kwarg with any BaseSerialization wrapping of dicts, tuples and sets taken off."""
    if isinstance(value, dict) and set(value) in _ENCODED_KEYS:
        value = value.get("__var", value.get("Encoding.VAR"))
    if isinstance(value, dict):
        return {key: decoded_trigger_kwarg(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [decoded_trigger_kwarg(item) for item in value]
    return value

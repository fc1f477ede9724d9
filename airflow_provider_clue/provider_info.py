"""The provider metadata Airflow discovers: the hook, the ``clue`` connection type and its form."""

from __future__ import annotations

from typing import Any

from airflow_provider_clue.api.connection_settings import EXTRA_FIELDS, FIELD_BEHAVIOUR, ExtraField

PACKAGE_NAME = "airflow-provider-clue"
HOOK_CLASS = "airflow_provider_clue.hooks.clue.ClueHook"


def provider_info(version: str) -> dict[str, Any]:
    return {
        "package-name": PACKAGE_NAME,
        "name": "Clue",
        "description": "Pull sales leads (clues) from the clue customer-pool API.",
        "versions": [version],
        "integrations": [
            {
                "integration-name": "Clue",
                "external-doc-url": "https://ai.api.longlonglong.cn",
                "tags": ["service"],
            }
        ],
        "hooks": [{"integration-name": "Clue", "python-modules": ["airflow_provider_clue.hooks.clue"]}],
        "operators": [{"integration-name": "Clue", "python-modules": ["airflow_provider_clue.operators.clue"]}],
        "sensors": [{"integration-name": "Clue", "python-modules": ["airflow_provider_clue.sensors.clue"]}],
        "triggers": [{"integration-name": "Clue", "python-modules": ["airflow_provider_clue.triggers.clue"]}],
        "connection-types": [
            {
                "connection-type": "clue",
                "hook-class-name": HOOK_CLASS,
                "hook-name": "Clue",
                "conn-fields": {extra.name: _conn_field(extra) for extra in EXTRA_FIELDS},
                "ui-field-behaviour": {key.replace("_", "-"): value for key, value in FIELD_BEHAVIOUR.items()},
            }
        ],
    }


def _conn_field(extra: ExtraField) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": [extra.type, "null"], "default": extra.default}
    if extra.enum:
        schema["enum"] = list(extra.enum)
    if extra.minimum is not None:
        schema["minimum"] = extra.minimum
    if extra.maximum is not None:
        schema["maximum"] = extra.maximum
    if extra.sensitive:
        schema["format"] = "password"
    return {"label": extra.label, "description": extra.description, "schema": schema}

"""The "Clue" connection form as the running Airflow minor's UI service reports it.

3.2+ read the declarative ``conn-fields`` of ``get_provider_info()``; 3.0 and 3.1 build the form from
the hook's ``get_connection_form_widgets`` / ``get_ui_field_behaviour``. Either way the UI shows the
same extras, labels, descriptions, defaults, choices and secrecy, all from ``EXTRA_FIELDS``.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest

from airflow_provider_clue.api.connection_settings import EXTRA_FIELDS, FIELD_BEHAVIOUR, ClueConnectionSettings
from tests.version_gates import TASK_SDK, Connection

# Airflow 2's form is Flask's, built from the same hook methods (tests/test_provider_info.py)
pytestmark = TASK_SDK


@pytest.fixture(scope="module")
def clue_form() -> tuple[dict[str, Any], list[str]]:
    """What ``GET /ui/connections/hook_meta`` answers for the ``clue`` type, and the warnings that named it."""
    from airflow.api_fastapi.core_api.services.ui.connections import HookMetaService

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        metas = HookMetaService.hook_meta_data()
    [meta] = [meta for meta in metas if meta.connection_type == "clue"]
    return meta.model_dump(mode="json"), [str(w.message) for w in caught if "clue" in str(w.message).lower()]


def test_every_extra_is_in_the_form_with_its_label_description_and_default(clue_form):
    form, _ = clue_form
    fields = form["extra_fields"]
    assert set(fields) == {extra.name for extra in EXTRA_FIELDS}
    for extra in EXTRA_FIELDS:
        field = fields[extra.name]
        assert field["schema"]["title"] == extra.label
        assert field["description"] == extra.description
        if not extra.sensitive:  # the UI masks a secret's default
            # 3.0 and 3.1 have no number field: a number is offered as its text
            assert field["value"] in (extra.default, str(extra.default))


def test_choices_and_secrets_are_marked(clue_form):
    fields = clue_form[0]["extra_fields"]
    assert fields["filters_in"]["schema"]["enum"] == ["body", "query"]
    assert fields["phone_hash_secret"]["schema"]["format"] == "password"
    assert [name for name, field in fields.items() if field["schema"].get("format") == "password"] == [
        "phone_hash_secret"
    ]


def test_standard_fields_are_relabelled_and_hidden(clue_form):
    standard = clue_form[0]["standard_fields"]
    assert standard["url_schema"]["hidden"] and standard["port"]["hidden"]
    for field, label in FIELD_BEHAVIOUR["relabeling"].items():
        assert standard[field]["title"] == label
        assert standard[field]["placeholder"] == FIELD_BEHAVIOUR["placeholders"][field]


def test_no_deprecation_warning_names_the_hook(clue_form):
    assert clue_form[1] == []


def test_values_as_the_form_saves_them_are_read_back(clue_form):
    """The form of 3.0 and 3.1 saves numbers as text; the connection reads them as numbers."""
    fields = clue_form[0]["extra_fields"]
    saved = {name: field["value"] for name, field in fields.items() if name != "phone_hash_secret"}
    connection = Connection(
        conn_id="clue_form", conn_type="clue", host="https://clue.example.invalid", password="secret-token",
        extra=json.dumps(saved),
    )
    settings = ClueConnectionSettings.from_connection(connection)
    assert (settings.timeout, settings.max_retry_wait, settings.rate_limit) == (30.0, 120.0, 0.0)
    assert settings.filters_in == "body"


def test_the_hook_builds_the_same_fields_as_wtforms_fields():
    from airflow_provider_clue.hooks.clue import ClueHook

    widgets = ClueHook.get_connection_form_widgets()  # real wtforms fields, outside the UI service
    assert list(widgets) == [extra.name for extra in EXTRA_FIELDS]
    assert ClueHook.get_ui_field_behaviour() == FIELD_BEHAVIOUR

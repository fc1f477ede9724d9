"""The ``clue`` connection form as Airflow 3.0 and 3.1 build it: from the hook's
``get_connection_form_widgets`` / ``get_ui_field_behaviour`` (3.2+ read the declarative ``conn-fields``
of ``get_provider_info()`` instead). Both forms come from :data:`EXTRA_FIELDS` and :data:`FIELD_BEHAVIOUR`.

Only the web UI's processes call these; ``wtforms`` is imported here, on demand, so a worker without
the UI's packages never needs it. Airflow's UI service swaps ``wtforms``' field classes for its own
while it reads the form, so the classes are looked up when the form is built.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_clue.api.connection_settings import EXTRA_FIELDS, ExtraField


def connection_form_widgets() -> dict[str, Any]:
    """One ``wtforms`` field per extra, keyed by the extra's name (Airflow adds the ``extra__clue__`` prefix)."""
    return {extra.name: _field(extra) for extra in EXTRA_FIELDS}


def _field(extra: ExtraField) -> Any:
    import wtforms
    from wtforms import validators

    if extra.sensitive:
        field_class = wtforms.PasswordField
    else:
        # the forms of 3.0 and 3.1 know strings, integers and booleans; a number is typed as text
        field_class = {"integer": wtforms.IntegerField, "boolean": wtforms.BooleanField}.get(
            extra.type, wtforms.StringField
        )
    checks = [validators.Optional()]
    if extra.enum:
        checks.append(validators.any_of(list(extra.enum)))
    default = str(extra.default) if extra.type == "number" else extra.default
    return field_class(extra.label, validators=checks, description=extra.description, default=default)

"""Keep the phone numbers and e-mails that filters match out of Airflow's logs and rendered fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, quote_plus

PERSONAL_FILTERS = ("phone", "email")


def mask_personal_filters(filters: Any) -> None:
    """Register the ``phone`` and ``email`` of ``filters`` (a mapping or ``ClueFilters``), and each
    component filter value that looks like a phone number or an e-mail, with Airflow's secrets
    masker, as written and URL-encoded, so no log line, rendered field or message shows them."""
    from airflow_provider_clue.compat import mask_secret

    values = [_filter_value(filters, name) for name in PERSONAL_FILTERS]
    values += [value for value in _component_values(_filter_value(filters, "components")) if _looks_personal(value)]
    for value in values:
        if isinstance(value, str) and value.strip():
            for form in {value, value.strip(), quote(value, safe=""), quote_plus(value)}:
                mask_secret(form)


def _filter_value(filters: Any, name: str) -> Any:
    return filters.get(name) if isinstance(filters, Mapping) else getattr(filters, name, None)


def _component_values(components: Any) -> list[str]:
    """The values of component filters in either form: ``[{"id", "value"}]``, ``{name: value}``, or
    ``ClueFilters``' components (as strings); a whole form rendered from one template is read back."""
    from airflow_provider_clue.api.rendered_values import as_rendered_list, as_rendered_mapping

    components = as_rendered_list(as_rendered_mapping(components))
    if isinstance(components, Mapping):
        items = list(components.values())
    elif isinstance(components, (list, tuple)):
        items = [
            item.get("value") if isinstance(item, Mapping) else getattr(item, "value", None) for item in components
        ]
    else:
        return []
    return [str(item) for item in items if item is not None]


def _looks_personal(value: str) -> bool:
    from airflow_provider_clue.api.redaction import redact_personal_data

    return redact_personal_data(value) != value


class MasksPersonalFilters:
    """Mixin of the operator and the sensor: once Airflow has rendered the templated fields, mask the
    phone and e-mail in ``filters`` before the rendered fields are stored or logged (Airflow redacts
    them with its masker, which must know the values by then).

    Airflow 3.0 sends rendered fields to its supervisor and API server without redacting them, so
    there ``filters`` is swapped for a redacted copy once rendered, and the task reads the rendered
    value from :attr:`rendered_filters`.
    """

    filters: Any
    _filters_as_rendered: Any

    def _do_render_template_fields(self, parent: Any, *args: Any, **kwargs: Any) -> None:
        if parent is self and "_filters_as_rendered" in self.__dict__:  # rendered again: start from the value
            self.filters = self.__dict__.pop("_filters_as_rendered")
        super()._do_render_template_fields(parent, *args, **kwargs)  # type: ignore[misc]
        if parent is not self:  # a nested templated object
            return
        mask_personal_filters(self.filters)
        from airflow_provider_clue.compat import REDACTS_RENDERED_FIELDS_IN_THE_TASK, redact

        if not REDACTS_RENDERED_FIELDS_IN_THE_TASK and isinstance(self.filters, Mapping):
            self._filters_as_rendered = self.filters
            self.filters = redact(dict(self.filters))

    @property
    def rendered_filters(self) -> Any:
        """``filters`` as rendered (on Airflow 3.0, ``filters`` itself then holds a redacted copy)."""
        return self.__dict__.get("_filters_as_rendered", self.filters)

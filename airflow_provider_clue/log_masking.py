"""Keep the phone numbers and e-mails that filters match out of Airflow's logs and rendered fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, quote_plus

PERSONAL_FILTERS = ("phone", "email")


def mask_personal_filters(filters: Any) -> None:
    """Register the ``phone`` and ``email`` of ``filters`` (a mapping or ``ClueFilters``) with Airflow's
    secrets masker, as written and URL-encoded, so no log line, rendered field or message shows them."""
    from airflow.sdk.log import mask_secret

    for name in PERSONAL_FILTERS:
        value = filters.get(name) if isinstance(filters, Mapping) else getattr(filters, name, None)
        if isinstance(value, str) and value.strip():
            for form in {value, value.strip(), quote(value, safe=""), quote_plus(value)}:
                mask_secret(form)


class MasksPersonalFilters:
    """Mixin of the operator and the sensor: once Airflow has rendered the templated fields, mask the
    phone and e-mail in ``filters`` before the rendered fields are stored or logged (Airflow redacts
    them with its masker, which must know the values by then)."""

    filters: Any

    def _do_render_template_fields(self, *args: Any, **kwargs: Any) -> None:
        super()._do_render_template_fields(*args, **kwargs)  # type: ignore[misc]
        mask_personal_filters(self.filters)

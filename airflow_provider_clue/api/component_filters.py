"""Custom-field filters through the pool's template: each component filter's key (a name or an id)
becomes the component's id, and its value is checked against the component's type.

The template is read at run time, never when a DAG file is parsed, and a key it does not hold
fails: a component renamed or deleted since the DAG was written must stop the pull, not let it
read the pool without that filter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from airflow_provider_clue.api.redaction import redacted_repr
from airflow_provider_clue.exceptions import ClueValidationError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from zoneinfo import ZoneInfo

    from airflow_provider_clue.api.filters import ClueFilters, Component, ComponentValue

FIELD = "filters.components"
# How long one read of a template serves checks that repeat (a sensor's pokes, a trigger's checks, a
# watcher's polls): a component deleted meanwhile must fail a check soon, not be counted by its old
# id (a server that ignores an unknown id would count the whole pool).
REPEATED_CHECKS_TEMPLATE_AGE = 30.0
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INTEGER = re.compile(r"-?[0-9]+")
_LISTED = 20  # names a message lists at most


@dataclass(frozen=True)
class PoolComponent:
    """One component of a pool's template, as this provider reads it."""

    id: str
    name: str
    type: str
    required: bool

    @classmethod
    def of(cls, listed: Mapping[str, Any]) -> PoolComponent:
        """A component as the template lists it (``id``, ``name``, ``type``, ``validate``)."""
        validate = listed.get("validate")
        required = isinstance(validate, list) and "required" in validate
        kind = str(listed.get("type") or "")
        return cls(id=str(listed["id"]), name=str(listed["name"]), type=kind, required=required)


def needs_template(filters: ClueFilters) -> bool:
    """Whether ``filters`` has component filters the template has not yet confirmed."""
    return any(not component.resolved for component in filters.components or ())


def resolve_components(filters: ClueFilters, template: Sequence[Mapping[str, Any]], zone: ZoneInfo) -> ClueFilters:
    """``filters`` with every component filter's id taken from ``template`` and its value checked
    against the component's type (a ``date`` value formatted ``YYYY-MM-DD``, in ``zone`` if aware).

    A key matches a component's id, or (in the mapping form) its name.

    :raises ClueValidationError: (field ``filters.components``) for a key the template does not hold, naming
        the template's components, or a value its component's type does not allow.
    """
    if not filters.components:
        return filters
    components = [PoolComponent.of(listed) for listed in template]
    resolved = tuple(_resolved(component, components, zone) for component in filters.components)
    seen: dict[str, str] = {}
    for component in resolved:
        assert component.id is not None
        if component.id in seen:
            raise ClueValidationError(FIELD, f"{seen[component.id]!r} and {component.key!r} are the same component "
                                             f"({component.name}): filter on it once")
        seen[component.id] = component.key
    return replace(filters, components=resolved)


def components_identity(filters: ClueFilters) -> list[list[str]]:
    """Resolved component filters as ``[id, value]`` pairs in id order, values as text: the same
    filters however the mapping was ordered or a number written (``5000`` or ``"5000"``)."""
    return sorted([component.sent_id, str(component.sent_value)] for component in filters.components or ())


def _resolved(component: Component, template: Sequence[PoolComponent], zone: ZoneInfo) -> Component:
    if component.resolved:
        return component
    found = next((pool for pool in template if pool.id == component.key), None)
    if found is None and component.by_name:
        found = next((pool for pool in template if pool.name == component.key), None)
    if found is None:
        raise ClueValidationError(FIELD, _not_found(component, template))
    value = _checked_value(component, found, zone)
    return replace(component, id=found.id, name=found.name, value=value)


def _not_found(component: Component, template: Sequence[PoolComponent]) -> str:
    kind = "the name or the id" if component.by_name else "the id"
    names = ", ".join(f"{pool.name} ({pool.type or 'untyped'})" for pool in template[:_LISTED])
    more = f" and {len(template) - _LISTED} more" if len(template) > _LISTED else ""
    listing = f"its components: {names}{more}" if template else "it has no components"
    return (
        f"{component.key!r} is not {kind} of a component of the pool's template ({listing}). A component "
        "renamed or deleted since the DAG was written? List them with "
        "`python -m airflow_provider_clue components --conn-id <conn>`"
    )


def _checked_value(component: Component, pool: PoolComponent, zone: ZoneInfo) -> ComponentValue:
    where = f"{FIELD}[{component.key!r}]"
    value = component.value
    if pool.type == "number":
        if isinstance(value, float) and value.is_integer():  # a whole float, as Jinja's native rendering gives
            return int(value)
        if isinstance(value, int) or (isinstance(value, str) and _INTEGER.fullmatch(value.strip())):
            return value.strip() if isinstance(value, str) else value
        raise ClueValidationError(where, f"{pool.name} is a number component: expected an integer or a string of "
                                         f"digits, got {redacted_repr(value, limit=60)}")
    if pool.type == "date":
        if isinstance(value, datetime):
            return (value.astimezone(zone) if value.tzinfo else value).strftime("%Y-%m-%d")
        if isinstance(value, date):
            return value.strftime("%Y-%m-%d")
        if isinstance(value, str) and _is_date(value.strip()):
            return value.strip()
        raise ClueValidationError(where, f"{pool.name} is a date component: expected YYYY-MM-DD, a date or a "
                                         f"datetime, got {redacted_repr(value, limit=60)}")
    if pool.type == "text" and (not isinstance(value, str) or not value.strip()):
        raise ClueValidationError(where, f"{pool.name} is a text component: expected a non-empty string, "
                                         f"got {redacted_repr(value, limit=60)}")
    return value


def _is_date(text: str) -> bool:
    if not _DATE.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True

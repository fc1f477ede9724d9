"""The API's filters: validated before any request, then encoded as a JSON body or Laravel query arrays."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

from airflow_provider_clue.api.api_time import API_TIME_PATTERN, API_YEARS, format_api_time, parse_api_time
from airflow_provider_clue.api.redaction import redacted_repr
from airflow_provider_clue.api.rendered_values import as_rendered_list, as_rendered_mapping
from airflow_provider_clue.exceptions import ClueValidationError

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

FiltersIn = Literal["body", "query"]

OPERATOR_CODES = {1: "China Telecom", 2: "China Unicom", 3: "China Mobile"}
SEX_CODES = {0: "unknown", 1: "male", 2: "female"}
FLAG_CODES = {0: "no", 1: "yes"}
_MAX_TEXT = 200
_INTEGER = re.compile(r"-?[0-9]+")


ComponentValue = str | int | float | date


@dataclass(frozen=True)
class Component:
    """A custom-field filter: the component, as the user named it, and the value to match.

    ``key`` is a component's id (the API's list form ``[{"id": ..., "value": ...}]``) or its name or
    id (the mapping form ``{name_or_id: value}``). The pool's template turns it into ``id`` at run
    time (:func:`~airflow_provider_clue.api.component_filters.resolve_components`), checking
    ``value`` against the component's type; until then only a key given as an id can be sent.
    """

    key: str
    value: ComponentValue
    by_name: bool = False
    id: str | None = None
    name: str | None = None

    @property
    def resolved(self) -> bool:
        return self.id is not None

    @property
    def awaits_template(self) -> bool:
        """Given by name (or id) in the mapping form and not yet resolved: it cannot be sent as it is."""
        return self.by_name and not self.resolved

    @property
    def sent_id(self) -> str:
        """The id the API is sent: the template's, or the key of the list form (ids only)."""
        return self.id if self.id is not None else self.key

    @property
    def sent_value(self) -> str | int | float:
        return self.value.isoformat() if isinstance(self.value, date) else self.value


@dataclass(frozen=True)
class ClueFilters:
    """Validated filters of ``get_customer``; every field is optional.

    List filters also accept a rendered template's text (``"[1, 3]"``), and numbers their digits.

    ``created_at`` holds the two inclusive bounds as the API's strings, already in the
    connection's zone. Build one with :meth:`from_mapping`.
    """

    phone: str | None = field(default=None, repr=False)
    email: str | None = field(default=None, repr=False)
    company: str | None = None
    created_at: tuple[str, str] | None = None
    operator: tuple[int, ...] | None = None
    sex: tuple[int, ...] | None = None
    is_follow: int | None = None
    ai_call: int | None = None
    components: tuple[Component, ...] | None = None
    encryption: bool | None = None

    @classmethod
    def from_mapping(
        cls, filters: Mapping[str, Any] | ClueFilters | None, *, zone: ZoneInfo
    ) -> ClueFilters:
        """Validate ``filters`` keyed by the API's own names; raise :class:`ClueValidationError`."""
        if filters is None:
            return cls()
        if isinstance(filters, ClueFilters):
            return filters
        if not isinstance(filters, Mapping):
            raise ClueValidationError(
                "filters", f"expected a mapping of the API's filter names, got {type(filters).__name__}"
            )
        allowed = [f.name for f in fields(cls)]
        unknown = sorted(str(key) for key in filters if key not in allowed)
        if unknown:
            raise ClueValidationError(
                f"filters.{unknown[0]}", f"unknown filter; allowed: {', '.join(allowed)}"
            )
        values = {key: value for key, value in filters.items() if value is not None}
        return cls(
            phone=_text(values, "phone", personal=True),
            email=_text(values, "email", personal=True),
            company=_text(values, "company"),
            created_at=_created_at(values.get("created_at"), zone),
            operator=_code_list(values, "operator", OPERATOR_CODES),
            sex=_code_list(values, "sex", SEX_CODES),
            is_follow=_code(values, "is_follow", FLAG_CODES),
            ai_call=_code(values, "ai_call", FLAG_CODES),
            components=_components(values.get("components")),
            encryption=_boolean(values, "encryption"),
        )

    @classmethod
    def without_window(cls, filters: Mapping[str, Any] | ClueFilters | None, *, zone: ZoneInfo) -> ClueFilters:
        """Like :meth:`from_mapping`, for operators and sensors, whose window is their own
        ``created_at`` argument (half-open): ``created_at`` inside ``filters`` is refused."""
        validated = cls.from_mapping(filters, zone=zone)
        if validated.created_at is not None:
            raise ClueValidationError(
                "filters.created_at", "set the window with the created_at argument (half-open [start, end))"
            )
        return validated

    def with_created_at(self, created_at: tuple[str, str]) -> ClueFilters:
        """Return a copy whose ``created_at`` is ``created_at`` (API strings, already validated)."""
        return ClueFilters(**{**self._as_dict(), "created_at": created_at})

    def to_json_body(self) -> dict[str, Any]:
        """The filters as the vendor's JSON body (only the fields that are set). Components given by
        name and not yet resolved stay a mapping of names to values, as given: JSON-safe for a
        trigger's arguments, not for a request (:meth:`check_sendable`)."""
        body: dict[str, Any] = {}
        for name, value in self._as_dict().items():
            if value is None:
                continue
            if name == "components":
                body[name] = (
                    {c.key: c.sent_value for c in value}
                    if any(c.awaits_template for c in value)
                    else [{"id": c.sent_id, "value": c.sent_value} for c in value]
                )
            elif isinstance(value, tuple):
                body[name] = list(value)
            else:
                body[name] = value
        return body

    def check_sendable(self) -> None:
        """Raise if a component filter given by name has not been resolved through the pool's template."""
        waiting = [c.key for c in self.components or () if c.awaits_template]
        if waiting:
            raise ClueValidationError(
                "filters.components", f"{waiting[0]!r} must be resolved through the pool's template before a request "
                "is sent (ClueHook.resolve, or any call of the hook or its clients, does it)",
            )

    def to_query_params(self) -> list[tuple[str, str]]:
        """The filters as Laravel query arrays: ``created_at[]=a&created_at[]=b&components[0][id]=...``."""
        params: list[tuple[str, str]] = []
        for name, value in self._as_dict().items():
            if value is None:
                continue
            if name == "components":
                for index, component in enumerate(value):
                    params.append((f"components[{index}][id]", component.sent_id))
                    params.append((f"components[{index}][value]", str(component.sent_value)))
            elif isinstance(value, tuple):
                params.extend((f"{name}[]", str(item)) for item in value)
            elif isinstance(value, bool):
                params.append((name, "1" if value else "0"))
            else:
                params.append((name, str(value)))
        return params

    def _as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _describe(value: object, *, personal: bool = False) -> str:
    """A value as it may appear in an error message: personal data is shown by type only."""
    if personal:
        return f"a value of type {type(value).__name__}"
    return redacted_repr(value, limit=80)


def _text(values: Mapping[str, Any], name: str, *, personal: bool = False) -> str | None:
    if name not in values:
        return None
    value = values[name]
    if not isinstance(value, str) or not value.strip():
        raise ClueValidationError(
            f"filters.{name}",
            f"expected a non-empty string, got {_describe(value, personal=personal)}",
        )
    if len(value) > _MAX_TEXT:
        raise ClueValidationError(f"filters.{name}", f"at most {_MAX_TEXT} characters are allowed")
    return value


def _as_int(value: object) -> int | None:
    """An int given as int or digit string (templates render strings); ``None`` if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value)
    return None


def _allowed(codes: Mapping[int, str]) -> str:
    return ", ".join(f"{code} ({label})" for code, label in codes.items())


def _code(values: Mapping[str, Any], name: str, codes: Mapping[int, str]) -> int | None:
    if name not in values:
        return None
    code = _as_int(values[name])
    if code not in codes:
        raise ClueValidationError(
            f"filters.{name}", f"got {_describe(values[name])}; allowed: {_allowed(codes)}"
        )
    return code


def _code_list(values: Mapping[str, Any], name: str, codes: Mapping[int, str]) -> tuple[int, ...] | None:
    if name not in values:
        return None
    raw = as_rendered_list(values[name])
    items = list(raw) if isinstance(raw, (list, tuple)) else [raw]
    if not items:
        raise ClueValidationError(f"filters.{name}", f"expected at least one of: {_allowed(codes)}")
    result = []
    for item in items:
        code = _as_int(item)
        if code is None or code not in codes:
            raise ClueValidationError(
                f"filters.{name}", f"got {_describe(item)}; allowed: a list of {_allowed(codes)}"
            )
        result.append(code)
    return tuple(dict.fromkeys(result))


def _boolean(values: Mapping[str, Any], name: str) -> bool | None:
    if name not in values:
        return None
    value = values[name]
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ClueValidationError(f"filters.{name}", f"expected true or false, got {_describe(value)}")


def _components(raw: object) -> tuple[Component, ...] | None:
    """The list form ``[{"id": ..., "value": ...}]`` (ids), or the mapping form ``{name_or_id: value}``."""
    if raw is None:
        return None
    raw = as_rendered_list(as_rendered_mapping(raw))
    if isinstance(raw, Mapping):
        return _components_by_name(raw)
    if not isinstance(raw, (list, tuple)) or not raw:
        raise ClueValidationError("filters.components", _COMPONENTS_EXPECTED)
    result = []
    for index, item in enumerate(raw):
        where = f"filters.components[{index}]"
        if isinstance(item, Component):
            result.append(item)
            continue
        if not isinstance(item, Mapping) or set(item) != {"id", "value"}:
            raise ClueValidationError(where, f'expected {{"id": ..., "value": ...}}, got {_describe(item)}')
        component_id = item["id"]
        if not isinstance(component_id, str) or not component_id.strip():
            raise ClueValidationError(f"{where}.id", f"expected a non-empty string, got {_describe(component_id)}")
        result.append(Component(key=component_id, value=_component_value(f"{where}.value", item["value"])))
    return tuple(result)


_COMPONENTS_EXPECTED = (
    'expected a non-empty list of {"id": ..., "value": ...} objects, or a mapping of component names '
    "(or ids) to values"
)


def _components_by_name(raw: Mapping[Any, Any]) -> tuple[Component, ...]:
    if not raw:
        raise ClueValidationError("filters.components", _COMPONENTS_EXPECTED)
    if set(raw) == {"id", "value"}:
        problem = f'one {{"id": ..., "value": ...}} object must be inside a list; {_COMPONENTS_EXPECTED}'
        raise ClueValidationError("filters.components", problem)
    result = []
    for key, value in raw.items():
        if not isinstance(key, str) or not key.strip():
            problem = f"a component's name must be a non-empty string, got {_describe(key)}"
            raise ClueValidationError("filters.components", problem)
        checked = _component_value(f"filters.components[{key!r}]", value)
        result.append(Component(key=key.strip(), value=checked, by_name=True))
    return tuple(result)


def _component_value(where: str, value: object) -> ComponentValue:
    if isinstance(value, bool) or not isinstance(value, (str, int, float, date)):
        raise ClueValidationError(where, f"expected a string, number or date, got {_describe(value)}")
    return value


def _created_at(raw: object, zone: ZoneInfo) -> tuple[str, str] | None:
    """Two inclusive bounds, strings in ``zone`` or datetimes (naive = wall clock in ``zone``)."""
    if raw is None:
        return None
    raw = as_rendered_list(raw)
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Sequence) or len(raw) != 2:
        raise ClueValidationError(
            "filters.created_at",
            f"expected two bounds [start, end] ({API_TIME_PATTERN} strings or datetimes), got {_describe(raw)}",
        )
    start, end = (_bound(value, zone, rounding) for value, rounding in zip(raw, ("ceil", "floor"), strict=True))
    if start > end:
        raise ClueValidationError(
            "filters.created_at", f"start {start.isoformat()} is after end {end.isoformat()}"
        )
    bounds = format_api_time(start, zone, rounding="ceil"), format_api_time(end, zone, rounding="floor")
    if bounds[0] > bounds[1]:
        raise ClueValidationError(
            "filters.created_at",
            f"{start.isoformat()} to {end.isoformat()} holds no whole second (the API's resolution)",
        )
    return bounds


def _bound(value: object, zone: ZoneInfo, rounding: str) -> datetime:
    which = "start" if rounding == "ceil" else "end"
    bound = _parsed_bound(value, zone, which)
    try:
        year = bound.astimezone(zone).year
    except OverflowError:  # beyond what a zone can convert
        year = 0
    if not API_YEARS[0] <= year <= API_YEARS[1]:
        raise ClueValidationError(
            f"filters.created_at ({which})", f"{_describe(value)} is outside the years {API_YEARS[0]} to {API_YEARS[1]}"
        )
    return bound


def _parsed_bound(value: object, zone: ZoneInfo, which: str) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=zone) if value.tzinfo is None else value
    if isinstance(value, str):
        try:
            return parse_api_time(value, zone)
        except ValueError as err:
            raise ClueValidationError(f"filters.created_at ({which})", str(err)) from None
    raise ClueValidationError(
        f"filters.created_at ({which})", f"expected a {API_TIME_PATTERN} string or a datetime, got {_describe(value)}"
    )

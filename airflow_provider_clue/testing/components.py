"""The emulated pool template ("公海模板"): one account's custom components, and their values on records.

A component is ``{id, name, type, sort, validate}`` as ``GET .../customer/create`` lists it; a
record carries ``components: [{id, name, type, value}]`` (the value a string), as the vendor's
call-record and detail pages show. Names can be changed and components deleted while the emulator
runs, as the vendor's edit pages allow: a record then shows the current name, and a deleted
component neither shows nor matches.

Filtering by a component is an assumption (the vendor documents no semantics): ``text`` matches a
value that contains the filter's text (as ``company`` does), ``number`` and ``date`` an equal value.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, cast

if TYPE_CHECKING:
    import random

ComponentType = Literal["text", "number", "date"]
COMPONENT_TYPES: tuple[ComponentType, ...] = ("text", "number", "date")
DEFAULT_COMPONENTS: tuple[tuple[str, ComponentType], ...] = (
    ("意向产品", "text"), ("客户来源", "text"), ("行业", "text"), ("预算", "number"), ("到访日期", "date"),
)
_VALIDATE: dict[ComponentType, tuple[str, ...]] = {"text": (), "number": ("integer",), "date": ("date", "sometimes")}
_TEXT_VALUES = {
    "意向产品": ("AI外呼", "智能客服", "短信营销", "企业微信"),
    "客户来源": ("百度推广", "抖音", "展会", "转介绍", "官网"),
    "行业": ("教育", "金融", "制造", "零售", "医疗", "互联网"),
}
_OTHER_TEXT = ("高意向", "一般", "待回访", "已报价", "无需求")
PRESENCE = 0.85  # the share of records with a value for each component
_NAMESPACE = uuid.UUID("7d0c3e4a-2f6b-4b8e-9a51-3c2d1e0f9a77")


@dataclass(frozen=True)
class TemplateComponent:
    """One component of the template, as the API lists it."""

    id: str
    name: str
    type: ComponentType
    sort: int
    validate: tuple[str, ...]

    def listing(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "type": self.type, "sort": self.sort, "validate": list(self.validate)}


class ComponentTemplate:
    """One account's template: components with ids derived from the seed, renamable and deletable.

    :param seed: the emulator's seed (ids are a function of it, the account and the component's place).
    :param user_id: whose pool.
    :param components: ``(name, type)`` pairs, or a mapping of name to type; names must be unique. A
        first component of type ``text`` is required, as the vendor's example shows its 姓名.
    """

    def __init__(
        self, *, seed: int, user_id: str, components: Sequence[tuple[str, str]] | Mapping[str, str] = DEFAULT_COMPONENTS
    ) -> None:
        pairs = list(components.items()) if isinstance(components, Mapping) else list(components)
        names = [name for name, _ in pairs]
        if len(set(names)) != len(names) or not all(isinstance(name, str) and name.strip() for name in names):
            raise ValueError(f"component names must be unique non-empty strings, got {names}")
        for name, kind in pairs:
            if kind not in COMPONENT_TYPES:
                raise ValueError(f"component {name!r}: type must be one of {', '.join(COMPONENT_TYPES)}, got {kind!r}")
        self._originals = tuple(
            TemplateComponent(
                id=str(uuid.uuid5(_NAMESPACE, f"{seed}:{user_id}:{index}:{name}")), name=name,
                type=cast("ComponentType", kind), sort=index,
                validate=("required",) if index == 0 and kind == "text" else _VALIDATE[cast("ComponentType", kind)],
            )
            for index, (name, kind) in enumerate(pairs)
        )
        self._live = {component.id: component for component in self._originals}
        self._lock = threading.Lock()

    def listing(self) -> list[dict[str, Any]]:
        """The template as ``GET .../customer/create`` answers it (``data``), in ``sort`` order."""
        with self._lock:
            return [component.listing() for component in self._live.values()]

    def find(self, name_or_id: str) -> TemplateComponent:
        """The live component of that name or id; ``KeyError`` if none."""
        with self._lock:
            for component in self._live.values():
                if name_or_id in (component.id, component.name):
                    return component
        raise KeyError(f"no component named or with id {name_or_id!r}")

    def rename(self, name_or_id: str, new_name: str) -> TemplateComponent:
        """Give a component a new name (names stay unique); returns it renamed."""
        component = self.find(name_or_id)
        with self._lock:
            taken = any(other.name == new_name for other in self._live.values() if other.id != component.id)
            if not new_name.strip() or taken:
                raise ValueError(f"cannot rename {component.name!r} to {new_name!r}: empty or taken")
            renamed = self._live[component.id] = replace(component, name=new_name)
            return renamed

    def delete(self, name_or_id: str) -> TemplateComponent:
        """Remove a component: records no longer show it and a filter on it matches nothing."""
        component = self.find(name_or_id)
        with self._lock:
            del self._live[component.id]
        return component

    def values_for(self, rng: random.Random, created: datetime) -> list[dict[str, Any]]:
        """A generated record's components (every original one, most with a value), drawn from ``rng``."""
        values = []
        for component in self._originals:
            value = _value_of(component, rng, created)
            if rng.random() < PRESENCE:
                values.append({"id": component.id, "name": component.name, "type": component.type, "value": value})
        return values

    def present(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """``record`` as the API shows it now: components under their current names, deleted ones gone
        (items whose id the template never had are kept as they are)."""
        items = record.get("components")
        if not isinstance(items, list):
            return dict(record)
        original_ids = {component.id for component in self._originals}
        with self._lock:
            shown = []
            for item in items:
                item_id = item.get("id") if isinstance(item, Mapping) else None
                if item_id not in original_ids:
                    shown.append(item)
                elif item_id in self._live:
                    shown.append({**item, "name": self._live[item_id].name})
        return {**record, "components": shown}

    def matches(self, record: Mapping[str, Any], component_id: str, wanted: str) -> bool:
        """Whether ``record`` has a value of ``component_id`` that the filter value ``wanted`` selects."""
        with self._lock:
            live = self._live.get(component_id)
            known = any(component.id == component_id for component in self._originals)
        if known and live is None:
            return False
        kind = live.type if live is not None else None
        for item in record.get("components") or ():
            if isinstance(item, Mapping) and item.get("id") == component_id:
                value = str(item.get("value"))
                if kind == "text" and wanted in value:
                    return True
                if kind != "text" and _same(value, wanted):
                    return True
        return False


def _same(value: str, wanted: str) -> bool:
    """Equal values, numbers compared as numbers (``"050"`` is ``50``)."""
    if value.isdigit() and wanted.isdigit():
        return int(value) == int(wanted)
    return value == wanted


def _value_of(component: TemplateComponent, rng: random.Random, created: datetime) -> str:
    if component.type == "number":
        return str(rng.randrange(1, 100) * 1000)
    if component.type == "date":
        return (created + timedelta(days=rng.randrange(0, 30))).strftime("%Y-%m-%d")
    return rng.choice(_TEXT_VALUES.get(component.name, _OTHER_TEXT))

"""The emulated server's view of a request: Laravel-style input merging and validation.

Laravel merges the query string (with ``name[]=a`` and ``name[0][key]=a`` arrays) and a JSON
body (read only when the request says ``Content-Type: application/json``; a body that does not
decode is ignored, so its filters silently vanish), the body winning. ``page`` and ``per_page``
that are not positive integers fall back to 1 and 15, as Laravel's paginator does.

Assumed, since the vendor does not document them: invalid filters give HTTP 422
``{"message", "errors"}`` like a form request; ``phone`` and ``email`` match exactly and
``company`` as a substring; the largest page (100 by default) is the emulator's setting.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from airflow_provider_clue.testing.records import wall_seconds_of
from airflow_provider_clue.testing.store import PoolQuery

if TYPE_CHECKING:
    from collections.abc import Mapping

DEFAULT_PER_PAGE = 15
_KEY_PART = re.compile(r"\[([^\]]*)\]")


class InvalidInput(Exception):
    """Laravel's validation failure: field name to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__(json.dumps(errors, ensure_ascii=False))


def parse_query_string(query: str) -> dict[str, Any]:
    """Parse a query string the way PHP does: ``a[]=1&a[]=2`` and ``c[0][id]=x`` become nested values."""
    result: dict[str, Any] = {}
    for raw_key, value in parse_qsl(query, keep_blank_values=True):
        head, _, rest = raw_key.partition("[")
        parts = [head, *_KEY_PART.findall("[" + rest)] if rest else [head]
        _assign(result, parts, value)
    return {key: _lists_from_indexes(value) for key, value in result.items()}


def _assign(target: dict[str, Any], parts: list[str], value: str) -> None:
    node = target
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == "":
            part = str(sum(1 for key in node if key.isdigit()))
        if last:
            node[part] = value
        else:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                return


def _lists_from_indexes(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    converted = {key: _lists_from_indexes(item) for key, item in value.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def merged_input(query_string: str, body: bytes, content_type: str) -> dict[str, Any]:
    """Query-string input overlaid with the JSON body's, as ``$request->all()`` gives them.

    Empty strings become null, as Laravel's ``ConvertEmptyStringsToNull`` middleware does.
    """
    data = parse_query_string(query_string)
    if body.strip() and "json" in content_type.lower():
        try:
            document = json.loads(body)
        except ValueError:
            document = None
        if isinstance(document, dict):
            data.update(document)
    return {key: None if value == "" else value for key, value in data.items()}


def paging_of(data: Mapping[str, Any], max_per_page: int) -> tuple[int, int]:
    """``(page, per_page)``: bad values fall back to 1 and 15; ``per_page`` is clamped silently."""
    page = _positive_int(data.get("page")) or 1
    per_page = _positive_int(data.get("per_page")) or DEFAULT_PER_PAGE
    return page, min(per_page, max_per_page)


def pool_query_of(data: Mapping[str, Any]) -> PoolQuery:
    """Validate the filters like the API's form request; raise :class:`InvalidInput`."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    for name in ("phone", "email", "company"):
        if data.get(name) is not None:
            if isinstance(data[name], str):
                values[name] = data[name]
            else:
                fail(name, f"The {name} must be a string.")
    created_at = data.get("created_at")
    if created_at is not None:
        bounds = _created_at_bounds(created_at)
        if bounds is None:
            fail("created_at", "The created_at must be an array of two dates in the format Y-m-d H:i:s.")
        else:
            values["created_from"], values["created_to"] = bounds
    for name, allowed in (("operator", (1, 2, 3)), ("sex", (0, 1, 2))):
        if data.get(name) is not None:
            items = data[name] if isinstance(data[name], list) else None
            codes = [_int(item) for item in items] if items is not None else []
            if items is None or any(code not in allowed for code in codes):
                fail(name, f"The selected {name} is invalid.")
            else:
                values[name] = tuple(codes)
    for name in ("is_follow", "ai_call"):
        if data.get(name) is not None:
            code = _int(data[name])
            if code not in (0, 1):
                fail(name, f"The selected {name} is invalid.")
            values[name] = code
    if data.get("encryption") is not None:
        flag = data["encryption"]
        if flag in (True, False, 1, 0, "1", "0", "true", "false"):
            values["encryption"] = flag in (True, 1, "1", "true")
        else:
            fail("encryption", "The encryption field must be true or false.")
    if data.get("components") is not None:
        components = _components(data["components"])
        if components is None:
            fail("components", "The components must be an array of {id, value} objects.")
        else:
            values["components"] = components
    if errors:
        raise InvalidInput(errors)
    return PoolQuery(**values)


def _positive_int(value: object) -> int | None:
    number = _int(value)
    return number if number is not None and number >= 1 else None


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


def _created_at_bounds(value: object) -> tuple[int, int] | None:
    """The bounds as wall-clock seconds (the order in which a database compares the strings)."""
    if not isinstance(value, list) or len(value) != 2:
        return None
    try:
        return wall_seconds_of(value[0]), wall_seconds_of(value[1])
    except (TypeError, ValueError):
        return None


def _components(value: object) -> tuple[tuple[str, str], ...] | None:
    if not isinstance(value, list):
        return None
    pairs = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or "value" not in item:
            return None
        pairs.append((item["id"], str(item["value"])))
    return tuple(pairs)

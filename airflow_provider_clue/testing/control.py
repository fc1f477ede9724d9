"""The emulator's control API under ``/_emulator/``, for tests that run it in another process.

``GET health``, ``GET|DELETE requests``, ``POST records`` (insert), ``POST records/delete``,
``POST records/query``, ``PUT faults``, ``PUT latency``, ``PUT throttle``, ``POST business_error``,
``POST components/rename`` and ``POST components/delete``; bodies and answers are JSON objects.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from airflow_provider_clue.testing.faults import VENDOR_ERROR
from airflow_provider_clue.testing.store import NotFound
from airflow_provider_clue.testing.throttle import ThrottleSettings

if TYPE_CHECKING:
    from airflow_provider_clue.testing.emulator import ClueEmulator

Handler = Callable[["ClueEmulator", Mapping[str, Any]], Any]


def handle_control(emulator: ClueEmulator, method: str, path: str, body: bytes) -> tuple[int, Any]:
    """``(status, payload)`` for one control request."""
    endpoint = _HANDLERS.get((method, path))
    if endpoint is None:
        return 404, {"message": f"no control endpoint {method} /_emulator/{path}"}
    handler, fields = endpoint
    try:
        payload = json.loads(body) if body.strip() else {}
        if not isinstance(payload, Mapping):
            raise ValueError("the body must be a JSON object")
        unknown = sorted(set(payload) - set(fields))
        if unknown:
            allowed = ", ".join(fields) or "none"
            raise ValueError(f"{method} /_emulator/{path}: unknown field(s) {', '.join(unknown)}; allowed: {allowed}")
        return 200, handler(emulator, payload)
    except NotFound as err:
        return 404, {"message": str(err)}
    except KeyError as err:
        return 400, {"message": f"missing field {err}"}
    except (TypeError, ValueError) as err:
        return 400, {"message": str(err)}


def _pool_of(payload: Mapping[str, Any]) -> dict[str, Any]:
    return {"user_id": payload.get("user_id"), "stage": payload.get("stage", "clue")}


def _insert(emulator: ClueEmulator, payload: Mapping[str, Any]) -> Any:
    count, fields = int(payload.get("count", 1)), payload.get("fields", {})
    records = emulator.insert(count, created_at=payload.get("created_at"), **_pool_of(payload), **fields)
    return {"records": records}


def _delete(emulator: ClueEmulator, payload: Mapping[str, Any]) -> Any:
    return {"deleted": emulator.delete(payload.get("ids", []), **_pool_of(payload))}


def _query(emulator: ClueEmulator, payload: Mapping[str, Any]) -> Any:
    created_at = payload.get("created_at")
    ids = sorted(emulator.ids(created_at=tuple(created_at) if created_at else None, **_pool_of(payload)))
    return {"count": len(ids), "ids": ids}


def _set_faults(emulator: ClueEmulator, payload: Mapping[str, Any]) -> Any:
    emulator.faults.clear()
    emulator.set_faults(**payload.get("rates", {}))
    for kind, times in payload.get("fail_next", {}).items():
        emulator.fail_next(kind, int(times))
    return {"ok": True}


def _set_latency(emulator: ClueEmulator, payload: Mapping[str, Any]) -> Any:
    seconds = float(payload["seconds"])
    if seconds < 0:
        raise ValueError("latency must be >= 0")
    emulator.latency = seconds
    return {"ok": True}


THROTTLE_FIELDS = ("limit", "window", "budget_headers")


def _set_throttle(emulator: ClueEmulator, payload: Mapping[str, Any]) -> Any:
    """``{"limit": 60, "window": 5}`` limits the token (``"budget_headers": false``: only ``Retry-After``);
    ``{}`` or ``{"limit": null}`` turns the throttle off."""
    if payload.get("limit") is None:
        if any(payload.get(name) is not None for name in THROTTLE_FIELDS):
            raise ValueError("throttle: limit is required with window or budget_headers ({} turns it off)")
        emulator.set_throttle(None)
    else:
        emulator.set_throttle(ThrottleSettings(
            payload["limit"], payload.get("window", 60), budget_headers=payload.get("budget_headers", True)
        ))
    return {"ok": True}


def _business_error(emulator: ClueEmulator, payload: Mapping[str, Any]) -> Any:
    """``{"code": 6007, "message": "...", "times": 1}``: the next answers are the API's own error (all optional)."""
    code, message = payload.get("code", VENDOR_ERROR[0]), payload.get("message", VENDOR_ERROR[1])
    emulator.business_error_next(code, str(message), times=int(payload.get("times", 1)))
    return {"ok": True}


def _rename_component(emulator: ClueEmulator, payload: Mapping[str, Any]) -> Any:
    """``{"component": name or id, "name": new name, "user_id": ...}``."""
    renamed = emulator.rename_component(payload["component"], payload["name"], user_id=payload.get("user_id"))
    return renamed.listing()


def _delete_component(emulator: ClueEmulator, payload: Mapping[str, Any]) -> Any:
    """``{"component": name or id, "user_id": ...}``."""
    return emulator.delete_component(payload["component"], user_id=payload.get("user_id")).listing()


def _clear_requests(emulator: ClueEmulator, payload: Mapping[str, Any]) -> Any:
    emulator.clear_requests()
    return {"ok": True}


POOL_FIELDS = ("user_id", "stage")
# each endpoint's handler and the body fields it takes: any other field is refused, never ignored
_HANDLERS: dict[tuple[str, str], tuple[Handler, tuple[str, ...]]] = {
    ("GET", "health"): (lambda emulator, payload: {"ok": True}, ()),
    ("GET", "requests"): (lambda emulator, payload: [asdict(entry) for entry in emulator.requests], ()),
    ("DELETE", "requests"): (_clear_requests, ()),
    ("POST", "records"): (_insert, ("count", "created_at", "fields", *POOL_FIELDS)),
    ("POST", "records/delete"): (_delete, ("ids", *POOL_FIELDS)),
    ("POST", "records/query"): (_query, ("created_at", *POOL_FIELDS)),
    ("PUT", "faults"): (_set_faults, ("rates", "fail_next")),
    ("PUT", "latency"): (_set_latency, ("seconds",)),
    ("PUT", "throttle"): (_set_throttle, THROTTLE_FIELDS),
    ("POST", "business_error"): (_business_error, ("code", "message", "times")),
    ("POST", "components/rename"): (_rename_component, ("component", "name", "user_id")),
    ("POST", "components/delete"): (_delete_component, ("component", "user_id")),
}

"""The HTTP side of the emulator: the ``get_customer`` and template routes, bearer auth, faults and a control API."""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from airflow_provider_clue.testing.control import handle_control
from airflow_provider_clue.testing.faults import FAULT_STATUS, SCRIPTED, ScriptedResponse
from airflow_provider_clue.testing.laravel_input import InvalidInput, merged_input, paging_of, pool_query_of

if TYPE_CHECKING:
    from collections.abc import Mapping

    from airflow_provider_clue.testing.emulator import ClueEmulator
    from airflow_provider_clue.testing.faults import FaultKind

ROUTE = re.compile(r"^/agent-api/user/(?P<user_id>[^/]+)/type/(?P<stage>[^/]+)/get_customer$")
TEMPLATE_ROUTE = re.compile(r"^/agent-api/user/(?P<user_id>[^/]+)/customer/create$")
CONTROL_PREFIX = "/_emulator/"


@dataclass(frozen=True)
class LoggedRequest:
    """One request the emulator saw: when, what, from which client port, and how it answered.

    ``status`` is None when the connection was dropped; ``page``/``per_page`` are what was served
    (for a scripted raw response, ``fault`` is ``"scripted"`` and ``page`` the page asked for).
    """

    time: float
    method: str
    path: str
    query: str
    body: str
    authorized: bool
    status: int | None = None
    fault: str | None = None
    page: int | None = None
    per_page: int | None = None
    client_port: int | None = None


@dataclass(frozen=True)
class Answer:
    """What the API answers one request: status, JSON payload, the page served, extra headers."""

    status: int
    payload: Any
    page: int | None = None
    per_page: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emulator: ClueEmulator) -> None:
        self.emulator = emulator
        super().__init__(address, EmulatorHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (a cancelled or timed-out request) is not the emulator's error."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class EmulatorHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: EmulatorServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the emulator keeps its own request log."""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        body = self._read_body()
        if url.path.startswith(CONTROL_PREFIX):
            status, payload = handle_control(self.server.emulator, method, url.path[len(CONTROL_PREFIX):], body)
            self._send_json(status, payload)
            return
        self._serve_api(method, url.path, url.query, body)

    def _read_body(self) -> bytes:
        """The request body, sized by ``Content-Length`` or sent in chunks."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline().strip():
                pass
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve_api(self, method: str, path: str, query: str, body: bytes) -> None:
        emulator = self.server.emulator
        authorized = self.headers.get("Authorization") == f"Bearer {emulator.token}"
        seen = LoggedRequest(
            time=time.time(), method=method, path=path, query=query, body=body.decode(errors="replace"),
            authorized=authorized, client_port=self.client_address[1],
        )
        if emulator.latency:
            time.sleep(emulator.latency)
        # The page asked for, as the route reads it (1 when none is given); read only for a scripted answer.
        asked_page = cache(lambda: paging_of(merged_input(query, body, self.headers.get("Content-Type", "")), 1)[0])
        fault = emulator.faults.next_fault(asked_page)
        if isinstance(fault, ScriptedResponse):
            emulator.record(replace(seen, status=fault.status, fault=SCRIPTED, page=asked_page()))
            self._send_bytes(fault.status, fault.body, fault.content_type, dict(fault.headers), charset=False)
            return
        if fault is not None and fault != "truncate":
            emulator.record(replace(seen, status=FAULT_STATUS[fault], fault=fault))
            self._inject(fault)
            return
        answer = self._answer(method, path, query, body, authorized)
        emulator.record(replace(seen, status=answer.status, fault=fault, page=answer.page, per_page=answer.per_page))
        content = json.dumps(answer.payload, ensure_ascii=False).encode()
        if fault == "truncate":
            content = content[: len(content) // 2]
        self._send_bytes(answer.status, content, "application/json", dict(answer.headers))

    def _answer(self, method: str, path: str, query: str, body: bytes, authorized: bool) -> Answer:
        """The answer to one API request: the route, the method, the token, then the throttle."""
        emulator = self.server.emulator
        match = ROUTE.match(path) or TEMPLATE_ROUTE.match(path)
        if match is None:
            return Answer(404, {"message": "Not Found"})
        if method != "GET":
            message = f"The {method} method is not supported for this route. Supported methods: GET, HEAD."
            return Answer(405, {"message": message})
        if not authorized:
            return Answer(401, {"message": "Unauthenticated."})
        answer_route = self._answer_pool if match.re is ROUTE else self._answer_template
        throttle = emulator.throttle  # after authentication, as Laravel's middleware priority orders them
        if throttle is None:
            return answer_route(match, query, body)
        rejected = throttle.attempt(emulator.token)
        if rejected is not None:
            return Answer(429, {"message": "Too Many Attempts."}, headers=rejected)
        answer = answer_route(match, query, body)
        return replace(answer, headers=throttle.headers(emulator.token))

    def _answer_template(self, match: re.Match[str], query: str, body: bytes) -> Answer:
        """The answer of an authorized template request: the account's components in ``sort`` order."""
        emulator = self.server.emulator
        if match["user_id"] not in emulator.user_ids:
            return Answer(200, {"code": 403, "status": "error", "message": "无权访问该用户的客户公海", "data": []})
        components = emulator.template(match["user_id"]).listing()
        return Answer(200, {"code": 200, "status": "success", "message": "查看公海创建模板成功", "data": components})

    def _answer_pool(self, match: re.Match[str], query: str, body: bytes) -> Answer:
        """The answer of an authorized ``get_customer`` request: a page, or the API's error."""
        emulator = self.server.emulator
        pool = emulator.pool_or_none(match["user_id"], match["stage"])
        if pool is None:
            known_user = match["user_id"] in emulator.user_ids
            message = "客户公海阶段类型不存在" if known_user else "无权访问该用户的客户公海"
            code = 422 if known_user else 403
            error: dict[str, Any] = {"code": code, "status": "error", "message": message, "data": []}
            return Answer(200, error)
        try:
            body_seen = b"" if emulator.drop_request_bodies else body
            data = merged_input(query, body_seen, self.headers.get("Content-Type", ""))
            page, per_page = paging_of(data, emulator.max_per_page)
            pool_query = pool_query_of(data)
        except InvalidInput as invalid:
            return Answer(422, {"message": "The given data was invalid.", "errors": invalid.errors})
        total, records = pool.page(pool_query, page, per_page, laravel_dates=emulator.laravel_dates)
        last_page = max(1, -(-total // per_page))
        envelope = {
            "code": 200,
            "status": "success",
            "message": "筛选客户公海列表成功",
            "meta": {
                "has_pages": page != 1 or page < last_page,
                **_numbers(
                    {"total": total, "last_page": last_page, "current_page": page, "per_page": per_page},
                    as_strings=emulator.string_meta,
                ),
            },
            "data": records,
        }
        emulator.after_page(match["user_id"], match["stage"], page)
        return Answer(200, envelope, page, per_page)

    def _inject(self, fault: FaultKind) -> None:
        """Answer with ``fault`` (any but ``truncate``, which cuts a real answer) at ``FAULT_STATUS[fault]``."""
        if fault == "drop":
            self.close_connection = True
        elif fault == "rate_limit":
            retry_after = self.server.emulator.faults.rates.retry_after
            self._send_json(429, {"message": "Too Many Attempts."}, headers={"Retry-After": retry_after})
        elif fault == "server_error":
            self._send_json(500, {"message": "Server Error"})
        elif fault == "redirect":
            location = f"https://api-moved.invalid{self.path}"
            self._send_json(301, {"message": "Moved Permanently"}, headers={"Location": location})
        elif fault == "business_error":
            self._send_json(200, {"code": 500, "status": "error", "message": "系统繁忙，请稍后再试", "data": []})
        else:
            page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
            self._send_bytes(502, page, "text/html")

    def _send_json(self, status: int, payload: Any, *, headers: dict[str, str] | None = None) -> None:
        self._send_bytes(status, json.dumps(payload, ensure_ascii=False).encode(), "application/json", headers)

    def _send_bytes(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None, *,
        charset: bool = True,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8" if charset else content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def _numbers(numbers: dict[str, int], *, as_strings: bool) -> dict[str, int | str]:
    """``meta``'s numbers, as strings where older Laravel echoes them so (``string_meta``)."""
    return {name: str(value) if as_strings else value for name, value in numbers.items()}


def serve_in_thread(server: EmulatorServer) -> threading.Thread:
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="clue-emulator", daemon=True
    )
    thread.start()
    return thread

"""A fake Meta Graph API (WhatsApp Cloud API) on 127.0.0.1, for tests and benchmarks.

It is a real HTTP server (stdlib `ThreadingHTTPServer`), so the adapter's real httpx client,
timeouts and connection handling are exercised. It records every request, answers like Meta
(message ids, read receipts, media info + download behind a bearer token, Meta's error body),
checks what Meta checks (token, body ≤ 4096, required fields) and can be told to fail:

    with FakeGraphServer() as graph:
        graph.fail(times=3, status=500)               # the next 3 requests get HTTP 500
        graph.fail(code=131047, status=400)           # the next one: re-engagement error
        graph.delay(1.5)                              # the next one answers after 1.5 s
        graph.outside_window.add("60123456789")       # free text to this wa_id → 131047
        adapter = WhatsAppAdapter("111", graph.token, base_url=graph.url)

Another process (a Celery worker, a benchmark) can drive the same server: `GET /_fake/requests`,
`POST /_fake/faults` (a `Fault` as JSON), `POST /_fake/reset`. Run it alone with
`python -m conversations.channels.fakes.graph --port 8765`.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

MESSAGES_PATH = re.compile(r"^/(v[\d.]+)/([^/]+)/messages$")
MEDIA_INFO_PATH = re.compile(r"^/(v[\d.]+)/([^/]+)$")
MEDIA_FILE_PATH = re.compile(r"^/_media/([^/]+)$")

ERROR_TITLES = {
    100: "Invalid parameter",
    130429: "Rate limit hit",
    131026: "Message undeliverable",
    131047: "Re-engagement message",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    131000: "Something went wrong",
    190: "Error validating access token: Session has expired",
}


@dataclass
class Fault:
    """What to do instead of answering normally, for the next `times` matching requests."""

    status: int = 500
    code: int | None = None
    message: str = ""
    delay: float = 0.0  # seconds to wait before answering (after which, if status is 0, answer normally)
    times: int = 1
    path_contains: str = ""
    after: int = 0  # let this many matching requests through first (e.g. fail only the 2nd part)

    def matches(self, path: str) -> bool:
        return self.path_contains in path


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    status: int = 0  # what the fake answered
    at: float = field(default_factory=time.time)

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None


@dataclass
class _Media:
    content: bytes
    mime_type: str


class FakeGraphServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, token: str = "fake-graph-token") -> None:  # noqa: S107
        self.token = token
        self.accepted_tokens = {token}
        self.outside_window: set[str] = set()
        self.undeliverable: set[str] = set()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._requests: list[RecordedRequest] = []
        self._faults: list[Fault] = []
        self._media: dict[str, _Media] = {}
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- Lifecycle ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeGraphServer:
        # A short poll interval: shutdown() waits up to one interval, and tests stop a server each.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-graph", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:  # shutdown() waits for a serve_forever loop that must exist
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> FakeGraphServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- Control ------------------------------------------------------------------------------

    def fail(
        self,
        times: int = 1,
        status: int = 500,
        code: int | None = None,
        message: str = "",
        path: str = "",
        after: int = 0,
    ) -> None:
        self.add_fault(Fault(status=status, code=code, message=message, times=times, path_contains=path, after=after))

    def delay(self, seconds: float, times: int = 1, path: str = "") -> None:
        """Answer normally, but only after `seconds` (longer than the client's timeout → a timeout)."""
        self.add_fault(Fault(status=0, delay=seconds, times=times, path_contains=path))

    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def expire_token(self) -> None:
        """Every token is refused from now on (error 190), as when a system-user token is revoked."""
        with self._lock:
            self.accepted_tokens = set()

    def add_media(self, media_id: str, content: bytes, mime_type: str) -> None:
        with self._lock:
            self._media[media_id] = _Media(content, mime_type)

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._faults.clear()
            self.outside_window.clear()
            self.undeliverable.clear()
            self.accepted_tokens = {self.token}

    def clear_faults(self) -> None:
        """The outage is over: every later request is answered normally (the record is kept)."""
        with self._lock:
            self._faults.clear()

    # --- Inspection ---------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def sent_messages(self) -> list[dict[str, Any]]:
        """Bodies of the messages Meta accepted (read receipts and failed attempts excluded)."""
        return [
            r.json
            for r in self.requests
            if r.method == "POST" and r.status == 200 and MESSAGES_PATH.match(r.path) and "status" not in r.json
        ]

    def read_receipts(self) -> list[dict[str, Any]]:
        return [r.json for r in self.requests if r.method == "POST" and r.status == 200 and "status" in (r.json or {})]

    def wait_for(self, predicate: Callable[[FakeGraphServer], bool], timeout: float = 10.0) -> bool:
        """Block until `predicate(self)` holds (re-checked on every request) or the timeout passes."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                self._lock.release()
                try:
                    if predicate(self):
                        return True
                finally:
                    self._lock.acquire()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(min(remaining, 0.2))

    # --- Request handling (server threads) ----------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._changed:
            self._requests.append(request)
            self._changed.notify_all()

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(path) and fault.times > 0:
                    if fault.after > 0:
                        fault.after -= 1
                        continue
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, str, bytes]:
        """(status, content type, body) for one request, as Meta would answer it."""
        if path.startswith("/_fake/"):
            return self._control(method, path, body)
        fault = self._take_fault(path)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status:
                return _error(fault.status, fault.code, fault.message)
        token = headers.get("authorization", "").removeprefix("Bearer ").strip()
        with self._lock:
            authorised = token in self.accepted_tokens
        if not authorised:
            return _error(401, 190, ERROR_TITLES[190])
        if match := MEDIA_FILE_PATH.match(path):
            media = self._media.get(match.group(1))
            if media is None:
                return 404, "text/plain", b"not found"
            return 200, media.mime_type, media.content
        if method == "POST" and (match := MESSAGES_PATH.match(path)):
            return self._post_message(body)
        if method == "GET" and (match := MEDIA_INFO_PATH.match(path)):
            media_id = match.group(2)
            media = self._media.get(media_id)
            if media is None:
                return _error(400, 100, f"Unsupported get request. Object with ID '{media_id}' does not exist")
            return _json(
                200,
                {
                    "messaging_product": "whatsapp",
                    "url": f"{self.url}/_media/{media_id}",
                    "mime_type": media.mime_type,
                    "sha256": hashlib.sha256(media.content).hexdigest(),
                    "file_size": len(media.content),
                    "id": media_id,
                },
            )
        return _error(400, 100, f"Unknown path components: {path}")

    def _post_message(self, raw: bytes) -> tuple[int, str, bytes]:
        try:
            payload = json.loads(raw)
        except ValueError:
            return _error(400, 100, "Invalid JSON")
        if not isinstance(payload, dict) or payload.get("messaging_product") != "whatsapp":
            return _error(400, 100, "The parameter messaging_product is required.")
        if payload.get("status") == "read":
            if not payload.get("message_id"):
                return _error(400, 100, "The parameter message_id is required.")
            return _json(200, {"success": True})
        to = str(payload.get("to") or "")
        if not to:
            return _error(400, 100, "The parameter to is required.")
        if to in self.undeliverable:
            return _error(400, 131026, ERROR_TITLES[131026])
        kind = payload.get("type", "text")
        if kind == "text":
            text = payload.get("text")
            body = text.get("body") if isinstance(text, dict) else None
            if not isinstance(body, str) or not body:
                return _error(400, 100, "The parameter text['body'] is required.")
            if len(body) > 4096:
                return _error(400, 100, "Param text['body'] must be at most 4096 characters long.")
            if to in self.outside_window:
                return _error(400, 131047, ERROR_TITLES[131047])
        elif kind == "template":
            template = payload.get("template")
            if not isinstance(template, dict) or not template.get("name") or not template.get("language"):
                return _error(400, 100, "The parameter template['name'] and ['language'] are required.")
        wamid = f"wamid.FAKE{next(self._ids):012d}"
        return _json(
            200,
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": wamid, "message_status": "accepted"}],
            },
        )

    def _control(self, method: str, path: str, body: bytes) -> tuple[int, str, bytes]:
        if method == "GET" and path == "/_fake/requests":
            rows = [
                {**asdict(r), "body": r.body.decode("utf-8", "replace")}
                for r in self.requests
                if not r.path.startswith("/_fake/")
            ]
            return _json(200, rows)
        if method == "POST" and path == "/_fake/faults":
            try:
                self.add_fault(Fault(**json.loads(body)))
            except (TypeError, ValueError) as exc:
                return _json(400, {"error": str(exc)})
            return _json(200, {"ok": True})
        if method == "POST" and path == "/_fake/reset":
            self.reset()
            return _json(200, {"ok": True})
        return _json(404, {"error": "unknown control path"})


def _json(status: int, payload: Any) -> tuple[int, str, bytes]:
    return status, "application/json", json.dumps(payload).encode()


def _error(status: int, code: int | None, message: str = "") -> tuple[int, str, bytes]:
    """Meta's error body (Graph API error reference)."""
    if code is None:
        return _json(status, {"error": {"message": message or "Internal server error", "type": "OAuthException"}})
    error = {
        "message": message or ERROR_TITLES.get(code, "Error"),
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": message or ERROR_TITLES.get(code, "")},
        "fbtrace_id": "AFakeTraceId",
    }
    return _json(status, {"error": error})


def _handler_for(server: FakeGraphServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
            pass  # quiet: tests read `server.requests` instead

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            record = RecordedRequest(self.command, parts.path, parse_qs(parts.query), headers, body)
            status, content_type, payload = server._answer(self.command, parts.path, headers, body)
            record.status = status
            if not parts.path.startswith("/_fake/"):
                server._record(record)
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test): nothing to answer

        do_GET = _handle  # noqa: N815 - BaseHTTPRequestHandler's naming
        do_POST = _handle  # noqa: N815
        do_DELETE = _handle  # noqa: N815

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the fake Graph API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--token", default="fake-graph-token")
    args = parser.parse_args()
    server = FakeGraphServer(port=args.port, token=args.token)
    print(f"fake Graph API at {server.url} (token {args.token})", flush=True)
    try:
        server._server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server._server.server_close()


if __name__ == "__main__":
    main()

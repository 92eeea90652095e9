"""One scripted HTTP server on 127.0.0.1: the base of every fake of a provider's HTTP API.

A real socket on a free port and a serving thread, so the product's real HTTP clients (httpx, the
`openai` SDK, the OpenTelemetry exporter) run against it with their real timeouts and retries. A
subclass speaks its provider's protocol in `answer()` (and its error body in `error()`); the base
does the rest, the same way for every fake:

    with FakeGraphServer() as graph:              # or .start() / .stop(); fixtures use the `with`
        graph.fail(times=3, status=500)            # the next 3 requests: 500 with the provider's error body
        graph.fail(status=400, code=131047)        # the next one: that provider error code
        graph.fail(status=200, body={"ok": True})  # the next one: exactly this JSON
        graph.delay(1.5)                           # the next one answers normally, 1.5 s late (a timeout)
        graph.requests                             # every request, with the status it was answered

Another process (a Celery worker's test, a benchmark) drives the same server over HTTP:
`GET /_fake/requests`, `POST /_fake/faults` (a `Fault` as JSON), `POST /_fake/reset`.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

CONTROL_PREFIX = "/_fake/"


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (for a child process or a server that picks no port itself)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased
    body: bytes
    status: int = 0  # what the fake answered; 0 while it is still answering
    at: float = field(default_factory=time.time)

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    @property
    def form(self) -> dict[str, str]:
        """An url-encoded body, first value of each field."""
        return {name: values[0] for name, values in parse_qs(self.body.decode()).items()}


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    # A stream (server-sent events): each chunk is written and flushed as it comes, and the end of
    # the stream is the end of the connection, as the providers do it.
    chunks: Iterable[bytes] | None = None


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps(payload).encode(), headers=headers or {})


@dataclass
class Fault:
    """What to do instead of answering normally, for the next `times` requests whose path matches."""

    status: int = 500  # 0: answer normally, once the delay is over
    code: int | None = None  # the provider's own error code, for error bodies that carry one
    message: str = ""
    delay: float = 0.0  # seconds to wait before answering (longer than the client's timeout: a timeout)
    times: int = 1
    path_contains: str = ""
    after: int = 0  # let this many matching requests through first (e.g. fail only the 2nd part)
    body: Any = None  # answer exactly this (JSON; a str as it is) instead of the provider's error body

    def matches(self, path: str) -> bool:
        return self.path_contains in path


class ScriptedHTTPServer:
    """Subclasses override `answer` (and `error` for their provider's error body)."""

    name = "fake-http"  # the serving thread's name, in thread dumps
    # True: a request is in the log from the moment it arrives (a test can see a call that hangs).
    # False: only once answered, with its status (a reader that counts statuses never sees a 0).
    record_on_arrival = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._lock = threading.Lock()
        self._requests: list[Request] = []
        self._faults: list[Fault] = []
        # The socket is bound here, so `url` is known before start() (and a test can stop a server
        # it never started, to get a port nobody listens on).
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True  # a handler asleep in a delay never holds up stop()
        self._thread: threading.Thread | None = None

    # --- Lifecycle ----------------------------------------------------------------------------

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> Self:
        if self._thread is None:
            # A short poll interval: shutdown() waits up to one interval, and tests stop a server each.
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name=self.name, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:  # shutdown() waits for a serve_forever loop that must exist
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve(self) -> None:
        """Serve in the foreground until interrupted (a fake run alone, `python -m testsupport.graph`)."""
        try:
            self._server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self._server.server_close()

    # --- Script -------------------------------------------------------------------------------

    def fail(
        self,
        times: int = 1,
        status: int = 500,
        code: int | None = None,
        message: str = "",
        path: str = "",
        after: int = 0,
        body: Any = None,
    ) -> None:
        self.add_fault(
            Fault(status=status, code=code, message=message, times=times, path_contains=path, after=after, body=body)
        )

    def delay(self, seconds: float, times: int = 1, path: str = "") -> None:
        """Answer normally, but only after `seconds` (longer than the client's timeout → a timeout)."""
        self.add_fault(Fault(status=0, delay=seconds, times=times, path_contains=path))

    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        """The outage is over: every later request is answered normally (the log is kept)."""
        with self._lock:
            self._faults.clear()

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._faults.clear()

    # --- Inspection ---------------------------------------------------------------------------

    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._requests)

    def hits(self) -> int:
        with self._lock:
            return len(self._requests)

    # --- What subclasses speak ----------------------------------------------------------------

    def answer(self, request: Request) -> Response:
        """The provider's answer to one request (runs on a server thread)."""
        return json_response(404, {"error": f"no such path: {request.path}"})

    def error(self, fault: Fault) -> Response:
        """The provider's error body for a scripted failure."""
        return json_response(fault.status, {"error": {"message": fault.message or HTTPStatus(fault.status).phrase}})

    # --- Request handling (server threads) ----------------------------------------------------

    def _respond(self, request: Request) -> Response:
        if request.path.startswith(CONTROL_PREFIX):
            return self._control(request)
        if self.record_on_arrival:
            self._record(request)
        fault = self._take_fault(request.path)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.body is not None:
            body = fault.body if isinstance(fault.body, str) else json.dumps(fault.body)
            response = Response(fault.status or 200, body.encode())
        elif fault is not None and fault.status:
            response = self.error(fault)
        else:
            response = self.answer(request)
        request.status = response.status
        if not self.record_on_arrival:
            self._record(request)
        return response

    def _record(self, request: Request) -> None:
        with self._lock:
            self._requests.append(request)

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

    def _control(self, request: Request) -> Response:
        if request.method == "GET" and request.path == f"{CONTROL_PREFIX}requests":
            return json_response(200, [{**asdict(r), "body": r.body.decode("utf-8", "replace")} for r in self.requests])
        if request.method == "POST" and request.path == f"{CONTROL_PREFIX}faults":
            try:
                self.add_fault(Fault(**json.loads(request.body)))
            except (TypeError, ValueError) as exc:
                return json_response(400, {"error": str(exc)})
            return json_response(200, {"ok": True})
        if request.method == "POST" and request.path == f"{CONTROL_PREFIX}reset":
            self.reset()
            return json_response(200, {"ok": True})
        return json_response(404, {"error": "unknown control path"})


def _handler_for(server: ScriptedHTTPServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # the stdlib's name
            pass  # quiet: tests read `server.requests` instead

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            headers = {name.lower(): value for name, value in self.headers.items()}
            response = server._respond(Request(self.command, parts.path, parse_qs(parts.query), headers, body))
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                self._write(response)

        def _write(self, response: Response) -> None:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            for name, value in response.headers.items():
                self.send_header(name, value)
            if response.chunks is None:
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                self.wfile.write(response.body)
                return
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            for chunk in response.chunks:
                self.wfile.write(chunk)
                self.wfile.flush()

        do_GET = _handle  # BaseHTTPRequestHandler's naming
        do_POST = _handle
        do_PUT = _handle
        do_DELETE = _handle

    return Handler

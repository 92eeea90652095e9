"""A fake Twilio-like SMS API on 127.0.0.1 for tests (a real HTTP server: the provider's real httpx client runs).

    with FakeSmsServer(account_sid="AC1", auth_token="t0k") as server:
        provider = HttpSmsProvider(server.url_template, "AC1", "t0k", "+60300000000")
        server.fail(status=500)            # the next request gets a 500
        server.delay(2.0)                  # the next request answers after 2 s

`POST /2010-04-01/Accounts/{sid}/Messages.json` with basic auth and form fields To, From, Body →
201 `{"sid": "SM…", "status": "queued", …}`; a bad number → 400 `{"code": 21211, …}`; wrong
credentials → 401.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

PATH = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages\.json$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


@dataclass
class SmsRequest:
    path: str
    authorization: str
    form: dict[str, str]
    status: int = 0
    at: float = field(default_factory=time.time)


class FakeSmsServer:
    def __init__(self, account_sid: str = "AC_fake", auth_token: str = "fake-token") -> None:  # noqa: S107
        self.account_sid, self.auth_token = account_sid, auth_token
        self.requests: list[SmsRequest] = []
        self._faults: list[tuple[int, float, str]] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url_template(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/2010-04-01/Accounts/{{sid}}/Messages.json"

    def __enter__(self) -> FakeSmsServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail(self, status: int = 500, body: str = "") -> None:
        with self._lock:
            self._faults.append((status, 0.0, body))

    def delay(self, seconds: float) -> None:
        with self._lock:
            self._faults.append((0, seconds, ""))

    def sent(self) -> list[dict[str, str]]:
        return [r.form for r in self.requests if r.status == 201]

    def _answer(self, path: str, authorization: str, raw: bytes) -> tuple[int, dict[str, Any] | str]:
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        request = SmsRequest(path, authorization, form)
        with self._lock:
            self.requests.append(request)
            fault = self._faults.pop(0) if self._faults else None
        if fault is not None:
            status, wait, body = fault
            time.sleep(wait)
            if status:
                request.status = status
                return status, body or {"code": 20500, "message": "Internal Server Error", "status": status}
        match = PATH.match(path)
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if not match or match.group(1) != self.account_sid:
            request.status = 404
            return 404, {"code": 20404, "message": "The requested resource was not found", "status": 404}
        if authorization != expected:
            request.status = 401
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}
        if not E164.match(form.get("To", "")):
            request.status = 400
            return 400, {"code": 21211, "message": f"The 'To' number {form.get('To', '')} is not valid.", "status": 400}
        if not form.get("Body"):
            request.status = 400
            return 400, {"code": 21602, "message": "Message body is required.", "status": 400}
        request.status = 201
        sid = f"SM{next(self._ids):032d}"
        return 201, {"sid": sid, "status": "queued", "to": form["To"], "from": form.get("From", "")}


def _handler_for(server: FakeSmsServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
            pass

        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            length = int(self.headers.get("Content-Length") or 0)
            status, body = server._answer(self.path, self.headers.get("Authorization", ""), self.rfile.read(length))
            payload = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler

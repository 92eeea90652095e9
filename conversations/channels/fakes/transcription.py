"""A fake OpenAI-compatible transcription endpoint (`POST /v1/audio/transcriptions`) on 127.0.0.1.

with FakeTranscriptionServer(text="Saya nak tempah bilik") as server:
    transcribe_audio(audio, "audio/ogg", base_url=server.base_url, api_key="k")
    server.fail(times=2, status=500)   # the next two calls get HTTP 500
    server.delay(1.0)                  # the next call answers after 1 s
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class TranscriptionRequest:
    path: str
    headers: dict[str, str]
    body: bytes


class FakeTranscriptionServer:
    def __init__(self, text: str = "hello", host: str = "127.0.0.1") -> None:
        self.text = text
        self.requests: list[TranscriptionRequest] = []
        self._failures: list[int] = []
        self._delays: list[float] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-transcription", daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> FakeTranscriptionServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)
        self._server.server_close()

    def fail(self, times: int = 1, status: int = 500) -> None:
        with self._lock:
            self._failures.extend([status] * times)

    def delay(self, seconds: float) -> None:
        with self._lock:
            self._delays.append(seconds)

    def _next_fault(self) -> tuple[int | None, float]:
        with self._lock:
            status = self._failures.pop(0) if self._failures else None
            delay = self._delays.pop(0) if self._delays else 0.0
        return status, delay

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
                pass

            def do_POST(self) -> None:  # noqa: N802 - BaseHTTPRequestHandler's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with server._lock:
                    server.requests.append(
                        TranscriptionRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                status, delay = server._next_fault()
                if delay:
                    time.sleep(delay)
                if self.path != "/v1/audio/transcriptions":
                    status = 404
                payload = (
                    {"error": {"message": "fake failure", "type": "server_error"}} if status else {"text": server.text}
                )
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status or 200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler

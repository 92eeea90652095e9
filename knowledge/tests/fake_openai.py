"""A tiny OpenAI-compatible embeddings server on 127.0.0.1, driven by the real `openai` client.

Each request pops the next scripted behaviour ("ok", "429", "500", "sleep", "wrong_dims"); when the
script is empty it answers normally. Vectors are deterministic per input text.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np


def vector_for(text: str, dimensions: int) -> list[float]:
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
    vector = np.random.default_rng(seed).standard_normal(dimensions)
    return (vector / np.linalg.norm(vector)).tolist()


@dataclass
class FakeEmbeddings:
    url: str = ""
    script: list[str] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)


@contextmanager
def fake_openai_server() -> Iterator[FakeEmbeddings]:
    state = FakeEmbeddings()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with lock:
                state.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                behaviour = state.script.pop(0) if state.script else "ok"
            if self.path != "/v1/embeddings":
                return self._send(404, {"error": {"message": "not found"}})
            if behaviour == "429":
                return self._send(429, {"error": {"message": "Rate limit reached", "type": "rate_limit_error"}})
            if behaviour == "500":
                return self._send(500, {"error": {"message": "The server had an error", "type": "server_error"}})
            if behaviour == "sleep":
                time.sleep(2)
            inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
            dims = body.get("dimensions") or 1536
            if behaviour == "wrong_dims":
                dims += 1
            data = [
                {"object": "embedding", "index": i, "embedding": vector_for(text, dims)}
                for i, text in enumerate(inputs)
            ]
            self._send(
                200,
                {
                    "object": "list",
                    "data": data,
                    "model": body["model"],
                    "usage": {"prompt_tokens": 1, "total_tokens": 1},
                },
            )

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()

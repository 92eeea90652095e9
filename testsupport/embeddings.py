"""A fake OpenAI-compatible embeddings endpoint (`POST /v1/embeddings`) on 127.0.0.1, for the real `openai` client.

Vectors are deterministic per input text (`vector_for`), sized as the request asks.

    with FakeEmbeddingsServer() as fake:
        provider = OpenAIProvider(api_key="sk-test", base_url=fake.base_url, ...)
        fake.fail(status=429)          # the next call: a rate limit
        fake.delay(2)                  # the next call answers after 2 s
        fake.wrong_dimensions()        # the next call answers one dimension more than asked
"""

from __future__ import annotations

import hashlib

import numpy as np

from testsupport.http import Fault, Request, Response, ScriptedHTTPServer, json_response


def vector_for(text: str, dimensions: int) -> list[float]:
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
    vector = np.random.default_rng(seed).standard_normal(dimensions)
    return (vector / np.linalg.norm(vector)).tolist()


class FakeEmbeddingsServer(ScriptedHTTPServer):
    name = "fake-embeddings"

    def __init__(self) -> None:
        super().__init__()
        self._wrong_dimensions = 0

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def wrong_dimensions(self, times: int = 1) -> None:
        """The next `times` answers carry one dimension more than asked (a provider misconfigured)."""
        with self._lock:
            self._wrong_dimensions += times

    def error(self, fault: Fault) -> Response:
        if fault.status == 429:
            return json_response(429, {"error": {"message": "Rate limit reached", "type": "rate_limit_error"}})
        return json_response(fault.status, {"error": {"message": "The server had an error", "type": "server_error"}})

    def answer(self, request: Request) -> Response:
        if request.path != "/v1/embeddings":
            return json_response(404, {"error": {"message": "not found"}})
        body = request.json
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        dims = body.get("dimensions") or 1536
        with self._lock:
            if self._wrong_dimensions > 0:
                self._wrong_dimensions -= 1
                dims += 1
        data = [
            {"object": "embedding", "index": i, "embedding": vector_for(text, dims)} for i, text in enumerate(inputs)
        ]
        return json_response(
            200,
            {"object": "list", "data": data, "model": body["model"], "usage": {"prompt_tokens": 1, "total_tokens": 1}},
        )

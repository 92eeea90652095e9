"""Fake OpenAI-compatible and Anthropic Messages API servers on 127.0.0.1.

They speak the real wire formats (server-sent events for streams, the providers' error bodies),
so the real `openai` and `anthropic` clients are exercised end to end: streaming, 429, 5xx and
timeouts. Each request takes the next scripted behaviour; when the script is empty the default
one applies.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Behaviour:
    kind: str  # stream | status | sleep | echo_knowledge | echo_prompt
    text: str = ""
    status: int = 200
    seconds: float = 0.0


def stream(text: str) -> Behaviour:
    """`text` word by word as server-sent events, or as one JSON completion if the request is not streamed."""
    return Behaviour("stream", text=text)


def status(code: int) -> Behaviour:
    return Behaviour("status", status=code)


def hang(seconds: float) -> Behaviour:
    """Answer nothing for `seconds` (longer than the client's timeout), then a normal stream."""
    return Behaviour("sleep", text="too late", seconds=seconds)


def echo_prompt() -> Behaviour:
    """Stream the whole prompt back (system and messages): a model that obeys every injection."""
    return Behaviour("echo_prompt")


def echo_knowledge() -> Behaviour:
    """Stream the first knowledge item found in the prompt: a grounded answer without a model."""
    return Behaviour("echo_knowledge")


_ITEM = re.compile(r"<item [^>]*>\n(.*?)\n</item>", re.DOTALL)


@dataclass
class FakeLLMServer:
    flavour: str  # openai | anthropic
    default: Behaviour = field(default_factory=lambda: stream("Hello from the fake model."))
    script: deque[Behaviour] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    chunk_words: int = 1

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    server.requests.append({"path": self.path, "body": body, "headers": dict(self.headers)})
                    behaviour = server.script.popleft() if server.script else server.default
                server._respond(self, body, behaviour)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def base_url(self) -> str:
        # The openai client appends /chat/completions to its base; the anthropic one appends /v1/messages.
        root = f"http://127.0.0.1:{self.port}"
        return f"{root}/v1" if self.flavour == "openai" else root

    def enqueue(self, *behaviours: Behaviour) -> None:
        with self._lock:
            self.script.extend(behaviours)

    def hits(self) -> int:
        with self._lock:
            return len(self.requests)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- responses -----------------------------------------------------------------------------

    def _respond(self, handler: BaseHTTPRequestHandler, body: dict[str, Any], behaviour: Behaviour) -> None:
        if behaviour.kind == "status":
            self._error(handler, behaviour.status)
            return
        if behaviour.kind == "sleep":
            time.sleep(behaviour.seconds)
        text = behaviour.text
        if behaviour.kind == "echo_prompt":
            text = "\n".join(str(m.get("content", "")) for m in body.get("messages") or [])
            text = (str(body.get("system", "")) + "\n" + text).strip()  # Anthropic sends the system apart
        if behaviour.kind == "echo_knowledge":
            messages = body.get("messages") or [{"content": ""}]
            found = _ITEM.findall(str(messages[-1].get("content", "")))
            text = found[0] if found else "The team will confirm that for you."
        try:
            if self.flavour == "openai" and not body.get("stream"):
                self._openai_json(handler, text)
            elif self.flavour == "openai":
                self._openai_stream(handler, text)
            else:
                self._anthropic_stream(handler, text)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to deliver to

    def _error(self, handler: BaseHTTPRequestHandler, code: int) -> None:
        if self.flavour == "openai":
            payload = {"error": {"message": f"fake error {code}", "type": "server_error", "code": None}}
        else:
            kind = "rate_limit_error" if code == 429 else "api_error"
            payload = {"type": "error", "error": {"type": kind, "message": f"fake error {code}"}}
        data = json.dumps(payload).encode()
        handler.send_response(code)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("retry-after-ms", "10")  # keep the SDK's own retry quick
        handler.end_headers()
        handler.wfile.write(data)

    def _pieces(self, text: str) -> list[str]:
        words = re.findall(r"\S+\s*", text)
        n = max(1, self.chunk_words)
        return ["".join(words[i : i + n]) for i in range(0, len(words), n)] or [""]

    def _sse_start(self, handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Cache-Control", "no-cache")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.close_connection = True

    def _openai_json(self, handler: BaseHTTPRequestHandler, text: str) -> None:
        data = json.dumps(
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": "fake",
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": text, "refusal": None},
                    }
                ],
                "usage": {"prompt_tokens": 30, "completion_tokens": 10, "total_tokens": 40},
            }
        ).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _openai_stream(self, handler: BaseHTTPRequestHandler, text: str) -> None:
        self._sse_start(handler)

        def send(obj: Any) -> None:
            handler.wfile.write(f"data: {json.dumps(obj)}\n\n".encode())
            handler.wfile.flush()

        base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()), "model": "fake"}
        send({**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]})
        pieces = self._pieces(text)
        for piece in pieces:
            send({**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
        send({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        send(
            {
                **base,
                "choices": [],
                "usage": {"prompt_tokens": 42, "completion_tokens": len(pieces), "total_tokens": 42 + len(pieces)},
            }
        )
        handler.wfile.write(b"data: [DONE]\n\n")
        handler.wfile.flush()

    def _anthropic_stream(self, handler: BaseHTTPRequestHandler, text: str) -> None:
        self._sse_start(handler)

        def send(event: str, obj: Any) -> None:
            handler.wfile.write(f"event: {event}\ndata: {json.dumps(obj)}\n\n".encode())
            handler.wfile.flush()

        pieces = self._pieces(text)
        send(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": "msg_fake",
                    "type": "message",
                    "role": "assistant",
                    "model": "fake-haiku",
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": 42, "output_tokens": 1},
                },
            },
        )
        send(
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        )
        for piece in pieces:
            send(
                "content_block_delta",
                {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}},
            )
        send("content_block_stop", {"type": "content_block_stop", "index": 0})
        send(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": len(pieces)},
            },
        )
        send("message_stop", {"type": "message_stop"})

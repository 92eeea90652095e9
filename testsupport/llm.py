"""Fake OpenAI-compatible and Anthropic Messages API servers on 127.0.0.1.

They speak the real wire formats (server-sent events for streams, the providers' error bodies),
so the real `openai` and `anthropic` clients are exercised end to end: streaming, 429, 5xx and
timeouts. Each request takes the next scripted behaviour; when the script is empty the default
one applies.

    with FakeLLMServer("openai") as llm:
        llm.enqueue(status(429), stream("Yes, we have a pool."))   # a rate limit, then an answer
        llm.default = hang(3)                                       # every later call: past the timeout
"""

from __future__ import annotations

import json
import re
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from testsupport.http import Fault, Request, Response, ScriptedHTTPServer, json_response


@dataclass(frozen=True)
class Behaviour:
    kind: str  # stream | status | sleep | echo_knowledge | echo_prompt | compute | body
    text: str = ""
    status: int = 200
    seconds: float = 0.0
    respond: Callable[[dict[str, Any]], str] | None = None
    payload: dict[str, Any] | None = None


def compute(respond: Callable[[dict[str, Any]], str]) -> Behaviour:
    """The reply worked out from the request body (`respond(body)`): a model that reads what it is sent."""
    return Behaviour("compute", respond=respond)


def stream(text: str) -> Behaviour:
    """`text` word by word as server-sent events, or as one JSON completion if the request is not streamed."""
    return Behaviour("stream", text=text)


def body(payload: dict[str, Any]) -> Behaviour:
    """`payload` as the whole 200 JSON answer: an endpoint answering in a shape of its own (no choices)."""
    return Behaviour("body", payload=payload)


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


class FakeLLMServer(ScriptedHTTPServer):
    name = "fake-llm"

    def __init__(self, flavour: str, default: Behaviour | None = None, chunk_words: int = 1) -> None:
        super().__init__()
        self.flavour = flavour  # openai | anthropic
        self.default = default or stream("Hello from the fake model.")
        self.script: deque[Behaviour] = deque()
        self.chunk_words = chunk_words

    @property
    def base_url(self) -> str:
        # The openai client appends /chat/completions to its base; the anthropic one appends /v1/messages.
        return f"{self.url}/v1" if self.flavour == "openai" else self.url

    def enqueue(self, *behaviours: Behaviour) -> None:
        with self._lock:
            self.script.extend(behaviours)

    # --- responses (server threads) ------------------------------------------------------------

    def answer(self, request: Request) -> Response:
        with self._lock:
            behaviour = self.script.popleft() if self.script else self.default
        body = request.json or {}
        if behaviour.kind == "status":
            return self.error(Fault(status=behaviour.status))
        if behaviour.kind == "body":
            return json_response(200, behaviour.payload or {})
        if behaviour.kind == "sleep":
            time.sleep(behaviour.seconds)
        text = behaviour.text
        if behaviour.kind == "echo_prompt":
            text = "\n".join(str(m.get("content", "")) for m in body.get("messages") or [])
            text = (str(body.get("system", "")) + "\n" + text).strip()  # Anthropic sends the system apart
        if behaviour.kind == "compute" and behaviour.respond is not None:
            text = behaviour.respond(body)
        if behaviour.kind == "echo_knowledge":
            messages = body.get("messages") or [{"content": ""}]
            found = _ITEM.findall(str(messages[-1].get("content", "")))
            text = found[0] if found else "The team will confirm that for you."
        if self.flavour == "openai" and not body.get("stream"):
            return self._openai_json(text)
        events = self._openai_events(text) if self.flavour == "openai" else self._anthropic_events(text)
        return Response(200, content_type="text/event-stream", headers={"Cache-Control": "no-cache"}, chunks=events)

    def error(self, fault: Fault) -> Response:
        code = fault.status
        if self.flavour == "openai":
            payload: dict[str, Any] = {"error": {"message": f"fake error {code}", "type": "server_error", "code": None}}
        else:
            kind = "rate_limit_error" if code == 429 else "api_error"
            payload = {"type": "error", "error": {"type": kind, "message": f"fake error {code}"}}
        return json_response(code, payload, headers={"retry-after-ms": "10"})  # keep the SDK's own retry quick

    def _pieces(self, text: str) -> list[str]:
        words = re.findall(r"\S+\s*", text)
        n = max(1, self.chunk_words)
        return ["".join(words[i : i + n]) for i in range(0, len(words), n)] or [""]

    def _openai_json(self, text: str) -> Response:
        return json_response(
            200,
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
            },
        )

    def _openai_events(self, text: str) -> Iterator[bytes]:
        def event(obj: Any) -> bytes:
            return f"data: {json.dumps(obj)}\n\n".encode()

        base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()), "model": "fake"}
        yield event(
            {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}
        )
        pieces = self._pieces(text)
        for piece in pieces:
            yield event({**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
        yield event({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        yield event(
            {
                **base,
                "choices": [],
                "usage": {"prompt_tokens": 42, "completion_tokens": len(pieces), "total_tokens": 42 + len(pieces)},
            }
        )
        yield b"data: [DONE]\n\n"

    def _anthropic_events(self, text: str) -> Iterator[bytes]:
        def event(name: str, obj: Any) -> bytes:
            return f"event: {name}\ndata: {json.dumps(obj)}\n\n".encode()

        pieces = self._pieces(text)
        yield event(
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
        yield event(
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        )
        for piece in pieces:
            yield event(
                "content_block_delta",
                {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}},
            )
        yield event("content_block_stop", {"type": "content_block_stop", "index": 0})
        yield event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": len(pieces)},
            },
        )
        yield event("message_stop", {"type": "message_stop"})

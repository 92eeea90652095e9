"""A fake Meta Graph API (WhatsApp Cloud API) on 127.0.0.1, for tests and benchmarks.

It is a real HTTP server (`testsupport.http.ScriptedHTTPServer`), so the adapter's real httpx client,
timeouts and connection handling are exercised. It records every request, answers like Meta
(message ids, read receipts, media info + download behind a bearer token, Meta's error body),
checks what Meta checks (token, body ≤ 4096, required fields) and can be told to fail:

    with FakeGraphServer() as graph:
        graph.fail(times=3, status=500)               # the next 3 requests get HTTP 500
        graph.fail(code=131047, status=400)           # the next one: re-engagement error
        graph.delay(1.5)                              # the next one answers after 1.5 s
        graph.outside_window.add("60123456789")       # free text to this wa_id → 131047
        graph.add_phone_number("111", "+60 3-1234 5678")  # GET /111 answers for graph.token only
        adapter = WhatsAppAdapter("111", graph.token, base_url=graph.url)

Another process (a Celery worker, a benchmark) can drive the same server: `GET /_fake/requests`,
`POST /_fake/faults` (a `Fault` as JSON), `POST /_fake/reset`. Run it alone with
`python -m testsupport.graph --port 8765`.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from testsupport.http import Fault, Request, Response, ScriptedHTTPServer, json_response
from testsupport.wait import wait_until

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
class _PhoneNumber:
    display_phone_number: str
    verified_name: str
    tokens: set[str]


@dataclass
class _Media:
    content: bytes
    mime_type: str


class FakeGraphServer(ScriptedHTTPServer):
    name = "fake-graph"
    # A request is logged once answered, with its status: readers (sent_messages, `make chaos`)
    # count what Meta accepted and must never see a send still in flight.
    record_on_arrival = False

    def __init__(self, host: str = "127.0.0.1", port: int = 0, token: str = "fake-graph-token") -> None:  # noqa: S107
        super().__init__(host, port)
        self.token = token
        self.accepted_tokens = {token}
        self.outside_window: set[str] = set()
        self.undeliverable: set[str] = set()
        self._media: dict[str, _Media] = {}
        self._numbers: dict[str, _PhoneNumber] = {}
        self._ids = itertools.count(1)

    # --- Control ------------------------------------------------------------------------------

    def expire_token(self) -> None:
        """Every token is refused from now on (error 190), as when a system-user token is revoked."""
        with self._lock:
            self.accepted_tokens = set()

    def add_phone_number(
        self,
        phone_number_id: str,
        display: str = "+60 3-1234 5678",
        *,
        name: str = "Hotel",
        tokens: set[str] | None = None,
    ) -> None:
        """A number of a WhatsApp Business account; `GET /{id}` answers it only for `tokens` (default: the
        server's token). Any other id, or this one with another token, gets Meta's "does not exist,
        cannot be loaded due to missing permissions" error."""
        with self._lock:
            self._numbers[phone_number_id] = _PhoneNumber(display, name, set(tokens or {self.token}))

    def add_media(self, media_id: str, content: bytes, mime_type: str) -> None:
        with self._lock:
            self._media[media_id] = _Media(content, mime_type)

    def reset(self) -> None:
        super().reset()
        with self._lock:
            self.outside_window.clear()
            self.undeliverable.clear()
            self.accepted_tokens = {self.token}

    # --- Inspection ---------------------------------------------------------------------------

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
        """Block until `predicate(self)` holds or the timeout passes."""
        return bool(wait_until(lambda: predicate(self), timeout=timeout, interval=0.02))

    # --- Meta's answers (server threads) ------------------------------------------------------

    def error(self, fault: Fault) -> Response:
        return _error(fault.status, fault.code, fault.message)

    def answer(self, request: Request) -> Response:
        method, path = request.method, request.path
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        with self._lock:
            authorised = token in self.accepted_tokens
        if not authorised:
            return _error(401, 190, ERROR_TITLES[190])
        if match := MEDIA_FILE_PATH.match(path):
            media = self._media.get(match.group(1))
            if media is None:
                return Response(404, b"not found", "text/plain")
            return Response(200, media.content, media.mime_type)
        if method == "POST" and MESSAGES_PATH.match(path):
            return self._post_message(request.body)
        if method == "GET" and (match := MEDIA_INFO_PATH.match(path)):
            media_id = match.group(2)
            with self._lock:
                number = self._numbers.get(media_id)
            if number is not None and token in number.tokens:
                return json_response(
                    200,
                    {
                        "verified_name": number.verified_name,
                        "display_phone_number": number.display_phone_number,
                        "id": media_id,
                        "quality_rating": "GREEN",
                    },
                )
            media = self._media.get(media_id)
            if media is None:
                # Meta gives one answer whether the object is missing or the token may not read it.
                return _error(
                    400,
                    100,
                    f"Unsupported get request. Object with ID '{media_id}' does not exist, cannot be loaded due "
                    "to missing permissions, or does not support this operation",
                )
            return json_response(
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

    def _post_message(self, raw: bytes) -> Response:
        try:
            payload = json.loads(raw)
        except ValueError:
            return _error(400, 100, "Invalid JSON")
        if not isinstance(payload, dict) or payload.get("messaging_product") != "whatsapp":
            return _error(400, 100, "The parameter messaging_product is required.")
        if payload.get("status") == "read":
            if not payload.get("message_id"):
                return _error(400, 100, "The parameter message_id is required.")
            return json_response(200, {"success": True})
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
        elif kind == "interactive":
            problem = _reply_buttons_problem(payload.get("interactive"))
            if problem:
                return _error(400, 100, problem)
            if to in self.outside_window:
                return _error(400, 131047, ERROR_TITLES[131047])
        elif kind == "template":
            template = payload.get("template")
            if not isinstance(template, dict) or not template.get("name") or not template.get("language"):
                return _error(400, 100, "The parameter template['name'] and ['language'] are required.")
        wamid = f"wamid.FAKE{next(self._ids):012d}"
        return json_response(
            200,
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": wamid, "message_status": "accepted"}],
            },
        )


def _reply_buttons_problem(interactive: Any) -> str:
    """What Meta would refuse in an interactive reply-buttons object ("" when it is well formed)."""
    if not isinstance(interactive, dict) or interactive.get("type") != "button":
        return "The parameter interactive['type'] must be one of {button, list, ...}."
    body = interactive.get("body")
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text or len(text) > 1024:
        return "Param interactive['body']['text'] is required and must be at most 1024 characters long."
    action = interactive.get("action")
    buttons = action.get("buttons") if isinstance(action, dict) else None
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        return "Param interactive['action']['buttons'] must have 1 to 3 buttons."
    replies = [b.get("reply") if isinstance(b, dict) and b.get("type") == "reply" else None for b in buttons]
    if any(not isinstance(r, dict) for r in replies):
        return "Each button must be of type reply with a reply object."
    ids = [r.get("id") for r in replies]
    titles = [r.get("title") for r in replies]
    if any(not isinstance(i, str) or not i or len(i) > 256 for i in ids) or len(set(ids)) != len(ids):
        return "Button ids must be unique, non-empty and at most 256 characters long."
    if any(not isinstance(t, str) or not t or len(t) > 20 for t in titles) or len(set(titles)) != len(titles):
        return "Button titles must be unique, non-empty and at most 20 characters long."
    return ""


def _error(status: int, code: int | None, message: str = "") -> Response:
    """Meta's error body (Graph API error reference)."""
    if code is None:
        return json_response(
            status, {"error": {"message": message or "Internal server error", "type": "OAuthException"}}
        )
    error = {
        "message": message or ERROR_TITLES.get(code, "Error"),
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": message or ERROR_TITLES.get(code, "")},
        "fbtrace_id": "AFakeTraceId",
    }
    return json_response(status, {"error": error})


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the fake Graph API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--token", default="fake-graph-token")
    args = parser.parse_args()
    server = FakeGraphServer(port=args.port, token=args.token)
    print(f"fake Graph API at {server.url} (token {args.token})", flush=True)
    server.serve()


if __name__ == "__main__":
    main()

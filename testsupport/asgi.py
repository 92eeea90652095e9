"""Calling an ASGI app in process, as daphne would: one HTTP request, its answer collected."""

from __future__ import annotations

from typing import Any


async def call_asgi(
    app: Any, method: str, path: str, body: bytes, headers: dict[str, str], client: tuple[str, int] | None = None
) -> tuple[int, bytes]:
    """(status, body) of `app`'s answer; the body arrives in 1,000-byte chunks, as a server may pass it."""
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": list(client) if client else None,
    }
    chunks = [body[i : i + 1000] for i in range(0, len(body), 1000)] or [b""]
    incoming = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
    sent: list[dict] = []

    async def receive() -> dict:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])

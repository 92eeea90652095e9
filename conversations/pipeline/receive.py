"""Receiving Meta's WhatsApp webhook POST: one flow, whichever door the request came through.

Two doors serve the same URL: the Django view (`conversations.webhooks`, under runserver and the
test client) and the ASGI fast path (`fast_webhook`, under daphne), which keeps its own pool of
async connections and commits the rows of concurrent requests together. Both run this flow, so
they check in the same order and give the same answers:

1. size: a body over `MAX_BODY_BYTES` is a 413 (the doors stop reading there);
2. the signature over the raw body: 401, nothing parsed, nothing stored;
3. parse: 400 with the parser's reason for a body we cannot read;
4. route each `phone_number_id` to its property's schema (`routing.whatsapp_schemas`); an
   unknown number is logged and answered 200, so Meta stops retrying;
5. store each message or status once (`INSERT … ON CONFLICT DO NOTHING`): a redelivery is a no-op;
6. 200 with how many events were received and how many were new. The database failing us at 4
   or 5 is a 503, so Meta retries.

The flow does no I/O itself: it yields what it needs done (a routing `Query`, the `Store` of its
rows) and is sent the result. `receive_whatsapp` runs it on Django's connection; the fast path
runs the same flow on its pool.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import structlog
from django.conf import settings
from django.db import DatabaseError

from conversations.pipeline import inbound, routing
from messaging.whatsapp import MalformedPayload, TemplateStatus, parse_webhook, verify_signature
from messaging.whatsapp.inbound import load_body

log = structlog.get_logger(__name__)

MAX_BODY_BYTES = 3 * 1024 * 1024  # Meta's bodies are a few KB

Row = tuple[str, str, str, str, dict[str, Any]]  # (schema, channel, kind, provider_id, payload), as inbound stores it


@dataclass(frozen=True)
class Store:
    """Store these rows once each; the answer is how many were new."""

    rows: list[Row]


@dataclass(frozen=True)
class Outcome:
    """The answer to Meta (status and JSON body) and the rows the request carried."""

    status: int
    body: dict[str, Any]
    rows: list[Row] = field(default_factory=list)

    def content(self) -> bytes:
        return json.dumps(self.body).encode()


Flow = Generator[routing.Query | Store, Any, Outcome]


def refusal(status: int, reason: str) -> Outcome:
    return Outcome(status, {"error": reason})


TOO_LARGE = refusal(413, f"over {MAX_BODY_BYTES} bytes")
UNAVAILABLE = refusal(503, "temporarily unavailable")


def whatsapp_flow(raw_body: bytes, signature: str | None) -> Flow:
    """The steps of one request, in order (see the module); the caller runs what it yields."""
    if len(raw_body) > MAX_BODY_BYTES:
        return TOO_LARGE
    if not verify_signature(raw_body, signature, settings.WHATSAPP_APP_SECRET):
        log.warning("whatsapp_bad_signature")
        return refusal(401, "invalid signature")
    try:
        payload = load_body(raw_body)
        schemas = yield from routing.whatsapp_schemas(phone_number_ids(payload))
        events = parse_webhook(payload, schemas.get)
    except MalformedPayload as exc:
        return refusal(400, exc.reason)
    accounts = yield from routing.waba_schemas(e.waba_id for e in events if isinstance(e, TemplateStatus))
    rows = inbound.whatsapp_rows(events, accounts)
    new = (yield Store(rows)) if rows else 0
    return Outcome(200, {"received": len(events), "new": new}, rows)


def receive_whatsapp(raw_body: bytes, signature: str | None) -> Outcome:
    """The flow on Django's connection: each new row is committed on its own and then enqueued."""
    flow = whatsapp_flow(raw_body, signature)
    try:
        step = next(flow)
        while True:
            try:
                done = routing.run_query(step) if isinstance(step, routing.Query) else inbound.store_events(step.rows)
            except DatabaseError:
                log.exception("whatsapp_webhook_store_failed")
                return UNAVAILABLE
            step = flow.send(done)
    except StopIteration as finished:
        return finished.value


def phone_number_ids(payload: dict[str, Any]) -> set[str]:
    """The numbers the body's changes are for, read as the parser reads them (a number may come as
    an integer); a shape we can't read is left to the parser to reject."""
    numbers: set[str] = set()
    for entry in _list(payload.get("entry")):
        for change in _list(entry.get("changes")) if isinstance(entry, dict) else []:
            value = change.get("value") if isinstance(change, dict) else None
            metadata = value.get("metadata") if isinstance(value, dict) else None
            number = metadata.get("phone_number_id") if isinstance(metadata, dict) else None
            if isinstance(number, int) and not isinstance(number, bool):
                number = str(number)
            if isinstance(number, str) and number:
                numbers.add(number)
    return numbers


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []

"""Webhook rate limiting that never loses a signed message (conversations/pipeline/ratelimit.py).

Bad signatures: 401 before any work. Signed events over the processing budget: stored, answered 200,
processed later (deferred on the worker). The optional hard ceiling: 503 without storing, Meta retries.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from conftest import host_client
from conversations import turns as turn_path
from conversations.models import InboundEvent, InboundState, Message, MessageRole
from conversations.pipeline import fast_webhook, inbound, ratelimit, routing
from conversations.pipeline.tasks import process_inbound
from properties.models import WhatsAppBinding
from testsupport.payloads import whatsapp_signed_headers, whatsapp_status_body, whatsapp_text_body

pytestmark = pytest.mark.django_db

SECRET = "ratelimit-app-secret"
NUMBER_A, NUMBER_B = "770000000001", "770000000002"


@pytest.fixture
def bound(world, settings):
    settings.WHATSAPP_APP_SECRET = SECRET
    routing.clear_cache()
    WhatsAppBinding.objects.create(property=world.a, phone_number_id=NUMBER_A, display_phone_number="1")
    WhatsAppBinding.objects.create(property=world.b, phone_number_id=NUMBER_B, display_phone_number="2")
    yield world
    routing.clear_cache()


@pytest.fixture
def budget(settings):
    """A small processing budget (2 events/s, bursts of 2), its buckets emptied of earlier tests' tokens, and
    emptied again afterwards: a bucket these tests drained would defer the next module's events of the property."""
    settings.INBOUND_PROCESS_RATE, settings.INBOUND_PROCESS_BURST, settings.INBOUND_MAX_DEFER = 2.0, 2.0, 30.0
    limiter = ratelimit._limiter("nocturn:inbound-process", 2.0, 2.0)
    for schema in ("alpha", "bravo"):
        limiter.reset(schema, "events")
    yield limiter
    for schema in ("alpha", "bravo"):
        limiter.reset(schema, "events")


def post(body: bytes, secret: str = SECRET, ip: str = "203.0.113.10"):
    headers = whatsapp_signed_headers(body, secret)
    client = host_client(None)
    return client.post(
        "/api/v1/webhook/whatsapp",
        body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": headers["X-Hub-Signature-256"]},
        REMOTE_ADDR=ip,
    )


def events(schema: str) -> list[InboundEvent]:
    with schema_context(schema):
        return list(InboundEvent.objects.order_by("pk"))


def test_a_bad_signature_flood_is_refused_before_any_work(bound) -> None:
    body = whatsapp_text_body(NUMBER_A, "60120000001", "hello")
    with CaptureQueriesContext(connection) as queries:
        statuses = {post(body, secret="not-the-secret").status_code for _ in range(50)}
    assert statuses == {401}
    # Only the tenant middleware's host lookup ran: no routing, no insert, no event table touched.
    assert not [q for q in queries.captured_queries if "whatsappbinding" in q["sql"] or "inboundevent" in q["sql"]]
    assert events("alpha") == []


def test_the_fast_path_refuses_a_bad_signature_without_opening_the_database(bound) -> None:
    async def scenario() -> tuple[int, Any]:
        app = fast_webhook.WhatsAppWebhookApp(None)  # type: ignore[arg-type]
        body = whatsapp_text_body(NUMBER_A, "60120000001", "hello")
        sent: list[dict] = []
        incoming = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> dict:
            return incoming.pop(0) if incoming else {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "method": "POST",
            "path": fast_webhook.PATH,
            "headers": [(b"x-hub-signature-256", b"sha256=00")],
            "client": ("203.0.113.10", 1),
        }
        await app(scope, receive, send)
        pool = app._pool
        await app.close()
        return sent[0]["status"], pool

    status, pool = asyncio.run(scenario())
    assert status == 401 and pool is None  # no connection pool was ever opened


def test_every_signed_event_over_the_budget_is_stored_and_answered_200(bound, budget) -> None:
    bodies = [whatsapp_text_body(NUMBER_A, f"6012000{i:04d}", f"question {i}") for i in range(12)]
    assert [post(b).status_code for b in bodies] == [200] * 12
    stored = events("alpha")
    assert len(stored) == 12 and {e.state for e in stored} == {InboundState.PENDING}
    assert [post(b).json()["new"] for b in bodies[:3]] == [0, 0, 0]  # Meta's redeliveries stay no-ops


def test_processing_over_the_budget_is_deferred_never_dropped(bound, budget, monkeypatch) -> None:
    """Play the worker: process every stored event; those over budget come back after their countdown."""
    deferred: list[tuple[int, float]] = []
    monkeypatch.setattr(
        process_inbound, "apply_async", lambda args, headers, countdown: deferred.append((args[0], countdown))
    )
    monkeypatch.setattr(turn_path, "schedule", lambda conversation, message_id: None)
    monkeypatch.setattr(inbound, "_mark_read", lambda normalized: None)
    for i in range(6):
        assert post(whatsapp_text_body(NUMBER_A, f"6013000{i:04d}", f"flood {i}")).status_code == 200
    queue = [(e.pk, 0.0) for e in events("alpha")]
    rounds = 0
    while queue and rounds < 50:
        rounds += 1
        event_id, countdown = queue.pop(0)
        time.sleep(countdown)
        with schema_context("alpha"):
            inbound.process(event_id)
        queue += deferred
        deferred.clear()
    assert queue == []
    assert rounds > 6  # some events had to wait for a token
    stored = events("alpha")
    assert {e.state for e in stored} == {InboundState.PROCESSED}
    with schema_context("alpha"):
        texts = set(Message.objects.filter(role=MessageRole.GUEST).values_list("content", flat=True))
    assert {f"flood {i}" for i in range(6)} <= texts  # every guest message made it


def test_a_deferral_is_queued_with_a_countdown_and_leaves_the_event_pending(bound, budget, monkeypatch) -> None:
    queued: list[dict] = []
    monkeypatch.setattr(process_inbound, "apply_async", lambda **kwargs: queued.append(kwargs))
    for i in range(3):
        post(whatsapp_text_body(NUMBER_A, f"6014000{i:04d}", f"burst {i}"))
    budget.client.hset(budget.key("alpha", "events"), mapping={"tokens": "0", "at": repr(time.time())})
    last = events("alpha")[-1]
    with schema_context("alpha"):
        assert ratelimit.deferred(last) is True
    assert queued[0]["args"] == [last.pk] and queued[0]["headers"] == {"_schema_name": "alpha"}
    assert 0 < queued[0]["countdown"] <= 30.0
    assert events("alpha")[-1].state == InboundState.PENDING  # and the beat job would find it if the task were lost


def test_status_updates_and_processed_events_are_never_deferred(bound, budget) -> None:
    budget.client.hset(budget.key("alpha", "events"), mapping={"tokens": "0", "at": repr(time.time() + 60)})
    post(whatsapp_status_body(NUMBER_A, "wamid.x", "delivered", "60120009999"))
    with schema_context("alpha"):
        status_event = InboundEvent.objects.get(kind="status")
        assert ratelimit.deferred(status_event) is False
        status_event.state = InboundState.PROCESSED
        assert ratelimit.deferred(status_event) is False


def test_one_propertys_flood_does_not_defer_another(bound, budget) -> None:
    budget.client.hset(budget.key("alpha", "events"), mapping={"tokens": "0", "at": repr(time.time() + 60)})
    assert ratelimit.defer_processing("alpha") > 0
    assert ratelimit.defer_processing("bravo") == 0.0


def test_redis_unavailable_means_process_now(settings) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    settings.INBOUND_PROCESS_RATE, settings.WEBHOOK_HARD_CEILING = 1.0, 1.0
    assert ratelimit.defer_processing("alpha") == 0.0
    assert ratelimit.shed_webhook("203.0.113.10") is None


def test_the_hard_ceiling_answers_503_stores_nothing_and_the_retry_is_stored(bound, settings) -> None:
    settings.WEBHOOK_HARD_CEILING = 2.0
    ratelimit._limiter("nocturn:webhook-ceiling", 2.0, 2.0).reset("public", "198.51.100.77")
    bodies = [whatsapp_text_body(NUMBER_A, f"6015000{i:04d}", f"ceiling {i}") for i in range(3)]
    responses = [post(b, ip="198.51.100.77") for b in bodies]
    assert [r.status_code for r in responses] == [200, 200, 503]
    assert int(responses[2]["Retry-After"]) >= 1
    assert len(events("alpha")) == 2  # the shed one was not stored
    assert post(bodies[2], ip="198.51.100.78").status_code == 200  # another sender is not held back
    time.sleep(1.0)
    assert post(bodies[2], ip="198.51.100.77").json()["new"] == 0  # Meta's retry: already stored, no duplicate
    assert len(events("alpha")) == 3


def test_the_hard_ceiling_is_off_by_default(bound) -> None:
    assert {post(whatsapp_text_body(NUMBER_A, "6016000000" + str(i), "x")).status_code for i in range(8)} == {200}

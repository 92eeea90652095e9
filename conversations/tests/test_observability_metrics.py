"""GET /metrics: each figure moves when its event happens, and only platform operators can read it.

Read through the endpoint itself (the public host), so the view, its auth and the exposition are
exercised with the numbers. Event metrics are this process's (no PROMETHEUS_MULTIPROC_DIR here);
the end-to-end test in test_tracing_live.py reads a worker's through daphne in multiprocess mode.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context
from prometheus_client.parser import text_string_to_metric_families

from conftest import host_client
from conversations import engine
from conversations.models import Handoff, Message, MessageRole, OutboxItem
from core.durability import record_dead_letter
from testsupport.llm import echo_knowledge

pytestmark = pytest.mark.django_db

TOKEN = "metrics-test-token-0123456789"


@pytest.fixture(autouse=True)
def _metrics_settings(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_STATE_CACHE_SECONDS = 0  # every scrape reads the state afresh
    return settings


def scrape() -> tuple[str, dict[tuple[str, frozenset], float]]:
    response = host_client(None).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    body = response.content.decode()
    samples = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return body, samples


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def by_label(samples: dict, name: str, label: str) -> dict[str, float]:
    return {dict(k[1])[label]: v for k, v in samples.items() if k[0] == name and label in dict(k[1])}


# --- who may read it ------------------------------------------------------------------------------


def test_metrics_needs_the_token_or_a_platform_admin(world) -> None:
    anonymous = host_client(None).get("/metrics")
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"].startswith("Bearer")
    assert host_client(None).get("/metrics", HTTP_AUTHORIZATION="Bearer wrong-token").status_code == 401
    assert host_client(None).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    assert host_client(None, world.platform_admin).get("/metrics").status_code == 200


def test_no_property_staff_may_read_the_platform_metrics(world) -> None:
    # The figures cover every property: a manager of A must not learn B's outbox or spend, nor B's A's.
    for user in (world.manager_a, world.agent_a, world.viewer_a, world.manager_b):
        assert host_client(None, user).get("/metrics").status_code == 403, user.email
    # Nor is there any /metrics on a property's own host.
    assert host_client(world.a, world.manager_a).get("/metrics").status_code == 404
    assert host_client(world.a).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404


def test_an_empty_token_setting_never_lets_a_bearer_in(world, settings) -> None:
    settings.METRICS_TOKEN = ""
    assert host_client(None).get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401
    assert host_client(None).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 401


# --- events ---------------------------------------------------------------------------------------


def test_a_request_is_timed_under_its_route_pattern_not_its_path(world) -> None:
    labels = {"route": "api/v1/properties/<int:property_id>", "method": "GET", "status": "200", "site": "public"}
    _, before = scrape()
    response = host_client(None, world.manager_a).get(f"/api/v1/properties/{world.a.pk}")
    assert response.status_code == 200
    host_client(None).get("/api/v1/no-such-door")
    body, after = scrape()
    count = "nocturn_http_request_duration_seconds_count"
    assert value(after, count, **labels) == value(before, count, **labels) + 1
    unmatched = {"route": "<unmatched>", "method": "GET", "status": "404", "site": "public"}
    assert value(after, count, **unmatched) == value(before, count, **unmatched) + 1
    assert f'properties/{world.a.pk}"' not in body  # ids never become label values


def test_a_guest_turn_moves_the_stage_histogram_and_its_own_propertys_tokens_and_cost(
    kb_a, open_all_day, llm_settings, fake_openai, settings
) -> None:
    settings.LLM_PRICES = {"fake-gpt": (1000.0, 3000.0)}  # USD per million tokens: large enough to see
    fake_openai.default = echo_knowledge()
    a, b = kb_a.a.schema_name, kb_a.b.schema_name
    _, before = scrape()
    with schema_context(a):
        conversation = engine.start_web_conversation(widget_key_id=1, consent_text="I accept.")
        message, _ = engine.record_guest_message(
            conversation, "What time is breakfast? I am Zubaidah Quixote.", provider_message_id="obs:1"
        )
        reply = engine.run_turn(conversation.pk, message.pk)
    assert reply is not None and reply.metadata["provider"] == "openai"
    model, tokens = reply.metadata["model"], reply.metadata["tokens"]
    assert tokens["in"] and tokens["out"]
    body, after = scrape()

    count = "nocturn_guest_turn_stage_seconds_count"
    for stage in ("session", "mode", "retrieval", "provider", "lead", "persistence", "total"):
        assert value(after, count, stage=stage, channel="web") == value(before, count, stage=stage, channel="web") + 1
    total_ms = reply.metadata["latency_ms"]["total"]
    summed = value(after, "nocturn_guest_turn_stage_seconds_sum", stage="total", channel="web") - value(
        before, "nocturn_guest_turn_stage_seconds_sum", stage="total", channel="web"
    )
    assert summed == pytest.approx(total_ms / 1000, abs=1e-4)

    tokens_name = "nocturn_llm_tokens_total"
    for direction, n in (("in", tokens["in"]), ("out", tokens["out"])):
        labels = {"property": a, "provider": "openai", "model": model, "direction": direction}
        assert value(after, tokens_name, **labels) == value(before, tokens_name, **labels) + n
    cost_labels = {"property": a, "provider": "openai", "model": model}
    expected = (Decimal(1000) * tokens["in"] + Decimal(3000) * tokens["out"]) / Decimal(1_000_000)
    spent = value(after, "nocturn_llm_cost_usd_total", **cost_labels) - value(
        before, "nocturn_llm_cost_usd_total", **cost_labels
    )
    assert spent == pytest.approx(float(expected))
    # B's spend did not move, and nothing the guest said is in any label.
    assert by_label(after, tokens_name, "property").get(b, 0.0) == by_label(before, tokens_name, "property").get(b, 0.0)
    assert "Zubaidah" not in body and "Quixote" not in body and "breakfast" not in body


# --- state ----------------------------------------------------------------------------------------


def _outbound(schema: str, provider_id: str) -> OutboxItem:
    with schema_context(schema):
        conversation = engine.start_web_conversation(widget_key_id=1, consent_text="I accept.")
        message = Message.objects.create(
            conversation=conversation, role=MessageRole.AI, content="Hello", channel="whatsapp"
        )
        return OutboxItem.objects.create(message=message, channel="whatsapp", recipient=provider_id)


def test_outbox_backlog_and_waiting_handoffs_are_counted_per_property(world) -> None:
    a, b = world.a.schema_name, world.b.schema_name
    _, before = scrape()
    item = _outbound(a, "+60100000001")
    other = _outbound(a, "+60100000002")
    with schema_context(a):
        Handoff.objects.create(conversation=item.message.conversation, reason="asked for a person", trigger="manual")
    _, after = scrape()
    assert value(after, "nocturn_outbox_pending", property=a) == value(before, "nocturn_outbox_pending", property=a) + 2
    assert value(after, "nocturn_outbox_pending", property=b) == value(before, "nocturn_outbox_pending", property=b)
    assert (
        value(after, "nocturn_handoffs_waiting", property=a)
        == value(before, "nocturn_handoffs_waiting", property=a) + 1
    )
    assert value(after, "nocturn_outbox_oldest_pending_seconds", property=a) >= 0.0

    with schema_context(a):  # sent, and taken over: both figures come back down
        OutboxItem.objects.filter(pk__in=[item.pk, other.pk]).update(state="sent")
        Handoff.objects.filter(conversation=item.message.conversation).update(taken_over_at=item.created_at)
    _, done = scrape()
    assert value(done, "nocturn_outbox_pending", property=a) == value(before, "nocturn_outbox_pending", property=a)
    assert value(done, "nocturn_handoffs_waiting", property=a) == value(before, "nocturn_handoffs_waiting", property=a)


def test_dead_letters_are_counted_until_replayed(world) -> None:
    from core.models import DeadLetter

    _, before = scrape()
    record_dead_letter(
        task_name="conversations.pipeline.tasks.dispatch_outbox",
        task_id="t-1",
        schema_name=world.a.schema_name,
        args=[1],
        kwargs={},
        error="boom",
        traceback="",
        retries=8,
    )
    _, after = scrape()
    assert (
        value(after, "nocturn_dead_letters", replayed="false")
        == value(before, "nocturn_dead_letters", replayed="false") + 1
    )
    DeadLetter.objects.filter(task_id="t-1").update(replayed_at=DeadLetter.objects.get(task_id="t-1").failed_at)
    _, replayed = scrape()
    assert value(replayed, "nocturn_dead_letters", replayed="false") == value(
        before, "nocturn_dead_letters", replayed="false"
    )
    assert (
        value(replayed, "nocturn_dead_letters", replayed="true")
        == value(before, "nocturn_dead_letters", replayed="true") + 1
    )


def test_queue_depth_is_the_brokers_list_length(world, monkeypatch) -> None:
    import redis
    from django.conf import settings

    from core.metrics import state
    from nocturn.celery import app

    queue = "nocturn-metrics-test"  # no worker consumes it, so what is sent stays there
    monkeypatch.setattr(state, "queue_names", lambda: [queue])
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete(queue)
    try:
        _, before = scrape()
        for priority in (None, 9):  # kombu keeps a priority level in a list of its own
            app.send_task("testsupport.tasks.flaky", args=["k", 0], queue=queue, priority=priority)
        _, after = scrape()
    finally:
        for name in broker.scan_iter(match=f"{queue}*"):
            broker.delete(name)
    assert value(before, "nocturn_celery_queue_length", queue=queue) == 0
    assert value(after, "nocturn_celery_queue_length", queue=queue) == 2
    assert ("nocturn_celery_unacked", frozenset()) in after


def test_database_and_redis_capacity_ratios_are_reported(world) -> None:
    _, samples = scrape()
    assert 0 < value(samples, "nocturn_db_connections_used_ratio") < 1
    assert value(samples, "nocturn_db_connections") >= 1
    assert 0 < value(samples, "nocturn_redis_memory_used_ratio") < 1
    assert 0 < value(samples, "nocturn_redis_connected_clients_ratio") < 1
    for source in ("tenants", "public", "broker", "redis"):
        assert value(samples, "nocturn_metrics_source_up", source=source) == 1


def test_a_source_that_is_down_is_reported_and_the_rest_still_served(world, settings) -> None:
    from testsupport.http import free_port

    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    _, samples = scrape()
    assert value(samples, "nocturn_metrics_source_up", source="redis") == 0
    assert value(samples, "nocturn_metrics_source_up", source="public") == 1
    assert ("nocturn_db_connections_used_ratio", frozenset()) in samples


def test_the_scrape_and_the_health_check_are_not_redirected_to_https(world, settings) -> None:
    # TLS ends at the load balancer; Prometheus and the balancer reach each daphne over plain HTTP.
    settings.SECURE_SSL_REDIRECT = True
    assert host_client(None).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    assert host_client(None).get("/api/v1/health").status_code == 200
    assert host_client(None).get("/api/v1/properties/").status_code == 301  # everything else still is


def test_the_turn_reading_call_is_counted_too(world, llm_settings, fake_openai) -> None:
    from django.utils import timezone

    from leads.services.extraction import GuestText
    from leads.services.leads import extraction_context
    from leads.services.reading import read_with_model
    from testsupport.llm import stream

    a = world.a.schema_name
    _, before = scrape()
    # Answered as one JSON completion, with usage 30 in / 10 out.
    fake_openai.enqueue(stream('{"mode": "lead_capture", "confidence": 0.8, "details": {}}'))
    with schema_context(a):
        ctx = extraction_context(world.a, timezone.now())
        assert read_with_model([GuestText("We're thinking of coming in March")], ctx).mode == "lead_capture"
    _, after = scrape()
    grew = {"in": 0.0, "out": 0.0}
    for k, v in after.items():
        if k[0] == "nocturn_llm_tokens_total" and ("property", a) in k[1] and ("provider", "openai") in k[1]:
            grew[dict(k[1])["direction"]] += v - before.get(k, 0.0)
    assert grew == {"in": 30, "out": 10}

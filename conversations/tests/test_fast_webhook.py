"""The ASGI fast path for Meta's webhook answers exactly as the Django view does, and stores the same.

Each scenario runs in one event loop (the app's connection pool belongs to the loop that opened it)
against the committed test database, because the pool's connections are not the test's own.
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from conftest import host_client
from conversations.models import InboundEvent
from conversations.pipeline import fast_webhook, inbound, routing
from properties.models import WhatsAppBinding
from testsupport.asgi import call_asgi
from testsupport.payloads import whatsapp_signed_headers, whatsapp_text_body

SECRET = "fast-path-secret"
# The WhatsApp contract fixtures belong to the adapter that parses them (messaging/).
FIXTURES = Path(__file__).resolve().parents[2] / "messaging" / "tests" / "fixtures" / "whatsapp"
CONTRACT_NUMBERS = {"106540352242922": "a", "109876543210987": "b"}  # the numbers the fixtures are sent to
NUMBER_A = "880000000011"


class FallbackApp:
    """Stands in for Django: records what was passed through."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.seen.append((scope["method"], scope["path"]))
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def _request(app: Any, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    return await call_asgi(app, method, path, body, headers)


def _run(scenario: Any) -> Any:
    async def wrapped() -> Any:
        app = fast_webhook.WhatsAppWebhookApp(FallbackApp())
        try:
            return await scenario(app)
        finally:
            await app.close()

    return asyncio.run(wrapped())


@pytest.fixture
def bound(committed_db, settings, monkeypatch) -> Iterator[Any]:
    settings.WHATSAPP_APP_SECRET = SECRET
    routing.clear_cache()
    world = committed_db
    numbers = {**CONTRACT_NUMBERS, NUMBER_A: "a"}
    for number, which in numbers.items():
        WhatsAppBinding.objects.create(
            property=world.a if which == "a" else world.b, phone_number_id=number, display_phone_number=number[-4:]
        )
    enqueued: list[tuple[str, int]] = []

    async def record(app: Any, by_schema: dict[str, list[int]]) -> None:
        enqueued.extend((schema, e) for schema, ids in by_schema.items() for e in ids)

    monkeypatch.setattr(inbound, "enqueue", lambda schema, event_id: enqueued.append((schema, event_id)))
    monkeypatch.setattr(fast_webhook.WhatsAppWebhookApp, "_publish_round", record)
    yield SimpleNamespace(a=world.a, b=world.b, enqueued=enqueued)
    routing.clear_cache()
    WhatsAppBinding.objects.filter(phone_number_id__in=list(numbers)).delete()
    for prop in (world.a, world.b):
        with schema_context(prop.schema_name):
            InboundEvent.objects.all().delete()
    connection.set_schema_to_public()


def _stored(world: Any) -> list[tuple[str, str, str]]:
    rows = []
    for prop in (world.a, world.b):
        with schema_context(prop.schema_name):
            rows += [(prop.slug, e.kind, e.provider_id) for e in InboundEvent.objects.order_by("provider_id")]
    return sorted(rows)


def _clear(world: Any) -> None:
    for prop in (world.a, world.b):
        with schema_context(prop.schema_name):
            InboundEvent.objects.all().delete()


CASES = sorted(p.name.split(".payload.")[0] for p in FIXTURES.glob("*.payload.*"))


def test_every_contract_fixture_gets_the_same_answer_and_rows_from_both_doors(bound) -> None:
    assert len(CASES) >= 15
    for name in CASES:
        (path,) = FIXTURES.glob(f"{name}.payload.*")
        body = path.read_bytes()
        headers = whatsapp_signed_headers(body, SECRET)

        _clear(bound)
        fast_status, fast_body = _run(
            lambda app, body=body, headers=headers: _request(app, "POST", fast_webhook.PATH, body, headers)
        )
        fast_rows = _stored(bound)

        _clear(bound)
        view = host_client(None).post(
            fast_webhook.PATH,
            body,
            content_type="application/json",
            headers={k: v for k, v in headers.items() if k != "Content-Type"},
        )
        connection.set_schema_to_public()
        assert (fast_status, fast_rows) == (view.status_code, _stored(bound)), name
        if fast_status == 200:
            assert json.loads(fast_body) == view.json(), name
        else:
            assert json.loads(fast_body)["error"] == view.json()["error"], name


def test_a_redelivered_event_is_stored_and_enqueued_once(bound) -> None:
    body = whatsapp_text_body(NUMBER_A, "60123000011", "Is breakfast included?", wamid="wamid.FAST1")

    async def ten_times(app: Any) -> list[tuple[int, bytes]]:
        return [
            await _request(app, "POST", fast_webhook.PATH, body, whatsapp_signed_headers(body, SECRET))
            for _ in range(10)
        ]

    answers = _run(ten_times)
    assert [status for status, _ in answers] == [200] * 10
    assert [json.loads(b)["new"] for _, b in answers] == [1] + [0] * 9
    assert _stored(bound) == [("alpha", "message", "wamid.FAST1")]
    assert [schema for schema, _ in bound.enqueued] == [bound.a.schema_name]


def test_a_bad_signature_or_an_oversized_body_stores_nothing(bound) -> None:
    body = whatsapp_text_body(NUMBER_A, "60123000012", "hello", wamid="wamid.FAST2")
    big = b'{"object": "whatsapp_business_account", "entry": [], "pad": "' + b"x" * (4 * 1024 * 1024) + b'"}'

    async def scenario(app: Any) -> list[int]:
        return [
            (await _request(app, "POST", fast_webhook.PATH, body, whatsapp_signed_headers(body, "wrong")))[0],
            (await _request(app, "POST", fast_webhook.PATH, body, {"Content-Type": "application/json"}))[0],
            (await _request(app, "POST", fast_webhook.PATH, big, whatsapp_signed_headers(big, SECRET)))[0],
        ]

    assert _run(scenario) == [401, 401, 413]
    assert _stored(bound) == []
    assert bound.enqueued == []


def test_the_database_out_of_reach_is_a_503_so_meta_retries(bound, monkeypatch) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setattr(fast_webhook, "_conninfo", lambda: f"host=127.0.0.1 port={closed_port} dbname=x user=x")
    monkeypatch.setattr(fast_webhook, "POOL_TIMEOUT_SECONDS", 0.5)
    body = whatsapp_text_body(NUMBER_A, "60123000013", "hello", wamid="wamid.FAST3")

    status, answer = _run(
        lambda app: _request(app, "POST", fast_webhook.PATH, body, whatsapp_signed_headers(body, SECRET))
    )
    assert (status, json.loads(answer)) == (503, {"error": "temporarily unavailable"})
    assert bound.enqueued == []


def test_anything_but_the_webhook_post_goes_to_django(bound) -> None:
    async def scenario(app: Any) -> list[tuple[str, str]]:
        await _request(app, "GET", fast_webhook.PATH, b"", {})
        await _request(app, "POST", "/api/v1/webhook/email", b"", {})
        await _request(app, "POST", "/api/v1/webhook/whatsapp-other", b"", {})
        return app.app.seen

    assert _run(scenario) == [
        ("GET", fast_webhook.PATH),
        ("POST", "/api/v1/webhook/email"),
        ("POST", "/api/v1/webhook/whatsapp-other"),
    ]


def test_events_arriving_while_a_publish_is_in_flight_go_together_and_none_twice(bound, monkeypatch) -> None:
    published: list[tuple[str, list[int]]] = []

    async def slow_round(app: Any, by_schema: dict[str, list[int]]) -> None:
        await asyncio.sleep(0.05)  # a publish in flight while the other requests are stored
        published.extend((schema, list(ids)) for schema, ids in by_schema.items())

    monkeypatch.setattr(fast_webhook.WhatsAppWebhookApp, "_publish_round", slow_round)
    bodies = [
        whatsapp_text_body(NUMBER_A, f"6012300{i:04d}", f"message {i}", wamid=f"wamid.BATCH{i}") for i in range(20)
    ]

    async def burst(app: Any) -> list[int]:
        answers = await asyncio.gather(
            *(_request(app, "POST", fast_webhook.PATH, b, whatsapp_signed_headers(b, SECRET)) for b in bodies)
        )
        return [status for status, _ in answers]

    assert _run(burst) == [200] * 20
    ids = [event_id for _, batch in published for event_id in batch]
    with schema_context(bound.a.schema_name):
        stored = sorted(InboundEvent.objects.values_list("pk", flat=True))
    assert sorted(ids) == stored and len(stored) == 20  # every stored event handed over exactly once
    assert {schema for schema, _ in published} == {bound.a.schema_name}
    assert len(published) < 20  # they were coalesced


def test_requests_one_after_another_within_the_linger_are_published_in_one_round(bound, monkeypatch) -> None:
    # A steady moderate rate: each request answered before the next arrives. Without the linger each
    # would be its own round (one Celery publish per event); the events are still each handed over once.
    monkeypatch.setattr(fast_webhook, "PUBLISH_LINGER_SECONDS", 0.5)
    published: list[tuple[str, list[int]]] = []

    async def record(app: Any, by_schema: dict[str, list[int]]) -> None:
        published.extend((schema, list(ids)) for schema, ids in by_schema.items())

    monkeypatch.setattr(fast_webhook.WhatsAppWebhookApp, "_publish_round", record)
    bodies = [whatsapp_text_body(NUMBER_A, f"6012311{i:04d}", f"m {i}", wamid=f"wamid.LINGER{i}") for i in range(3)]

    async def one_by_one(app: Any) -> list[int]:
        statuses = []
        for body in bodies:
            status, _ = await _request(app, "POST", fast_webhook.PATH, body, whatsapp_signed_headers(body, SECRET))
            statuses.append(status)
        return statuses

    assert _run(one_by_one) == [200] * 3
    with schema_context(bound.a.schema_name):
        stored = sorted(InboundEvent.objects.values_list("pk", flat=True))
    assert len(stored) == 3 and published == [(bound.a.schema_name, stored)]


def test_a_batch_hands_an_event_that_fails_to_its_own_task_and_processes_the_rest(bound, monkeypatch) -> None:
    from conversations.pipeline.tasks import process_inbound_batch

    done: list[int] = []

    def process(event_id: int) -> None:
        if event_id == 2:
            raise RuntimeError("this one is broken")
        done.append(event_id)

    monkeypatch.setattr(inbound, "process", process)
    with schema_context(bound.a.schema_name):
        assert process_inbound_batch([1, 2, 3]) == 2
    assert done == [1, 3]
    assert bound.enqueued == [(bound.a.schema_name, 2)]


def test_concurrent_requests_are_written_together_and_a_racing_duplicate_is_new_once(bound, monkeypatch) -> None:
    statements: list[int] = []
    real = inbound.insert_many

    def counted(schema: str, rows: list[Any]) -> tuple[str, list[Any]]:
        statements.append(len(rows))
        return real(schema, rows)

    monkeypatch.setattr(inbound, "insert_many", counted)
    bodies = [
        whatsapp_text_body(NUMBER_A, f"6012400{i:04d}", f"message {i}", wamid=f"wamid.GROUP{i % 15}") for i in range(30)
    ]

    async def burst(app: Any) -> list[tuple[int, bytes]]:
        return await asyncio.gather(
            *(_request(app, "POST", fast_webhook.PATH, b, whatsapp_signed_headers(b, SECRET)) for b in bodies)
        )

    answers = _run(burst)
    assert [status for status, _ in answers] == [200] * 30
    assert sum(json.loads(body)["new"] for _, body in answers) == 15  # each of the 15 ids new exactly once
    assert len(_stored(bound)) == 15
    assert sum(statements) == 30 and len(statements) < 30  # rows of concurrent requests shared statements
    with schema_context(bound.a.schema_name):
        stored_ids = sorted(InboundEvent.objects.values_list("pk", flat=True))
    assert sorted(event_id for _, event_id in bound.enqueued) == stored_ids  # each handed to Celery once


def test_a_round_shared_by_two_properties_writes_each_row_in_its_own_schema_only(bound, monkeypatch) -> None:
    # The writer takes every request queued in the event loop's pass into one round (p29w): A's and B's rows
    # share it, and each still lands in its own property's table, with its id handed to its own property's task.
    statements: list[tuple[str, int]] = []
    real = inbound.insert_many

    def counted(schema: str, rows: list[Any]) -> tuple[str, list[Any]]:
        statements.append((schema, len(rows)))
        return real(schema, rows)

    monkeypatch.setattr(inbound, "insert_many", counted)
    number_b = next(number for number, which in CONTRACT_NUMBERS.items() if which == "b")
    bodies = [
        whatsapp_text_body(NUMBER_A if i % 2 else number_b, f"6012500{i:04d}", f"m {i}", wamid=f"wamid.MIX{i}")
        for i in range(20)
    ]

    async def burst(app: Any) -> list[tuple[int, bytes]]:
        return await asyncio.gather(
            *(_request(app, "POST", fast_webhook.PATH, b, whatsapp_signed_headers(b, SECRET)) for b in bodies)
        )

    assert [status for status, _ in _run(burst)] == [200] * 20
    stored = _stored(bound)
    assert [(slug, wamid) for slug, _, wamid in stored if slug == bound.a.slug] == sorted(
        (bound.a.slug, f"wamid.MIX{i}") for i in range(20) if i % 2
    )
    assert [(slug, wamid) for slug, _, wamid in stored if slug == bound.b.slug] == sorted(
        (bound.b.slug, f"wamid.MIX{i}") for i in range(20) if not i % 2
    )
    assert len(statements) < 20  # the rows shared rounds
    for prop in (bound.a, bound.b):
        with schema_context(prop.schema_name):
            own = sorted(InboundEvent.objects.values_list("pk", flat=True))
        assert sorted(e for schema, e in bound.enqueued if schema == prop.schema_name) == own


def _real_publish(monkeypatch: Any) -> None:
    """Undo the fixture's recorder: this test's rounds go to the broker (or fail to)."""
    monkeypatch.setattr(fast_webhook.WhatsAppWebhookApp, "_publish_round", REAL_PUBLISH_ROUND)


REAL_PUBLISH_ROUND = fast_webhook.WhatsAppWebhookApp._publish_round


def _unconsumed_database(url: str) -> str:
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{15 if database != 15 else 14}"))


def test_a_stored_event_goes_to_the_broker_as_its_celery_task(bound, monkeypatch, settings) -> None:
    import redis

    _real_publish(monkeypatch)
    # A database of the same Redis that no worker consumes: in the whole suite a live stack's worker may be
    # running on the broker's own database and would take the message before the test reads it.
    settings.CELERY_BROKER_URL = _unconsumed_database(settings.CELERY_BROKER_URL)
    body = whatsapp_text_body(NUMBER_A, "60123220001", "to the broker", wamid="wamid.WIRE1")
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    before = broker.lrange("celery", 0, -1)

    async def post(app: Any) -> int:
        status, _ = await _request(app, "POST", fast_webhook.PATH, body, whatsapp_signed_headers(body, SECRET))
        return status

    assert _run(post) == 200  # close() waits for the publisher's round
    new = [m for m in broker.lrange("celery", 0, -1) if m not in before]
    for message in new:
        broker.lrem("celery", 1, message)
    with schema_context(bound.a.schema_name):
        event_id = InboundEvent.objects.get(provider_id="wamid.WIRE1").pk
    [message] = [json.loads(m) for m in new]
    assert message["headers"]["task"] == "conversations.pipeline.tasks.process_inbound"
    assert message["headers"]["_schema_name"] == bound.a.schema_name
    assert json.loads(base64.b64decode(message["body"]))[0] == [event_id]


def test_a_broker_out_of_reach_still_answers_200_and_beat_sends_the_pending_event(bound, monkeypatch, settings) -> None:
    # The row is committed before the answer; a publish that fails leaves it pending, and the beat job's
    # requeue_stale sends it once it is STALE_INBOUND old: nothing the guest sent is lost.
    _real_publish(monkeypatch)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port}/0"
    monkeypatch.setattr(fast_webhook, "BROKER_TIMEOUT_SECONDS", 0.5)
    body = whatsapp_text_body(NUMBER_A, "60123220002", "broker down", wamid="wamid.WIRE2")

    async def post(app: Any) -> int:
        status, _ = await _request(app, "POST", fast_webhook.PATH, body, whatsapp_signed_headers(body, SECRET))
        return status

    assert _run(post) == 200
    requeued: list[tuple[str, int]] = []
    monkeypatch.setattr(inbound, "requeue", lambda schema, event_id: requeued.append((schema, event_id)))
    with schema_context(bound.a.schema_name):
        event = InboundEvent.objects.get(provider_id="wamid.WIRE2")
        assert event.state == "pending"
        assert inbound.requeue_stale(time.monotonic() + 30) == 0  # not stale yet: it may still be in a queue
        InboundEvent.objects.filter(pk=event.pk).update(received_at=event.received_at - inbound.STALE_INBOUND * 2)
        assert inbound.requeue_stale(time.monotonic() + 30) == 1
    assert requeued == [(bound.a.schema_name, event.pk)]


def test_a_request_slower_than_the_threshold_is_logged_with_its_stages(bound, settings) -> None:
    from structlog.testing import capture_logs

    body = whatsapp_text_body(NUMBER_A, "60123000012", "Late checkout?", wamid="wamid.SLOW1")
    again = whatsapp_text_body(NUMBER_A, "60123000012", "And parking?", wamid="wamid.SLOW2")

    async def post(app: Any, payload: bytes) -> tuple[int, bytes]:
        return await _request(app, "POST", fast_webhook.PATH, payload, whatsapp_signed_headers(payload, SECRET))

    settings.WEBHOOK_SLOW_REQUEST_MS = 1_000_000
    with capture_logs() as quiet:
        assert _run(lambda app: post(app, body))[0] == 200
    settings.WEBHOOK_SLOW_REQUEST_MS = 0.001  # every request is "slow"
    routing.clear_cache()  # so the routing query runs and is timed
    with capture_logs() as logged:
        assert _run(lambda app: post(app, again))[0] == 200

    assert [e for e in quiet if e["event"] == "webhook_slow_request"] == []
    (slow,) = [e for e in logged if e["event"] == "webhook_slow_request"]
    assert slow["status"] == 200
    assert {"read_ms", "parse_ms", "route_ms", "store_ms"} <= slow.keys()
    assert slow["ms"] >= slow["store_ms"] + slow["route_ms"] > 0


def test_slow_requests_together_are_logged_once_with_their_count(bound, settings, monkeypatch) -> None:
    from structlog.testing import capture_logs

    bodies = [whatsapp_text_body(NUMBER_A, "60123000013", f"burst {i}", wamid=f"wamid.SLOWB{i}") for i in range(6)]

    async def burst(app: Any) -> list[tuple[int, bytes]]:
        answers = [await post(app, b) for b in bodies]
        app._slow_log._next = 0.0  # the interval is over: the next slow request is logged again
        answers.append(await post(app, whatsapp_text_body(NUMBER_A, "60123000013", "after", wamid="wamid.SLOWB-after")))
        return answers

    async def post(app: Any, payload: bytes) -> tuple[int, bytes]:
        return await _request(app, "POST", fast_webhook.PATH, payload, whatsapp_signed_headers(payload, SECRET))

    settings.WEBHOOK_SLOW_REQUEST_MS = 0.001  # every request is "slow"
    monkeypatch.setattr(fast_webhook, "SLOW_LOG_INTERVAL_SECONDS", 3600.0)
    with capture_logs() as logged:
        assert [status for status, _ in _run(burst)] == [200] * 7

    lines = [e for e in logged if e["event"] == "webhook_slow_request"]
    # The first alone; the next line counts the five left unlogged, and itself.
    assert [line["slow_requests"] for line in lines] == [1, 6]
    assert all(line["store_ms"] > 0 for line in lines)


def test_the_writer_connection_killed_between_requests_is_replaced_and_nothing_is_lost(bound) -> None:
    first = whatsapp_text_body(NUMBER_A, "60123000014", "before", wamid="wamid.KILL1")
    second = whatsapp_text_body(NUMBER_A, "60123000014", "after", wamid="wamid.KILL2")

    async def scenario(app: Any) -> list[int]:
        statuses = [(await _request(app, "POST", fast_webhook.PATH, first, whatsapp_signed_headers(first, SECRET)))[0]]
        killed = await asyncio.to_thread(_terminate_webhook_backends)
        assert killed >= 1  # the writer's connection, held between rounds, is among them
        statuses.append(
            (await _request(app, "POST", fast_webhook.PATH, second, whatsapp_signed_headers(second, SECRET)))[0]
        )
        return statuses

    assert _run(scenario) == [200, 200]
    slug = bound.a.slug
    assert _stored(bound) == [(slug, "message", "wamid.KILL1"), (slug, "message", "wamid.KILL2")]


def _terminate_webhook_backends() -> int:
    """What a database restart does to the fast path's idle connections."""
    from django.db import connections

    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = 'nocturn-webhook' AND datname = current_database()"
        )
        killed = cursor.fetchone()[0]
    connections["default"].close()  # opened in this thread
    return killed


def test_a_round_with_a_row_the_database_refuses_answers_503_and_a_redelivery_stores_the_rest(
    bound, monkeypatch
) -> None:
    real = inbound.insert_params

    def one_bad(channel: str, kind: str, provider_id: str, payload: dict[str, Any]) -> list[Any]:
        params = real(channel, kind, provider_id, payload)
        return [*params[:3], "cut\x00here", params[4]] if provider_id == "wamid.BAD" else params

    monkeypatch.setattr(inbound, "insert_params", one_bad)
    bodies = {
        wamid: whatsapp_text_body(NUMBER_A, f"6012500{i:04d}", f"message {i}", wamid=wamid)
        for i, wamid in enumerate(["wamid.OK0", "wamid.BAD", "wamid.OK1", "wamid.OK2"])
    }

    async def post_all(app: Any, wamids: list[str]) -> dict[str, int]:
        answers = await asyncio.gather(
            *(
                _request(app, "POST", fast_webhook.PATH, bodies[w], whatsapp_signed_headers(bodies[w], SECRET))
                for w in wamids
            )
        )
        return {w: status for w, (status, _) in zip(wamids, answers, strict=True)}

    async def scenario(app: Any) -> tuple[dict[str, int], dict[str, int]]:
        first = await post_all(app, list(bodies))
        # Meta redelivers what was not acknowledged, the bad one apart: the same writer stores it.
        again = await post_all(app, [w for w, status in first.items() if status != 200 and w != "wamid.BAD"])
        return first, again

    first, again = _run(scenario)
    assert first["wamid.BAD"] == 503  # never a 200 for a row that was not stored
    assert set(first.values()) <= {200, 503} and set(again.values()) <= {200}
    slug = bound.a.slug
    assert _stored(bound) == [(slug, "message", w) for w in ("wamid.OK0", "wamid.OK1", "wamid.OK2")]


@pytest.mark.parametrize(
    "values",
    [["plain", 'a "quoted" one', "back\\slash", "{braces},commas", "NULL", "", "  spaced  "], ["é ✓ 日本"]],
)
def test_a_text_array_parameter_reaches_postgresql_element_for_element(db, values: list[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[]", [fast_webhook._text_param(values).decode()])
        assert cursor.fetchone()[0] == values


def test_a_nul_in_a_text_parameter_is_refused_not_cut() -> None:
    with pytest.raises(ValueError):
        fast_webhook._text_param("cut\x00here")
    with pytest.raises(ValueError):
        fast_webhook._text_param(["fine", "cut\x00here"])

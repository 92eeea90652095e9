"""The one WhatsApp receive flow both webhook doors run: the order of its checks, its routing, its answers.

(That the two doors answer alike for every contract fixture is test_fast_webhook's.)
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest
from django.db import OperationalError
from django_tenants.utils import schema_context

from conversations.models import InboundEvent
from conversations.pipeline import inbound, receive, routing
from messaging.whatsapp import sign
from properties.models import WhatsAppBinding
from testsupport.payloads import whatsapp_text_body

SECRET = "receive-secret"
NUMBER_A = "880000000021"


@pytest.fixture(autouse=True)
def fresh_routing(settings) -> Generator[None]:
    settings.WHATSAPP_APP_SECRET = SECRET
    routing.clear_cache()
    yield
    routing.clear_cache()


def steps_before_the_answer(flow: receive.Flow) -> tuple[list[Any], receive.Outcome]:
    """Run a flow with no database: routing finds nothing, so nothing is stored."""
    steps = []
    try:
        step = next(flow)
        while True:
            steps.append(step)
            step = flow.send([] if isinstance(step, routing.Query) else 0)
    except StopIteration as finished:
        return steps, finished.value


def test_size_is_checked_first_then_the_signature_then_the_body_with_no_work_before() -> None:
    body = whatsapp_text_body(NUMBER_A, "60123000021", "hello")
    big = b"{" + b" " * receive.MAX_BODY_BYTES + b"}"
    assert steps_before_the_answer(receive.whatsapp_flow(big, None)) == ([], receive.TOO_LARGE)
    assert steps_before_the_answer(receive.whatsapp_flow(body, None))[1].status == 401
    assert steps_before_the_answer(receive.whatsapp_flow(body, sign(body, "wrong")))[1].status == 401
    steps, outcome = steps_before_the_answer(receive.whatsapp_flow(b"[1, 2", sign(b"[1, 2", SECRET)))
    assert steps == [] and outcome.status == 400 and "not JSON" in outcome.body["error"]


def test_an_unknown_number_is_routed_once_and_answered_200_with_nothing_to_store() -> None:
    body = whatsapp_text_body(NUMBER_A, "60123000022", "hello")
    steps, outcome = steps_before_the_answer(receive.whatsapp_flow(body, sign(body, SECRET)))
    assert steps == [routing.Query(routing.WHATSAPP_SQL, [[NUMBER_A]])]
    assert (outcome.status, outcome.body, outcome.rows) == (200, {"received": 1, "new": 0}, [])


def test_routing_asks_once_for_every_miss_and_never_for_a_recent_hit() -> None:
    lookup = routing.whatsapp_schemas(["2", "1", "2"])
    assert next(lookup) == routing.Query(routing.WHATSAPP_SQL, [["1", "2"]])
    with pytest.raises(StopIteration) as answered:
        lookup.send([("1", "alpha")])
    assert answered.value.value == {"1": "alpha"}
    assert routing.run(routing.whatsapp_schemas(["1"])) == {"1": "alpha"}  # a hit: no query is run
    # A miss is not cached: a number bound a moment later routes at once.
    assert next(routing.whatsapp_schemas(["1", "2"])) == routing.Query(routing.WHATSAPP_SQL, [["2"]])


def test_receive_whatsapp_stores_each_event_once_in_its_propertys_schema(world, monkeypatch) -> None:
    monkeypatch.setattr(inbound, "enqueue", lambda schema, event_id: None)
    WhatsAppBinding.objects.create(property=world.a, phone_number_id=NUMBER_A, display_phone_number="21")
    body = whatsapp_text_body(NUMBER_A, "60123000023", "Is breakfast included?", wamid="wamid.RECEIVE1")
    first = receive.receive_whatsapp(body, sign(body, SECRET))
    assert (first.status, first.body) == (200, {"received": 1, "new": 1})
    assert [(schema, kind, key) for schema, _, kind, key, _ in first.rows] == [
        (world.a.schema_name, "message", "wamid.RECEIVE1")
    ]
    again = receive.receive_whatsapp(body, sign(body, SECRET))
    assert (again.status, again.body) == (200, {"received": 1, "new": 0})
    with schema_context(world.a.schema_name):
        assert list(InboundEvent.objects.values_list("provider_id", flat=True)) == ["wamid.RECEIVE1"]


def test_the_database_failing_at_routing_is_a_503(monkeypatch) -> None:
    def down(query: routing.Query) -> list[Any]:
        raise OperationalError("the database is down")

    monkeypatch.setattr(routing, "run_query", down)
    body = whatsapp_text_body(NUMBER_A, "60123000024", "hello")
    assert receive.receive_whatsapp(body, sign(body, SECRET)) == receive.UNAVAILABLE

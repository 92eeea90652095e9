"""Lead details from the model's structured output (the fake OpenAI server), checked and completed by the rules."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest

from assistant.modes import ModelVerdict
from assistant.providers.base import ChatRequest, sdk_client
from assistant.router import breaker_named, generate
from core.redis import get_redis
from leads.services.extraction import GuestText
from leads.services.leads import extraction_context, upsert_lead_for_conversation
from leads.services.reading import read_with_model
from leads.tests.conftest import EVENING, conversation_with
from testsupport.llm import FakeLLMServer, body, hang, status, stream

pytestmark = pytest.mark.django_db
NOW = EVENING + dt.timedelta(minutes=10)  # Monday 23 November 2026, 22:40 in Kuala Lumpur
STORY = ["Hi, we'd like the family suite from 20 to 23 June 2027", "2 adults 2 kids. I'm Aisha, 012-345 6789"]


@pytest.fixture
def model(settings) -> Iterator[FakeLLMServer]:
    with FakeLLMServer("openai") as server:
        settings.LLM_BASE_URL = server.base_url
        settings.LLM_API_KEY = "sk-test"
        settings.LLM_MODEL = "fake-gpt"
        settings.LLM_TIMEOUT = 0.5
        settings.LLM_EXTRACT_LEADS = True
        sdk_client.cache_clear()
        for name in get_redis().scan_iter(match="public:nocturn:circuit:*"):
            get_redis().delete(name)
        yield server
    sdk_client.cache_clear()


def reading(details: dict, mode: str = "lead_capture", confidence: float = 0.9) -> str:
    return json.dumps({"mode": mode, "confidence": confidence, "wants_human": False, "complaint": False,
                       "details": details})  # fmt: skip


def test_the_model_s_structured_reading_fills_the_lead_with_its_confidence(world, in_a, rooms, model) -> None:
    model.enqueue(
        stream(reading({"intent": "room_booking", "name": "Aisha Rahman", "phone": "+60123456789",
                        "check_in": "2027-06-20", "check_out": "2027-06-23", "adults": 2, "children": 2,
                        "room_type": "Family Suite"}, confidence=0.82))
    )  # fmt: skip
    lead = upsert_lead_for_conversation(conversation_with(STORY), now=NOW)
    assert (lead.guest_name, lead.phone, lead.room_type) == ("Aisha Rahman", "+60123456789", "Family Suite")
    assert (lead.check_in, lead.nights, lead.adults, lead.children) == (dt.date(2027, 6, 20), 3, 2, 2)
    assert lead.extraction["source"] == "llm+rules" and lead.confidence == 0.82
    sent = model.requests[-1].json
    assert sent["response_format"]["type"] == "json_schema"  # the SDK's structured output, not free text
    assert sent["response_format"]["json_schema"]["name"] == "ModelReading"
    assert "Family Suite" in sent["messages"][0]["content"] and "012-345 6789" in sent["messages"][1]["content"]


def test_a_partial_reading_is_completed_by_the_rules(world, in_a, rooms, model) -> None:
    model.enqueue(stream(reading({"phone": "+60123456789"}, confidence=0.6)))
    lead = upsert_lead_for_conversation(conversation_with(STORY), now=NOW)
    assert lead.phone == "+60123456789" and lead.guest_name == "Aisha"  # the name, dates and room: the rules'
    assert (lead.check_in, lead.check_out, lead.room_type) == (dt.date(2027, 6, 20), dt.date(2027, 6, 23),
                                                               "Family Suite")  # fmt: skip
    assert lead.extraction["source"] == "llm+rules"


def test_invalid_fields_of_the_model_are_dropped_and_reported_and_the_rules_stand(world, in_a, rooms, model) -> None:
    model.enqueue(
        stream(reading({"room_type": "Presidential Suite", "phone": "12", "check_in": "2019-01-01",
                        "adults": "two", "email": "aisha@example.com"}))
    )  # fmt: skip
    lead = upsert_lead_for_conversation(conversation_with(STORY), now=NOW)
    rejected = lead.extraction["rejected"]
    assert {"model.room_type", "model.phone", "model.check_in", "model.adults"} <= set(rejected), rejected
    assert (lead.room_type, lead.phone, lead.check_in, lead.adults) == ("Family Suite", "+60123456789",
                                                                        dt.date(2027, 6, 20), 2)  # fmt: skip
    assert lead.email == "aisha@example.com"  # the one valid thing the model added


@pytest.mark.parametrize(
    "reply",
    [
        stream("Sure! The guest wants the family suite."),  # prose, not the schema
        stream('{"mode": "lead_capture", "confidence": 0.9, "details": {"name": "Ais'),  # cut off mid-object
        stream('{"confidence": "very", "details": []}'),  # the wrong shapes
        stream("[1, 2, 3]"),  # JSON, but not an object
        status(500),
        status(429),  # rate limited: no retry inside a turn, the rules answer now
        hang(2),  # past the timeout
        body({"id": "x", "object": "chat.completion", "created": 0, "model": "fake", "choices": []}),  # no choice
    ],
    ids=["prose", "truncated", "wrong-shapes", "not-an-object", "server-error", "rate-limited", "timeout", "empty"],
)
def test_when_the_model_fails_the_rules_are_the_whole_answer(world, in_a, rooms, model, reply) -> None:
    model.enqueue(reply)
    lead = upsert_lead_for_conversation(conversation_with(STORY), now=NOW)
    assert lead.extraction["source"] == "rules" and lead.extraction["model_confidence"] is None
    assert (lead.guest_name, lead.phone, lead.room_type, lead.nights) == ("Aisha", "+60123456789", "Family Suite", 3)


def test_offline_no_model_is_asked(world, in_a, rooms, settings) -> None:
    settings.LLM_API_KEY = ""
    lead = upsert_lead_for_conversation(conversation_with(STORY), now=NOW)
    assert lead.extraction["source"] == "rules" and lead.room_type == "Family Suite"


def read(world, model, reply: str, text: str = "Hi, we'd like the family suite from 20 to 23 June 2027"):
    model.enqueue(stream(reply))
    return read_with_model([GuestText(text)], extraction_context(world.a, NOW))


@pytest.mark.parametrize(
    ("reading_", "verdict"),
    [
        ({"mode": "lead_capture", "confidence": 0.86}, ModelVerdict("lead_capture", 0.86)),
        ({"mode": "concierge", "confidence": 0.7}, ModelVerdict("concierge", 0.7)),
        ({"mode": "handoff", "confidence": 0.9, "wants_human": True}, ModelVerdict("handoff", 0.9, True, False)),
        ({"mode": "handoff", "confidence": 0.8, "complaint": True}, ModelVerdict("handoff", 0.8, False, True)),
        # A model that says "complaint" but keeps the concierge mode: the flags still reach the engine.
        ({"mode": "concierge", "confidence": 0.6, "complaint": True}, ModelVerdict("concierge", 0.6, False, True)),
    ],
    ids=["lead-capture", "concierge", "human", "complaint", "complaint-flag-only"],
)
def test_each_mode_of_a_valid_reading_reaches_the_engine(world, in_a, rooms, model, reading_, verdict) -> None:
    outcome = read(world, model, json.dumps({**reading_, "details": {}}))
    assert outcome is not None and outcome.verdict == verdict
    sent = model.requests[-1].json
    assert sent["response_format"]["json_schema"]["strict"] is True
    properties = sent["response_format"]["json_schema"]["schema"]["properties"]
    assert {"mode", "confidence", "wants_human", "complaint", "details"} <= set(properties)


def test_a_partial_reading_keeps_what_it_has_and_no_confidence_decides_no_mode(world, in_a, rooms, model) -> None:
    outcome = read(world, model, json.dumps({"mode": "lead_capture", "details": {"room_type": "Family Suite"}}))
    assert outcome is not None and outcome.verdict is None  # the rules decide the mode
    assert outcome.fields.room_type == "Family Suite" and outcome.confidence is None
    outcome = read(world, model, json.dumps({"confidence": 0.9}))
    assert outcome is not None and outcome.verdict is None and outcome.confidence == 0.9


def test_values_of_the_wrong_type_cost_their_own_field_only(world, in_a, rooms, model) -> None:
    reply = {"mode": "booking", "confidence": "high", "wants_human": "maybe", "complaint": 1.5,
             "details": {"phone": "+60123456789", "adults": "two"}}  # fmt: skip
    outcome = read(world, model, json.dumps(reply))
    assert outcome is not None
    assert (outcome.mode, outcome.confidence, outcome.wants_human, outcome.complaint) == (None, None, False, False)
    assert outcome.fields.phone == "+60123456789" and outcome.fields.adults is None and "adults" in outcome.rejected
    outcome = read(world, model, json.dumps({"mode": "concierge", "confidence": 1.7, "details": "none"}))
    assert outcome is not None and outcome.verdict is None and "confidence" in outcome.rejected


def test_a_reply_with_nothing_of_the_schema_is_no_reading(world, in_a, rooms, model) -> None:
    assert read(world, model, json.dumps({"answer": "a family suite", "mode": 3})) is None


def test_failed_readings_count_towards_the_providers_circuit_like_the_answers_calls(world, in_a, model, settings):
    settings.LLM_CIRCUIT_FAILURES = 2
    ctx = extraction_context(world.a, NOW)
    model.enqueue(stream(reading({}, confidence=0.7)))
    assert read_with_model([GuestText(STORY[0])], ctx) is not None and breaker_named("openai").state() == "closed"
    for _ in range(2):
        model.enqueue(status(500))
        assert read_with_model([GuestText(STORY[0])], ctx) is None
    assert breaker_named("openai").state() == "open"
    # Open for everyone: the next reading is not sent, and the answer's router skips the provider too.
    sent = len(model.requests)
    assert read_with_model([GuestText(STORY[0])], ctx) is None and len(model.requests) == sent
    question = ChatRequest(system="", messages=[], question="Is there a gym?", language="en", mode="concierge")
    routed = generate(question, lambda piece: None)
    assert routed.attempts[0].provider == "openai" and routed.attempts[0].outcome == "skipped: circuit open"
    assert len(model.requests) == sent

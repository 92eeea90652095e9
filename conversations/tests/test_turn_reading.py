"""The model's one structured reading per guest turn, through the engine and the real `openai` SDK against the
fake OpenAI server: it decides the turn's mode within the rules' safety, fills the lead, and costs one call."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django_tenants.utils import schema_context

from conversations import engine
from conversations.models import AiMode, Handoff
from leads.models import ConsentStatus, Lead
from testsupport.inbound import say
from testsupport.llm import FakeLLMServer, compute, status

pytestmark = pytest.mark.django_db


def is_reading(body: dict[str, Any]) -> bool:
    return ((body.get("response_format") or {}).get("json_schema") or {}).get("name") == "ModelReading"


class Model:
    """The model behind the fake server: for each newest guest line, the structured reading a model would give."""

    def __init__(self, readings: dict[str, dict[str, Any]]) -> None:
        self.readings = readings

    def __call__(self, body: dict[str, Any]) -> str:
        if not is_reading(body):
            return "Noted, thank you."
        # The newest guest line it has a reading for (a bare answer comes with the step's note of what it means).
        lines = [line.removeprefix("- ") for line in str(body["messages"][-1]["content"]).splitlines()]
        return json.dumps(next(self.readings[line] for line in reversed(lines) if line in self.readings))


def readings_sent(server: FakeLLMServer) -> int:
    return sum(1 for request in server.requests if is_reading(request.json or {}))


@pytest.fixture
def model_reads(llm_settings, fake_openai: FakeLLMServer):
    """Script the model's reading of each guest line: `model_reads({line: reading, ...})`."""
    llm_settings.LLM_TIMEOUT = 5.0

    def script(readings: dict[str, dict[str, Any]]) -> None:
        fake_openai.default = compute(Model(readings))

    return script


BOOKING = "We'd like the Family Suite from 20 to 23 June 2027 for 2 adults"
CONTACT = "Aisha Rahman, 012-345 6789"


def test_a_booking_costs_one_reading_a_turn_and_the_reading_fills_the_lead(
    kb_a, open_all_day, model_reads, fake_openai
) -> None:
    model_reads(
        {
            "Is there a gym?": {"mode": "concierge", "confidence": 0.82, "details": {}},
            BOOKING: {
                "mode": "lead_capture",
                "confidence": 0.91,
                "details": {
                    "intent": "room_booking",
                    "room_type": "Family Suite",
                    "check_in": "2027-06-20",
                    "check_out": "2027-06-23",
                    "adults": 2,
                },
            },
            "And is breakfast included?": {"mode": "concierge", "confidence": 0.77, "details": {"adults": 2}},
            CONTACT: {
                "mode": "lead_capture",
                "confidence": 0.88,
                "details": {"name": "Aisha Rahman", "phone": "+60123456789"},
            },
        }
    )  # fmt: skip
    with schema_context(kb_a.a.schema_name):
        conversation = engine.start_web_conversation(widget_key_id=1, consent_text="I accept.")
        counts, modes = [], []
        for n, text in enumerate(["Is there a gym?", BOOKING, "And is breakfast included?", CONTACT, "YES"], 1):
            before = readings_sent(fake_openai)
            reply = say(conversation, text, n)
            counts.append(readings_sent(fake_openai) - before)
            modes.append((reply.metadata["mode"], reply.metadata.get("mode_confidence")))
        # One reading per turn, whichever part of the turn needed it first; none for a tapped YES.
        assert counts == [1, 1, 1, 1, 0], counts
        assert modes[0] == (AiMode.CONCIERGE, 0.82) and modes[2] == (AiMode.CONCIERGE, 0.77)
        lead = Lead.objects.get(conversation_links__conversation=conversation)
        assert (lead.guest_name, lead.phone, lead.room_type, lead.nights) == (
            "Aisha Rahman", "+60123456789", "Family Suite", 3,
        )  # fmt: skip
        assert lead.consent_status == ConsentStatus.GIVEN and lead.handed_over_at is not None
        assert lead.confidence == 0.88 and lead.extraction["source"] == "llm+rules"  # the rubric takes the model's


def test_the_model_raises_a_complaint_to_a_person_but_never_lowers_one(kb_a, open_all_day, model_reads) -> None:
    model_reads(
        {
            # No complaint word the rules know: the model hears it.
            "The aircon has been humming all night, again": {
                "mode": "concierge",
                "confidence": 0.85,
                "complaint": True,
                "details": {},
            },
            # The rules hear a person asked for; the model disagrees, sure of itself: the rules win.
            "I want to speak to a manager now": {
                "mode": "concierge",
                "confidence": 0.97,
                "wants_human": False,
                "details": {},
            },
            # No word of the rules asks for a person; the model hears the request.
            "Is anybody actually reading this?": {
                "mode": "handoff",
                "confidence": 0.9,
                "wants_human": True,
                "details": {},
            },
            # The model wants a person to answer and names no reason: recorded as its judgement.
            "Something happened during our stay last week": {"mode": "handoff", "confidence": 0.8, "details": {}},
        }
    )  # fmt: skip
    lines = [
        "The aircon has been humming all night, again",
        "I want to speak to a manager now",
        "Is anybody actually reading this?",
        "Something happened during our stay last week",
    ]
    with schema_context(kb_a.a.schema_name):
        seen = []
        for n, text in enumerate(lines):
            conversation = engine.start_web_conversation(widget_key_id=1, consent_text="I accept.")
            reply = say(conversation, text, n)
            trigger = Handoff.objects.filter(conversation=conversation).values_list("trigger", flat=True).first()
            seen.append((reply.metadata["mode"], reply.metadata["mode_source"], trigger))
        # The episode records what the model said: a complaint, a request for a person, or only its mode.
        assert seen == [
            (AiMode.HANDOFF, "llm", "complaint"),
            (AiMode.HANDOFF, "rules", "human_request"),
            (AiMode.HANDOFF, "llm", "human_request"),
            (AiMode.HANDOFF, "llm", "llm"),
        ]


@pytest.mark.parametrize(
    "failure",
    [status(500), status(429), compute(lambda body: '{"mode": "lead_capture", "confidence": 0.9, "det')],
    ids=["server-error", "rate-limited", "malformed"],
)
def test_when_the_reading_fails_the_rules_decide_the_turn(kb_a, open_all_day, llm_settings, fake_openai, failure):
    llm_settings.LLM_MAX_RETRIES = 0
    llm_settings.ANTHROPIC_API_KEY = ""
    fake_openai.enqueue(failure)  # the reading fails; the answer after it comes from the default
    fake_openai.default = compute(lambda body: "Noted, thank you.")
    with schema_context(kb_a.a.schema_name):
        conversation = engine.start_web_conversation(widget_key_id=1, consent_text="I accept.")
        reply = say(conversation, "How much is the Family Suite from 20 to 23 June 2027?", 1)
        assert (reply.metadata["mode"], reply.metadata["mode_source"]) == (AiMode.LEAD_CAPTURE, "rules")
        assert reply.metadata["mode_confidence"] is None
        lead = Lead.objects.get(conversation_links__conversation=conversation)
        assert lead.room_type == "Family Suite" and lead.extraction["source"] == "rules"
        assert readings_sent(fake_openai) == 1  # tried once, not again within the turn

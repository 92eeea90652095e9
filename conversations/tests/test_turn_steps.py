"""The engine's one seam for other apps' steps of a guest turn: what a registered step sees and may do."""

from __future__ import annotations

from typing import Any

import pytest
from django_tenants.utils import schema_context

from assistant.modes import ModelVerdict
from conversations import engine, handoff, sessions, turn_steps
from conversations.models import AiMode, Handoff, SessionState
from conversations.turn_steps import Answered, StepFollowUp, StepReply, Turn
from testsupport.inbound import say

pytestmark = pytest.mark.django_db


class RecordingStep:
    """A step that answers "ticket?" itself, adds a line after every other answer and keeps a counter;
    its reading of the turn (as a model's would be) is whatever the test puts in `verdicts`."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str]] = []
        self.verdicts: dict[str, ModelVerdict] = {}

    def before_answer(self, turn: Turn) -> StepReply | None:
        self.seen.append(("before", turn.text, turn.language))
        if turn.text == "ticket?":
            return StepReply("A person will look at your ticket.", AiMode.HANDOFF, {"ticket": 1}, "manual", "tickets")
        return None

    def read(self, turn: Turn) -> ModelVerdict | None:
        self.seen.append(("read", turn.text, turn.language))
        return self.verdicts.get(turn.text)

    def after_answer(self, turn: Turn, answer: Answered) -> StepFollowUp | None:
        self.seen.append(("after", answer.mode, answer.language))
        return StepFollowUp("Anything else?", {"asked": True})

    def remember(self, turn: Turn, answer: Answered) -> None:
        # Its own state in the session, saved by the engine with the rest of the session.
        turn.session.lead = {"turns": turn.session.lead.get("turns", 0) + 1}

    def summary_for(self, conversation: Any, language: str) -> dict[str, Any] | None:
        return {"intent": "ticket", "summary": f"ticket ({language})"}


@pytest.fixture
def only_step(monkeypatch) -> RecordingStep:
    step = RecordingStep()
    monkeypatch.setattr(turn_steps, "_steps", [step])  # instead of the leads app's step, for this test only
    return step


def test_a_step_follows_up_every_answer_and_keeps_its_state_in_the_session(kb_a, open_all_day, only_step) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation = engine.start_web_conversation(widget_key_id=1, consent_text="I accept.")
        reply = say(conversation, "Is there a gym?", 1)
        assert reply.content.endswith("\n\nAnything else?") and reply.metadata["asked"] is True
        assert only_step.seen == [
            ("before", "Is there a gym?", "en"),
            ("read", "Is there a gym?", "en"),
            ("after", AiMode.CONCIERGE, "en"),
        ]
        say(conversation, "And a pool?", 2)
        assert SessionState.objects.get(conversation=conversation).lead == {"turns": 2}
        sessions.forget(conversation.pk)  # written through: PostgreSQL has it too
        assert sessions.load(conversation).lead == {"turns": 2}


def test_a_step_may_answer_the_turn_itself_and_hand_it_to_staff(kb_a, open_all_day, only_step) -> None:
    with schema_context(kb_a.a.schema_name):
        conversation = engine.start_web_conversation(widget_key_id=1, consent_text="I accept.")
        reply = say(conversation, "ticket?", 1)
        assert reply.content == "A person will look at your ticket."  # no model, no follow-up, no extra notice
        assert reply.metadata["provider"] == "tickets" and reply.metadata["ticket"] == 1
        assert handoff.CONTEXT_NOTE["en"] not in reply.content
        episode = Handoff.objects.get(conversation=conversation)
        assert episode.trigger == "manual"
        assert episode.context["lead"] == {"intent": "ticket", "summary": "ticket (en)"}
        assert episode.context["intent"] == "ticket"


def test_the_steps_reading_decides_the_mode_but_never_takes_a_person_away(kb_a, open_all_day, only_step) -> None:
    only_step.verdicts = {
        "We'd love to come back for our anniversary": ModelVerdict("lead_capture", 0.8),
        "The aircon has been humming all night, again": ModelVerdict("concierge", 0.9, complaint=True),
        "I want to speak to a manager": ModelVerdict("concierge", 0.99),  # the model disagrees with the rules
        "Is breakfast included?": ModelVerdict("lead_capture", 0.3),  # too unsure to decide anything
    }
    with schema_context(kb_a.a.schema_name):
        seen, triggers = [], []
        for n, text in enumerate(only_step.verdicts, start=1):
            conversation = engine.start_web_conversation(widget_key_id=1, consent_text="I accept.")
            reply = say(conversation, text, n)
            seen.append((reply.metadata["mode"], reply.metadata["mode_source"], reply.metadata["mode_confidence"]))
            triggers.append(Handoff.objects.filter(conversation=conversation).values_list("trigger", flat=True).first())
        assert seen == [
            (AiMode.LEAD_CAPTURE, "llm", 0.8),  # the rules read no booking words here
            (AiMode.HANDOFF, "llm", 0.9),  # a complaint the rules' words miss: the model may raise it to a person
            (AiMode.HANDOFF, "rules", 0.99),  # a person asked for stays asked for
            (AiMode.CONCIERGE, "rules", 0.3),
        ]
        assert triggers == [None, "complaint", "human_request", None]  # the model's complaint, as it said it


def test_without_any_step_the_engine_answers_alone(kb_a, open_all_day, monkeypatch) -> None:
    monkeypatch.setattr(turn_steps, "_steps", [])
    with schema_context(kb_a.a.schema_name):
        conversation = engine.start_web_conversation(widget_key_id=1, consent_text="I accept.")
        reply = say(conversation, "How much is a Deluxe King room for 12/12 to 14/12?", 1)
        assert reply.metadata["mode"] == AiMode.LEAD_CAPTURE and "consent" not in reply.metadata
        assert SessionState.objects.get(conversation=conversation).lead == {}


def test_the_leads_app_registers_its_step_once() -> None:
    from leads.turn import LeadTurnStep

    assert [type(step) for step in turn_steps.registered()] == [LeadTurnStep]
    turn_steps.register_turn_step(LeadTurnStep())  # a second registration replaces the first
    assert len(turn_steps.registered()) == 1

"""A widget guest whose turn cannot be answered by the model, or at all, on a real daphne, a real Celery worker and
the fake OpenAI server: a provider answering 500s costs the guest nothing (the offline provider answers from the
knowledge base); a turn that fails for good ends in one holding reply on the guest's socket, in their language, the
conversation with staff, and no resend by the beat job."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from websockets.sync.client import connect

from conversations import sessions, task_names
from conversations.models import Conversation, ConversationStatus, Handoff, Message, MessageRole, SessionState
from conversations.pipeline import notices
from core.durability import enqueue
from core.models import DeadLetter
from properties.models import WidgetKey
from properties.services import current_property, team_back
from testsupport.live import LiveStack, StackSpec
from testsupport.llm import status, stream

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def live_stack_spec() -> StackSpec:
    return StackSpec(llm=True)


@pytest.fixture
def widget(live_stack: LiveStack, committed_db, _committed_kb_a, forget_committed_guests) -> Iterator[Any]:
    origin = f"https://w32-{uuid.uuid4().hex[:8]}.example"
    key = WidgetKey.objects.create(property=committed_db.a, allowed_origins=[origin])
    yield Widget(live_stack, key, origin)
    key.delete()
    live_stack.llm.default = stream("Hello from the fake model.")


class Widget:
    """What widget.js does, over HTTP and the guest's socket."""

    def __init__(self, stack: LiveStack, key: WidgetKey, origin: str) -> None:
        self.daphne, self.llm, self.key, self.origin = stack.daphne, stack.llm, key, origin
        self.schema = key.property.schema_name

    def http(self, method: str, path: str, body: dict | None = None, token: str = "") -> tuple[int, dict]:
        headers = {"Host": f"localhost:{self.daphne.port}", "Origin": self.origin, "Content-Type": "application/json"}
        if token:
            headers["X-Guest-Token"] = token
        data = json.dumps(body).encode() if body is not None else None
        status_code, answer = self.daphne.request(method, path, data, headers)  # loopback only
        return status_code, json.loads(answer or b"{}")

    def start(self, language: str) -> tuple[int, str]:
        consent = {"key": self.key.public_key, "consent": True, "consent_text": "I accept.", "language": language}
        status_code, body = self.http("POST", "/api/v1/conversations", consent)
        assert status_code == 201, body
        return body["conversation_id"], body["token"]

    @contextlib.contextmanager
    def socket(self, conversation_id: int, token: str) -> Iterator[Any]:
        url = f"ws://127.0.0.1:{self.daphne.port}/ws/guest/{conversation_id}/?token={token}"
        with connect(url, additional_headers={"Origin": self.origin}, open_timeout=10) as ws:
            assert json.loads(ws.recv(timeout=5))["event"] == "hello"
            yield ws

    def say(self, conversation_id: int, token: str, text: str) -> int:
        path = f"/api/v1/conversations/{conversation_id}/messages"
        status_code, body = self.http("POST", path, {"text": text, "client_id": uuid.uuid4().hex}, token)
        assert status_code == 202, body
        return body["message"]["id"]


def ai_messages(ws: Any, timeout: float = 60.0) -> Iterator[dict]:
    """The AI messages the guest's socket receives, until `timeout` passes."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            event = json.loads(ws.recv(timeout=left))
        except TimeoutError:
            return
        if event["event"] == "message" and event["payload"]["role"] == MessageRole.AI:
            yield event["payload"]


def turn_letters(conversation_id: int) -> int:
    with schema_context("public"):
        return sum(
            1
            for letter in DeadLetter.objects.filter(task_name=task_names.BUFFERED_TURN)
            if letter.args and letter.args[0] == conversation_id
        )


def test_a_model_answering_500s_still_answers_the_guest_from_the_knowledge_base_once(widget: Widget) -> None:
    conversation_id, token = widget.start("en")
    with widget.socket(conversation_id, token) as ws:
        widget.llm.default = status(500)  # every call, the structured reading's too: the provider is down
        widget.say(conversation_id, token, "What time is breakfast served?")
        reply = next(ai_messages(ws))
        assert "6:30 am to 10:30 am" in reply["content"]
        assert list(ai_messages(ws, timeout=3)) == []  # one answer, nothing after it
    with schema_context(widget.schema):
        ai = Message.objects.get(conversation_id=conversation_id, role=MessageRole.AI)
        assert ai.metadata["provider"] == "offline"
        assert ai.metadata["attempts"][0]["provider"] == "openai" and ai.metadata["attempts"][0]["outcome"] != "ok"
        assert Conversation.objects.get(pk=conversation_id).status != ConversationStatus.HANDED_OFF
    assert turn_letters(conversation_id) == 0


def test_a_turn_that_fails_for_good_ends_in_one_holding_reply_in_malay_with_staff_and_no_resend(
    widget: Widget,
) -> None:
    conversation_id, token = widget.start("ms")
    with schema_context(widget.schema):
        # Poison in the durable copy of the session (a history that is no list): every run of the turn fails the
        # same way (not a transient error), however often it is sent. (An unreadable Redis copy is no poison: it
        # is rebuilt from this row, test_engine.)
        SessionState.objects.create(conversation_id=conversation_id, history=5, updated_at=timezone.now())
        sessions.forget(conversation_id)
    with widget.socket(conversation_id, token) as ws:
        message_id = widget.say(conversation_id, token, "Pukul berapa sarapan dihidangkan?")
        [holding] = list(ai_messages(ws, timeout=30))
    with schema_context(widget.schema):
        # When the team is back as the service words it (its own tests pin the words); in hours, "secepat mungkin".
        when = team_back(current_property(), timezone.now(), "ms") or notices.STAFF_REPLY_SOON["ms"]
        assert holding["content"] == (
            f"Maaf, saya tidak dapat menjawab sekarang. Kakitangan kami akan membalas anda di sini {when}."
        )
        conversation = Conversation.objects.get(pk=conversation_id)
        assert conversation.status == ConversationStatus.HANDED_OFF
        assert Handoff.objects.get(conversation=conversation).trigger == "turn_failed"
        # The beat job, as if the guest had written five minutes ago: nothing left to resend.
        Conversation.objects.filter(pk=conversation_id).update(last_message_at=timezone.now() - dt.timedelta(minutes=5))
    done = enqueue(task_names.DISPATCH_DUE, schema=widget.schema).get(timeout=120)
    assert done["web_turns_resent"] == 0
    with schema_context(widget.schema):
        said = list(Message.objects.filter(conversation_id=conversation_id).values_list("role", flat=True))
        assert said.count(MessageRole.AI) == 1 and said.count(MessageRole.GUEST) == 1
        assert Message.objects.get(pk=message_id).role == MessageRole.GUEST
    assert turn_letters(conversation_id) == 1

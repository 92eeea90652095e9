"""End to end on a real daphne and a real Celery worker: the widget API, the guest websocket, the reply
streamed token by token from the worker over the Redis channel layer, staff messages delivered later."""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django_tenants.utils import schema_context
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from conversations.handoff.service import record_staff_message
from conversations.models import Conversation, Message, MessageRole
from properties.models import WidgetKey
from testsupport.live import start_worker
from testsupport.processes import stop

pytestmark = pytest.mark.e2e


def http(daphne, method: str, path: str, body: dict | None = None, *, origin: str, token: str = ""):
    headers = {
        "Host": f"localhost:{daphne.port}",
        "Origin": origin,
        "Content-Type": "application/json",
        **({"X-Guest-Token": token} if token else {}),
    }
    data = json.dumps(body).encode() if body is not None else None
    status, answer = daphne.request(method, path, data, headers)  # loopback only
    return status, json.loads(answer or b"{}")


def socket_url(daphne, conversation_id: int, token: str) -> str:
    return f"ws://127.0.0.1:{daphne.port}/ws/guest/{conversation_id}/?token={token}"


@pytest.fixture
def live_keys(committed_db, _committed_kb_a, forget_committed_guests):
    origin_a, origin_b = f"https://a-{uuid.uuid4().hex[:8]}.example", f"https://b-{uuid.uuid4().hex[:8]}.example"
    key_a = WidgetKey.objects.create(property=committed_db.a, allowed_origins=[origin_a])
    key_b = WidgetKey.objects.create(property=committed_db.b, allowed_origins=[origin_b])
    yield (key_a, origin_a), (key_b, origin_b)
    key_a.delete()
    key_b.delete()


def start(daphne, key: WidgetKey, origin: str) -> dict:
    status, body = http(
        daphne,
        "POST",
        "/api/v1/conversations",
        {"key": key.public_key, "consent": True, "consent_text": "I accept."},
        origin=origin,
    )
    assert status == 201, body
    return body


@contextlib.contextmanager
def guest_socket(daphne, conversation_id: int, token: str, origin: str) -> Iterator[Any]:
    """The widget's websocket for the conversation, past its hello."""
    with connect(
        socket_url(daphne, conversation_id, token), additional_headers={"Origin": origin}, open_timeout=10
    ) as ws:
        assert json.loads(ws.recv(timeout=5))["event"] == "hello"
        yield ws


def ask(daphne, conversation_id: int, token: str, origin: str, text: str) -> None:
    """The guest's message POST, answered 202 (the turn is the worker's)."""
    status, body = http(
        daphne,
        "POST",
        f"/api/v1/conversations/{conversation_id}/messages",
        {"text": text, "client_id": "q1"},
        origin=origin,
        token=token,
    )
    assert status == 202, body


def events_until_reply(ws, timeout: float = 30.0) -> tuple[list[dict], dict]:
    events: list[dict] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        event = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        events.append(event)
        if event["event"] == "message" and event["payload"]["role"] == "ai":
            return events, event["payload"]
    raise AssertionError(f"no reply within {timeout} s; got {events}")


def test_a_guest_question_is_answered_by_the_worker_and_streamed_to_the_widget(
    daphne, celery_worker, live_keys
) -> None:
    (key_a, origin_a), _ = live_keys
    started = start(daphne, key_a, origin_a)
    conversation_id, token = started["conversation_id"], started["token"]
    with guest_socket(daphne, conversation_id, token, origin_a) as ws:
        posted_at = time.monotonic()
        ask(daphne, conversation_id, token, origin_a, "What time is breakfast served?")
        assert time.monotonic() - posted_at < 2.0, "the POST must not wait for the answer"
        events, reply = events_until_reply(ws)
        tokens = [e["payload"]["text"] for e in events if e["event"] == "token"]
        # Streamed before the final message; pieces that pile up while one is in flight travel together.
        assert tokens and events[-1]["event"] == "message"
        assert "".join(tokens) == reply["content"]
        assert "6:30 am to 10:30 am" in reply["content"]

        # Staff messages reach the same socket later.
        with schema_context(key_a.property.schema_name):
            conversation = Conversation.objects.get(pk=conversation_id)
            record_staff_message(conversation, "Hello, this is Farah from the front desk.", user_id=None)
        staff = json.loads(ws.recv(timeout=10))
        assert staff["event"] == "message" and staff["payload"]["role"] == "staff"
        assert staff["payload"]["content"] == "Hello, this is Farah from the front desk."

    with schema_context(key_a.property.schema_name):
        ai = Message.objects.get(conversation_id=conversation_id, role=MessageRole.AI)
        assert ai.metadata["provider"] == "offline" and ai.metadata["knowledge"]
    status, body = http(daphne, "GET", f"/api/v1/conversations/{conversation_id}", origin=origin_a, token=token)
    assert [m["role"] for m in body["messages"]] == ["guest", "ai", "staff"]


def refused(daphne, conversation_id: int, token: str, origin: str) -> int:
    try:
        with connect(
            socket_url(daphne, conversation_id, token), additional_headers={"Origin": origin}, open_timeout=10
        ):
            return 101
    except InvalidStatus as exc:
        return exc.response.status_code


def test_a_guest_socket_of_a_cannot_be_opened_with_bs_token_another_token_or_origin(daphne, live_keys) -> None:
    (key_a, origin_a), (key_b, origin_b) = live_keys
    a = start(daphne, key_a, origin_a)
    a2 = start(daphne, key_a, origin_a)
    b = start(daphne, key_b, origin_b)
    assert refused(daphne, a["conversation_id"], a["token"], origin_a) == 101  # the real thing opens
    assert refused(daphne, a["conversation_id"], b["token"], origin_b) == 403  # B's token on A's conversation
    assert refused(daphne, a["conversation_id"], b["token"], origin_a) == 403
    assert refused(daphne, a["conversation_id"], a2["token"], origin_a) == 403  # another conversation's token
    assert refused(daphne, a["conversation_id"], a["token"], origin_b) == 403  # an origin the key does not allow
    assert refused(daphne, a["conversation_id"], "forged", origin_a) == 403


@pytest.fixture
def one_pool_process(committed_db, live_logs):
    """A worker with one pool process, so consecutive turns of two properties run on one connection."""
    worker = start_worker(live_logs, node="one-process", concurrency=1)
    yield worker
    stop(worker.process)


def test_turns_of_two_properties_in_turn_on_one_worker_process_each_run_in_their_own_schema(
    daphne, one_pool_process, live_keys
) -> None:
    # The worker now keeps a task's schema for the next task (no `SET search_path` per turn): the next
    # property's turn must still be switched to its own schema, never answered from the previous one's.
    # A has the fixture hotel's knowledge, B none: B answered in A's schema would quote A's breakfast hours.
    (key_a, origin_a), (key_b, origin_b) = live_keys
    for key, origin in [(key_a, origin_a), (key_b, origin_b), (key_a, origin_a), (key_b, origin_b)]:
        started = start(daphne, key, origin)
        conversation_id, token = started["conversation_id"], started["token"]
        with guest_socket(daphne, conversation_id, token, origin) as ws:
            ask(daphne, conversation_id, token, origin, "What time is breakfast served?")
            _, reply = events_until_reply(ws, timeout=60)
        with schema_context(key.property.schema_name):
            stored = Message.objects.get(conversation_id=conversation_id, role=MessageRole.AI)
        assert stored.content == reply["content"]
        assert ("6:30 am to 10:30 am" in reply["content"]) is (key is key_a)

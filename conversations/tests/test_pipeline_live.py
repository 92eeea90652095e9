"""End to end on the real stack: daphne + a Celery worker + PostgreSQL + Redis, fake Graph and SMTP servers.

The module's `live_stack` runs its own worker (pointed at the fake servers) in place of the
session's, and puts the session's worker back afterwards.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import pytest
from django_tenants.utils import schema_context

from conversations.models import InboundEvent, Message, MessageRole, OutboxItem
from testsupport.live import LiveStack, StackSpec, channels_bound, start_worker
from testsupport.llm import hang
from testsupport.payloads import sendgrid_raw_post, whatsapp_signed_headers, whatsapp_text_body
from testsupport.wait import wait_until

pytestmark = pytest.mark.django_db(transaction=False)

APP_SECRET = "pipeline-test-app-secret"
EMAIL_AUTH = "sendgrid:pipeline-secret"
NUMBER_A1, NUMBER_A2, NUMBER_B = "990000000001", "990000000002", "990000000003"
ADDRESS_A = "reservations@alpha-pipeline.example"


@pytest.fixture(scope="module")
def live_stack_spec(properties_ab, django_db_blocker) -> Iterator[StackSpec]:
    world = properties_ab
    with (
        channels_bound(
            django_db_blocker,
            world.a,
            whatsapp={NUMBER_A1: "601", NUMBER_A2: "602"},
            email=ADDRESS_A,
            buffer_window_seconds=1.5,
        ),
        channels_bound(django_db_blocker, world.b, whatsapp={NUMBER_B: "603"}),
    ):
        # Turns answer through the fake model, so a test can hold one in the middle.
        yield StackSpec(
            smtp=True,
            llm=True,
            env={
                "LLM_TIMEOUT": "20",
                # A killed worker's task comes back within seconds, and its turn lock expires soon after.
                "CELERY_VISIBILITY_TIMEOUT": "6",
                "CELERY_UNACKED_RESTORE_INTERVAL": "2",
                "CELERY_UNACKED_RESTORE_THROTTLE": "1",
                "TURN_LOCK_TIMEOUT": "8",
                "WHATSAPP_APP_SECRET": APP_SECRET,
                "WHATSAPP_HTTP_TIMEOUT": "2",
                "INBOUND_EMAIL_WEBHOOK_SECRET": EMAIL_AUTH,
            },
        )


def _post(live_stack: LiveStack, path: str, body: bytes, headers: dict[str, str]) -> int:
    return live_stack.daphne.request("POST", path, body, headers)[0]


def _whatsapp(live_stack: LiveStack, body: bytes, secret: str = APP_SECRET) -> int:
    return _post(live_stack, "/api/v1/webhook/whatsapp", body, whatsapp_signed_headers(body, secret))


def _sent_to(live_stack: LiveStack, wa_id: str) -> list[dict]:
    return [m for m in live_stack.graph.sent_messages() if m.get("to") == wa_id and m.get("type") == "text"]


def _replies(world, wa_id: str) -> list[Message]:
    with schema_context(world.a.schema_name):
        return list(
            Message.objects.filter(role=MessageRole.AI, conversation__guest__identities__external_id=f"+{wa_id}")
        )


def test_a_signed_webhook_delivered_ten_times_is_stored_once_and_answered_once(
    live_stack: LiveStack, committed_db
) -> None:
    wa_id = "60111000001"
    body = whatsapp_text_body(NUMBER_A1, wa_id, "Hi, what time is breakfast?")
    assert all(_whatsapp(live_stack, body) == 200 for _ in range(10))
    assert live_stack.graph.wait_for(lambda g: len(_sent_to(live_stack, wa_id)) >= 2, timeout=40), (
        live_stack.graph.requests
    )
    time.sleep(2.0)  # a second reply would be sent well within this; none may come
    texts = [m["text"]["body"] for m in _sent_to(live_stack, wa_id)]
    with schema_context(committed_db.a.schema_name):
        guest_messages = Message.objects.filter(role=MessageRole.GUEST, conversation__channel_id=NUMBER_A1)
        assert guest_messages.filter(conversation__guest__identities__external_id=f"+{wa_id}").count() == 1
    assert len(_replies(committed_db, wa_id)) == 1
    assert len(texts) == 2  # the day's greeting and one answer
    assert live_stack.graph.read_receipts(), "the message was marked read with a typing indicator"


def test_three_messages_inside_the_window_get_one_reply(live_stack: LiveStack, committed_db) -> None:
    wa_id = "60111000002"
    for text in ("Hello", "Do you have parking?", "And is it free?"):
        assert _whatsapp(live_stack, whatsapp_text_body(NUMBER_A1, wa_id, text)) == 200
    assert wait_until(lambda: len(_replies(committed_db, wa_id)) >= 1, timeout=40)
    time.sleep(2.5)  # longer than the window: a late second turn would show up here
    replies = _replies(committed_db, wa_id)
    assert len(replies) == 1
    assert len(replies[0].metadata["answers"]) == 3


def test_a_bad_signature_is_refused_and_nothing_is_stored(live_stack: LiveStack, committed_db) -> None:
    body = whatsapp_text_body(NUMBER_A1, "60111000003", "hello")
    assert _whatsapp(live_stack, body, secret="not-the-secret") == 401
    with schema_context(committed_db.a.schema_name):
        # The payload is encrypted as a whole (privacy): read each row rather than filter in SQL.
        assert not [e for e in InboundEvent.objects.all() if e.payload.get("sender_id") == "+60111000003"]


def test_the_reply_is_delivered_once_after_the_graph_api_recovers(live_stack: LiveStack, committed_db) -> None:
    wa_id = "60111000004"
    live_stack.graph.fail(times=4, status=500, path="/messages")
    assert _whatsapp(live_stack, whatsapp_text_body(NUMBER_A1, wa_id, "Is the pool open?")) == 200
    assert live_stack.graph.wait_for(lambda g: len(_sent_to(live_stack, wa_id)) >= 2, timeout=60)
    time.sleep(2.0)
    assert len(_sent_to(live_stack, wa_id)) == 2  # greeting + answer, each once
    with schema_context(committed_db.a.schema_name):
        items = OutboxItem.objects.filter(recipient=f"+{wa_id}")
        assert {i.state for i in items} == {"sent"}
        assert sum(i.attempts for i in items) >= 3


def test_an_email_thread_stays_in_one_conversation_with_threading_headers(live_stack: LiveStack, committed_db) -> None:
    import base64

    auth = "Basic " + base64.b64encode(EMAIL_AUTH.encode()).decode()
    guest = "tan@guest-pipeline.example"

    def post(fields: dict[str, str]) -> int:
        from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

        body = encode_multipart(BOUNDARY, fields)
        return _post(
            live_stack, "/api/v1/webhook/email", body, {"Content-Type": MULTIPART_CONTENT, "Authorization": auth}
        )

    first = sendgrid_raw_post(guest, ADDRESS_A, "Room for two", "Hello, do you have a room on Friday?")
    assert post(first) == 200
    assert post(first) == 200  # a duplicate post is a no-op
    mails = live_stack.smtp.wait_for(1, timeout=40)
    assert len(mails) == 1
    ours = mails[0].message
    first_id = first["email"].split("Message-ID: ")[1].split("\n")[0].strip()
    assert ours["In-Reply-To"] == first_id
    assert first_id in ours["References"]
    assert ours["From"].endswith(f"<{ADDRESS_A}>") or ADDRESS_A in ours["From"]

    reply = sendgrid_raw_post(
        guest,
        ADDRESS_A,
        "Re: Room for two",
        "Great, and breakfast?",
        in_reply_to=ours["Message-ID"],
        references=f"{first_id} {ours['Message-ID']}",
    )
    assert post(reply) == 200
    assert len(live_stack.smtp.wait_for(2, timeout=40)) == 2
    with schema_context(committed_db.a.schema_name):
        guest_messages = Message.objects.filter(role=MessageRole.GUEST, channel="email")
        assert guest_messages.count() == 2
        assert len({m.conversation_id for m in guest_messages}) == 1


def _kill_worker_and_its_pool(pid: int) -> None:
    """SIGKILL the worker and its prefork children (by parent pid): nothing gets to clean up."""
    import os
    import signal
    from pathlib import Path

    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    for child in [pid, *children]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)


def test_a_worker_killed_in_the_middle_of_a_turn_still_answers_exactly_once(
    live_stack: LiveStack,
    committed_db,
) -> None:
    wa_id = "60111000005"
    assert _whatsapp(live_stack, whatsapp_text_body(NUMBER_A2, wa_id, "Can I check in early?")) == 200

    def stored() -> bool:
        with schema_context(committed_db.a.schema_name):
            # Content is encrypted at rest (privacy): compare in Python.
            return any(m.content == "Can I check in early?" for m in Message.objects.filter(role=MessageRole.GUEST))

    # Armed once the message is stored: its turn starts a buffer window (1.5 s) later, so no other
    # test's late turn can take the hang meant for this one.
    assert wait_until(stored, timeout=40)
    hits = live_stack.llm.hits()
    live_stack.llm.enqueue(hang(15))  # the turn's model call hangs: the worker is killed inside it
    assert wait_until(lambda: live_stack.llm.hits() > hits, timeout=40), "the turn never reached the model"
    _kill_worker_and_its_pool(live_stack.worker.process.pid)
    live_stack.worker.process.wait(timeout=10)
    assert not _replies(committed_db, wa_id)
    live_stack.worker.process = start_worker(live_stack.logs, **live_stack.env).process
    assert wait_until(lambda: len(_replies(committed_db, wa_id)) >= 1, timeout=90)
    assert live_stack.graph.wait_for(lambda g: len(_sent_to(live_stack, wa_id)) >= 2, timeout=30)
    time.sleep(3.0)
    assert len(_replies(committed_db, wa_id)) == 1
    assert len(_sent_to(live_stack, wa_id)) == 2  # the greeting (sent before the turn) and one answer

"""The issue's first proof, on the real stack (daphne, a Celery worker, PostgreSQL, Redis, fake Graph and SMTP):
three guests ask for the same missing thing in their own words (two in English on WhatsApp, one in Malay by
e-mail) → one gap of count 3; the manager answers it; a fourth guest gets the new answer; the three earlier
guests get the follow-up once, never twice however often the manager clicks."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django_tenants.utils import schema_context

from conftest import host_client
from conversations.models import Message, MessageRole
from gaps.models import Gap
from knowledge.models import KnowledgeItem
from testsupport.live import LiveStack, StackSpec, spec_with_channels_of_a
from testsupport.payloads import sendgrid_raw_post, whatsapp_signed_headers, whatsapp_text_body
from testsupport.wait import wait_until

pytestmark = [pytest.mark.e2e]  # committed_db: the test's own writes (the manager's answer) are committed

APP_SECRET = "gaps-test-app-secret"
EMAIL_AUTH = "sendgrid:gaps-secret"
NUMBER = "990000002101"
ADDRESS = "frontdesk@alpha-gaps.example"
GUEST_1, GUEST_2, GUEST_4 = "60111002101", "60111002102", "60111002104"
GUEST_3 = "aminah@guest-gaps.example"


live_stack_spec = spec_with_channels_of_a(
    StackSpec(
        smtp=True,
        env={"WHATSAPP_APP_SECRET": APP_SECRET, "INBOUND_EMAIL_WEBHOOK_SECRET": EMAIL_AUTH},
    ),
    whatsapp={NUMBER: "6021"},
    email=ADDRESS,
    buffer_window_seconds=0.5,
)


@pytest.fixture
def clean_gaps(committed_db, forget_committed_guests) -> Iterator[None]:
    yield
    with schema_context(committed_db.a.schema_name):
        items = [i for g in Gap.objects.all() for i in g.knowledge_item_ids]
        Gap.objects.all().delete()
        KnowledgeItem.objects.filter(pk__in=items).delete()


def _post(live_stack: LiveStack, path: str, body: bytes, headers: dict[str, str]) -> int:
    return live_stack.daphne.request("POST", path, body, headers)[0]


def whatsapp(live_stack: LiveStack, wa_id: str, text: str) -> None:
    body = whatsapp_text_body(NUMBER, wa_id, text)
    assert _post(live_stack, "/api/v1/webhook/whatsapp", body, whatsapp_signed_headers(body, APP_SECRET)) == 200


def email(live_stack: LiveStack, sender: str, subject: str, text: str) -> None:
    body = encode_multipart(BOUNDARY, sendgrid_raw_post(sender, ADDRESS, subject, text))
    auth = "Basic " + base64.b64encode(EMAIL_AUTH.encode()).decode()
    headers = {"Content-Type": MULTIPART_CONTENT, "Authorization": auth}
    assert _post(live_stack, "/api/v1/webhook/email", body, headers) == 200


def texts_to(live_stack: LiveStack, wa_id: str) -> list[str]:
    return [
        m["text"]["body"] for m in live_stack.graph.sent_messages() if m.get("to") == wa_id and m.get("type") == "text"
    ]


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",)) if message.is_multipart() else message
    return body.get_content() if body is not None else ""


def the_gap(world) -> Gap | None:
    with schema_context(world.a.schema_name):
        return Gap.objects.order_by("-question_count").first()


def test_three_guests_one_gap_an_answer_the_next_guest_gets_it_and_the_waiting_are_told_once(
    live_stack: LiveStack, committed_db, _committed_kb_a, clean_gaps
) -> None:
    world = committed_db
    whatsapp(live_stack, GUEST_1, "Hi, can I rent a bike?")
    whatsapp(live_stack, GUEST_2, "bicycle hire?")
    email(live_stack, GUEST_3, "Basikal", "Boleh sewa basikal di hotel?")

    assert wait_until(lambda: (g := the_gap(world)) is not None and g.question_count == 3, timeout=90), the_gap(world)
    gap = the_gap(world)
    with schema_context(world.a.schema_name):
        assert Gap.objects.count() == 1
        assert gap.languages == ["en", "ms"] and gap.channels == ["email", "whatsapp"]
    mails_before = len(live_stack.smtp.wait_for(1, timeout=30))  # the e-mail guest's own (non-)answer

    manager = host_client(None, world.manager_a)
    answer = manager.post(
        f"/api/v1/properties/{world.a.pk}/gaps/{gap.pk}/answer",
        {
            "title": "Bicycle hire",
            "category": "facilities",
            "answer_en": "Yes! Bicycles can be rented at the front desk for RM15 per hour, 8am to 6pm.",
            "answer_ms": "Ya! Basikal boleh disewa di kaunter hadapan pada harga RM15 sejam, 8 pagi hingga 6 petang.",
        },
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["check_passed"] is True
    item_ids = set(answer.json()["item_ids"])

    # A fourth guest now gets the answer from the new knowledge.
    whatsapp(live_stack, GUEST_4, "Do you have bicycles for rent?")

    def fourth_reply() -> Message | None:
        with schema_context(world.a.schema_name):
            replies = Message.objects.filter(
                role=MessageRole.AI, conversation__guest__identities__external_id=f"+{GUEST_4}"
            ).order_by("-id")
            return next((m for m in replies if m.metadata.get("knowledge")), None)

    reply = wait_until(fourth_reply, timeout=60)
    with schema_context(world.a.schema_name):
        seen = [
            (m.content[:80], m.metadata.get("knowledge"))
            for m in Message.objects.filter(conversation__guest__identities__external_id=f"+{GUEST_4}")
        ]
    assert reply is not None, seen
    assert item_ids & {k["item_id"] for k in reply.metadata["knowledge"]}
    assert wait_until(lambda: any("RM15" in t for t in texts_to(live_stack, GUEST_4)), timeout=30)

    # The three who were waiting: one follow-up each, in their language; a second click sends nothing.
    url = f"/api/v1/properties/{world.a.pk}/gaps/{gap.pk}/follow-up"
    first = manager.post(url, {}, content_type="application/json").json()
    second = manager.post(url, {}, content_type="application/json").json()
    assert len(first["sent"]) == 3 and second["sent"] == [] and len(second["already"]) == 3

    def told(wa_id: str) -> list[str]:
        return [t for t in texts_to(live_stack, wa_id) if t.startswith("Earlier you asked")]

    assert wait_until(lambda: len(told(GUEST_1)) == 1 and len(told(GUEST_2)) == 1, timeout=40)
    live_stack.smtp.wait_for(mails_before + 1, timeout=40)
    time.sleep(2.0)  # a duplicate would be sent well within this; none may come
    assert len(told(GUEST_1)) == 1 and len(told(GUEST_2)) == 1
    assert "RM15 per hour" in told(GUEST_1)[0]
    followed = [m for m in live_stack.smtp.mails if "Ini jawapannya" in text_of(m.message)]
    assert len(followed) == 1 and followed[0].rcpt_tos == (GUEST_3,) and "RM15 sejam" in text_of(followed[0].message)
    assert len(live_stack.smtp.mails) == mails_before + 1

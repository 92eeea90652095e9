"""A guest's e-mail asking several things at once gets every one answered (issue 15): through the e-mail webhook,
the inbound pipeline, the turn and the outbox, to what reaches an SMTP server (aiosmtpd on 127.0.0.1). Searched
whole, such a mail was answered with breakfast alone."""

from __future__ import annotations

import base64

import pytest
from django_tenants.utils import schema_context

from conftest import host_client
from conversations import engine
from conversations import turns as turn_path
from conversations.models import InboundEvent, MessageRole, OutboxItem
from conversations.pipeline import inbound, outbox, routing
from properties.models import EmailBinding
from testsupport.knowledge import load_kb
from testsupport.payloads import sendgrid_raw_post
from testsupport.smtp import FakeSmtpServer

pytestmark = pytest.mark.django_db

EMAIL_AUTH = "sendgrid:many-questions-secret"
ADDRESS = "stay@alpha-many.example"
MAIL = """Dear team,

We are coming for three nights next month and I have a few questions.
What time is check-in? How much is parking for hotel guests? When does the pool open?
How much is a massage at the spa? And what time is breakfast served?
Is there a casino in the hotel?

Thank you,
Sarah"""


def test_a_guest_mail_asking_six_things_gets_each_part_s_fact_and_one_honest_line(
    world, open_all_day, settings, fake_smtp: FakeSmtpServer, monkeypatch
) -> None:
    settings.INBOUND_EMAIL_WEBHOOK_SECRET = [EMAIL_AUTH]
    routing.clear_cache()
    EmailBinding.objects.create(property=world.a, address=ADDRESS, from_name="Alpha Hotel")
    load_kb(world.a.schema_name)
    post = sendgrid_raw_post("sarah@guest.example", ADDRESS, "A few questions", MAIL)
    response = host_client(None).post(
        "/api/v1/webhook/email",
        post,
        headers={"Authorization": "Basic " + base64.b64encode(EMAIL_AUTH.encode()).decode()},
    )
    assert response.status_code == 200
    scheduled: list[tuple[int, int]] = []
    monkeypatch.setattr(
        turn_path, "schedule", lambda conversation, message_id: scheduled.append((conversation.pk, message_id))
    )
    with schema_context(world.a.schema_name):
        inbound.process(InboundEvent.objects.get().pk)
        [(conversation_id, message_id)] = scheduled
        reply = engine.run_turn(conversation_id, message_id, sink_for=turn_path.sink_for)
        assert reply is not None and reply.role == MessageRole.AI
        assert outbox.dispatch(OutboxItem.objects.get(message=reply).pk) == "sent"
    (received,) = fake_smtp.wait_for(1, timeout=5)
    text = " ".join(received.message.get_body(("plain",)).get_content().split())
    # Each part's own fact, in the order asked …
    facts = ["3:00 pm", "RM 15 per night", "7:00 am", "RM 220", "6:30 am"]
    assert all(fact in text for fact in facts), text
    assert [text.index(fact) for fact in facts] == sorted(text.index(fact) for fact in facts), text
    # … nothing of an item no part asked about, and the part no item answers said once, in the guest's words.
    assert "Kids Club" not in text and "fitness centre" not in text, text
    assert text.lower().count("our team will confirm") == 1 and '"Is there a casino in the hotel"' in text, text

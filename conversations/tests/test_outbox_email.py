"""An e-mail reply's outbox row carries what the mail needs from the conversation: the guest's address, the
thread, the property's sender, and the guest's language (a Malay guest's reply to a mail without a subject is
answered under a Malay one)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django_tenants.utils import schema_context

from conversations import engine
from conversations.models import Guest, Message, MessageRole, OutboxItem
from conversations.pipeline import outbox
from messaging.email import InboundEmail, parse_inbound
from properties.models import EmailBinding
from testsupport.payloads import sendgrid_raw_post

pytestmark = pytest.mark.django_db
ADDRESS = "stay@alpha-outbox.example"


@pytest.mark.parametrize("language", ["ms", "en"])
def test_the_reply_s_outbox_row_carries_the_guest_s_language(world, language: str) -> None:
    EmailBinding.objects.create(property=world.a, address=ADDRESS, from_name="Alpha Hotel")
    post = sendgrid_raw_post("siti@guest.example", ADDRESS, "", "Pukul berapa sarapan?")
    routed = parse_inbound(post, resolve_schema={ADDRESS: world.a.schema_name}.get)
    assert isinstance(routed, InboundEmail)
    with schema_context(world.a.schema_name):
        conversation, _, _ = engine.ingest(routed.message)
        Guest.objects.filter(pk=conversation.guest_id).update(language=language)
        with transaction.atomic():
            reply = Message.objects.create(
                conversation=conversation, role=MessageRole.AI, content="Dari 6:30 pagi.", channel="email"
            )
            item = outbox.stage(reply, conversation)
        assert isinstance(item, OutboxItem)
        assert item.extra["language"] == language
        assert item.extra["from_name"] == "Alpha Hotel" and item.recipient == "siti@guest.example"

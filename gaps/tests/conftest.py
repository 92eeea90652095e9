"""Gap test fixtures. The conversations app's are reused: A's committed knowledge, A open all day, a clean engine."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from conversations import engine, unanswered
from conversations.models import Channel, Message, MessageRole
from conversations.tests.conftest import (  # noqa: F401
    _committed_kb_a,
    _fresh_engine_state,
    forget_committed_guests,
    kb_a,
    open_all_day,
)
from gaps.models import Gap
from gaps.services.recording import record_unanswered
from messaging.base import NormalizedMessage


def unanswered_question(text: str, *, channel: str = Channel.WEB, language: str = "en", sender: str = "") -> Gap:
    """A guest's question the assistant could not answer, reported as the engine reports it (no model call)."""
    if channel == Channel.WEB:
        conversation = engine.start_web_conversation(widget_key_id=1, consent_text="I accept.", language=language)
        message, _ = engine.record_guest_message(conversation, text, provider_message_id=f"web-{conversation.pk}")
    else:
        conversation, message, _ = engine.ingest(
            NormalizedMessage(
                channel=channel,
                property_schema=connection.schema_name,
                sender_id=sender,
                text=text,
                provider_message_id=f"{channel}-{sender}-{Message.objects.count()}",
                timestamp=timezone.now(),
                thread_id="60300000001" if channel == Channel.WHATSAPP else f"<{sender}>",
            )
        )
    reply = Message.objects.create(
        conversation=conversation, role=MessageRole.AI, content="Let me check.", channel=channel
    )
    event = unanswered.Unanswered(conversation, reply, (message,), text, language, "no_hits", 0.0, timezone.now())
    with transaction.atomic():  # as the engine calls it: inside the reply's transaction
        return record_unanswered(event).gap


@pytest.fixture
def ask_unanswered():
    return unanswered_question


@pytest.fixture(autouse=True)
def no_gaps_from_earlier_modules(request: pytest.FixtureRequest) -> None:
    """Live modules that ran before commit their guests' unanswered questions; these tests count gaps from
    zero, so inside their own transaction (rolled back after) the properties start without any."""
    if "world" not in request.fixturenames:
        return
    world = request.getfixturevalue("world")
    for property_ in (world.a, world.b):
        with schema_context(property_.schema_name):
            Gap.objects.all().delete()

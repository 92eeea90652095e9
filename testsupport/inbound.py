"""The set-up of tests that drive the inbound pipeline in-process (no worker): a property's WhatsApp number
bound, its schema entered, and the turns the pipeline would queue recorded instead; a guest's WhatsApp text
as the webhook hands it to the engine; a web guest's turn answered by the engine in this process."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from conversations import engine
from conversations import turns as turn_path
from conversations.models import Conversation, Message
from conversations.pipeline import inbound, routing
from messaging.base import NormalizedMessage
from properties.models import Property, WhatsAppBinding


def store_unreadable_whatsapp_event(schema: str, number: str, wa_id: str, wamid: str) -> None:
    """A WhatsApp message stored as the webhook stores one, that the worker cannot read (its timestamp is not
    one), as an older release might have left it: a poison event. Call it inside `schema`."""
    payload = {
        "channel": "whatsapp",
        "property_schema": schema,
        "sender_id": f"+{wa_id}",
        "text": "hello",
        "provider_message_id": wamid,
        "timestamp": "yesterday-ish",
        "thread_id": number,
    }
    inbound.store_events([(schema, "whatsapp", "message", wamid, payload)])


@contextmanager
def whatsapp_inbox(property_: Property, number: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Yields the ids of the guest messages whose turn was scheduled, in order.

    The routing cache is cleared before (a number bound by an earlier test is not remembered) and after.
    """
    routing.clear_cache()
    WhatsAppBinding.objects.create(property=property_, phone_number_id=number, display_phone_number="1")
    turns: list[int] = []
    monkeypatch.setattr(turn_path, "schedule", lambda conversation, message_id: turns.append(message_id))
    with schema_context(property_.schema_name):
        yield turns
    routing.clear_cache()


def whatsapp_text(
    sender_id: str, text: str, *, number: str, wamid: str, at: dt.datetime | None = None, sender_name: str = ""
) -> NormalizedMessage:
    """A guest's WhatsApp text to the property's `number`, routed to the active schema and sent `at` (default now)."""
    return NormalizedMessage(
        channel="whatsapp",
        property_schema=connection.schema_name,
        sender_id=sender_id,
        sender_name=sender_name,
        text=text,
        provider_message_id=wamid,
        timestamp=at or timezone.now(),
        thread_id=number,
    )


def web_conversation() -> Conversation:
    """A widget guest who has accepted the privacy notice, and their conversation, in the active schema."""
    return engine.start_web_conversation(widget_key_id=1, consent_text="I accept.")


def say(conversation: Conversation, text: str, n: int | str) -> Message:
    """The guest writes `text` (their message `n`: its provider id is "<conversation>:<n>") and the engine
    answers it here, as the worker's turn would; returns the reply."""
    message, _ = engine.record_guest_message(conversation, text, provider_message_id=f"{conversation.pk}:{n}")
    return engine.run_turn(conversation.pk, message.pk)


def media_on_disk(settings: Any, folder: Path) -> None:
    """A guest's media stored as files under `folder` (pytest's `settings` fixture restores the storage after)."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    settings.MEDIA_ROOT = folder

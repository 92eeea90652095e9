"""The webhook doors on the public host: authentication before parsing, idempotent storage, routing."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django_tenants.utils import schema_context

from conftest import host_client
from conversations import turns as turn_path
from conversations.models import InboundEvent, MediaAttachment, Message
from conversations.pipeline import inbound, routing
from properties.models import EmailBinding, WhatsAppBinding
from testsupport.payloads import (
    sendgrid_raw_post,
    whatsapp_signed_headers,
    whatsapp_status_body,
    whatsapp_text_body,
)

SECRET = "unit-app-secret"
EMAIL_AUTH = "sendgrid:unit-secret"
NUMBER_A, NUMBER_B = "880000000001", "880000000002"
ADDRESS_A = "stay@alpha-unit.example"


@pytest.fixture
def bound(world, settings):
    settings.WHATSAPP_APP_SECRET = SECRET
    settings.WHATSAPP_VERIFY_TOKEN = "verify-me"
    settings.INBOUND_EMAIL_WEBHOOK_SECRET = [EMAIL_AUTH]
    routing.clear_cache()
    WhatsAppBinding.objects.create(property=world.a, phone_number_id=NUMBER_A, display_phone_number="1")
    WhatsAppBinding.objects.create(property=world.b, phone_number_id=NUMBER_B, display_phone_number="2")
    EmailBinding.objects.create(property=world.a, address=ADDRESS_A)
    yield world
    routing.clear_cache()


def _post(body: bytes, secret: str = SECRET, **headers: str):
    sent = {**whatsapp_signed_headers(body, secret), **headers}
    return host_client(None).post(
        "/api/v1/webhook/whatsapp",
        body,
        content_type="application/json",
        headers={k: v for k, v in sent.items() if k != "Content-Type"},
    )


def _events(schema: str) -> int:
    with schema_context(schema):
        return InboundEvent.objects.count()


def test_it_rejects_a_bad_or_missing_signature_and_stores_nothing(bound) -> None:
    body = whatsapp_text_body(NUMBER_A, "60123000001", "hello")
    assert _post(body, secret="wrong").status_code == 401
    no_signature = host_client(None).post("/api/v1/webhook/whatsapp", body, content_type="application/json")
    assert no_signature.status_code == 401
    assert _events(bound.a.schema_name) == 0


def test_a_malformed_body_is_a_400(bound) -> None:
    response = _post(b'{"object": "whatsapp_business_account", "entry": "nope"}')
    assert response.status_code == 400
    assert "entry" in response.json()["error"]


def test_an_unknown_number_is_answered_200_and_stored_nowhere(bound) -> None:
    assert _post(whatsapp_text_body("123456789999", "60123000002", "hi")).status_code == 200
    assert _events(bound.a.schema_name) == 0 and _events(bound.b.schema_name) == 0


def test_a_redelivered_message_is_stored_once(bound) -> None:
    body = whatsapp_text_body(NUMBER_A, "60123000003", "hi")
    responses = [_post(body) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert [r.json()["new"] for r in responses] == [1, 0, 0]
    assert _events(bound.a.schema_name) == 1


def test_a_webhook_for_as_number_never_writes_into_bs_schema(bound) -> None:
    assert _post(whatsapp_text_body(NUMBER_A, "60123000004", "for alpha")).status_code == 200
    assert _post(whatsapp_status_body(NUMBER_A, "wamid.X1", "delivered", "60123000004")).status_code == 200
    assert _events(bound.a.schema_name) == 2
    assert _events(bound.b.schema_name) == 0


def test_our_own_failure_is_a_503_so_meta_retries(bound, monkeypatch) -> None:
    def down(*args: object) -> int:
        raise OperationalError("the database is down")

    monkeypatch.setattr(inbound, "store_events", down)
    assert _post(whatsapp_text_body(NUMBER_A, "60123000005", "hi")).status_code == 503


def test_the_subscription_check_echoes_the_challenge_only_for_our_token(bound) -> None:
    client = host_client(None)
    ok = client.get(
        "/api/v1/webhook/whatsapp", {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "42"}
    )
    assert ok.status_code == 200 and ok.content == b"42"
    bad = client.get(
        "/api/v1/webhook/whatsapp", {"hub.mode": "subscribe", "hub.verify_token": "no", "hub.challenge": "42"}
    )
    assert bad.status_code == 403


def _email_post(fields: dict[str, str], auth: str = EMAIL_AUTH):
    return host_client(None).post(
        "/api/v1/webhook/email",
        fields,
        headers={"Authorization": "Basic " + base64.b64encode(auth.encode()).decode()},
    )


def test_inbound_email_needs_the_webhook_secret_and_is_deduplicated_on_message_id(bound) -> None:
    post = sendgrid_raw_post("guest@unit.example", ADDRESS_A, "Hello", "Any rooms?")
    assert _email_post(post, auth="sendgrid:wrong").status_code == 401
    assert _events(bound.a.schema_name) == 0
    assert _email_post(post).json()["new"] == 1
    assert _email_post(post).json()["new"] == 0
    assert _events(bound.a.schema_name) == 1 and _events(bound.b.schema_name) == 0


def test_an_auto_reply_is_stored_but_never_answered(bound, monkeypatch) -> None:
    post = sendgrid_raw_post("guest@unit.example", ADDRESS_A, "Out of office", "I am away")
    post["email"] = "Auto-Submitted: auto-replied\n" + post["email"]
    assert _email_post(post).status_code == 200
    turns: list[tuple[int, int]] = []
    monkeypatch.setattr(turn_path, "schedule", lambda c, m: turns.append((c, m)))
    with schema_context(bound.a.schema_name):
        event = InboundEvent.objects.get()
        assert event.payload["auto_reply"] is True
        assert inbound.process(event.pk) is not None
    assert turns == []


def test_a_parsed_mode_attachment_is_stored_like_a_raw_mime_one(bound, settings, tmp_path, monkeypatch) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(turn_path, "schedule", lambda c, m: None)
    picture = bytes(range(256)) * 8  # binary: any text decoding on the way would change it
    headers = (
        "From: Tan <tan@guest-unit.example>\nTo: " + ADDRESS_A + "\nSubject: My booking\n"
        "Message-ID: <parsed-1@guest-unit.example>\n"
    )
    fields = {
        "headers": headers,
        "text": "Here is my booking confirmation.",
        "to": ADDRESS_A,
        "from": "Tan <tan@guest-unit.example>",
        "envelope": json.dumps({"to": [ADDRESS_A], "from": "tan@guest-unit.example"}),
        "attachments": "1",
        "attachment-info": json.dumps({"attachment1": {"filename": "booking.png", "type": "image/png"}}),
        "attachment1": SimpleUploadedFile("booking.png", picture, content_type="image/png"),
    }
    assert _email_post(fields).json()["new"] == 1
    with schema_context(bound.a.schema_name):
        event = InboundEvent.objects.get()
        [stored] = event.payload["attachments"]
        assert stored["filename"] == "booking.png" and stored["sha256"] == hashlib.sha256(picture).hexdigest()
        message = Message.objects.get(pk=inbound.process(event.pk))
        attachment = MediaAttachment.objects.get(message=message)
        assert attachment.size == len(picture) and attachment.mime_type == "image/png"

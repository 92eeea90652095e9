"""A guest's media through the worker's processing: OCR text for the AI, a voice note to staff, documents linked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from conversations.models import ConversationStatus, Guest, InboundEvent, MediaAttachment, Message, MessageRole
from conversations.pipeline import inbound, routing
from messaging.whatsapp import parse_webhook
from testsupport.inbound import media_on_disk, whatsapp_inbox
from testsupport.payloads import whatsapp_body
from testsupport.pictures import picture_of

NUMBER = "660000000001"


@pytest.fixture
def alpha(world, fake_graph, settings, tmp_path, monkeypatch):
    media_on_disk(settings, tmp_path)
    settings.TRANSCRIPTION_BASE_URL = ""
    settings.TRANSCRIPTION_API_KEY = ""
    with whatsapp_inbox(world.a, NUMBER, monkeypatch) as turns:
        yield fake_graph, turns


def _receive(kind: str, media: dict, wa_id: str) -> Message:
    raw = {"from": wa_id, "id": f"wamid.media.{kind}.{wa_id}", "timestamp": "1767225600", "type": kind, kind: media}
    events = parse_webhook(whatsapp_body(NUMBER, messages=[raw]), routing.whatsapp_schema)
    inbound.store_events(inbound.whatsapp_rows(events))
    event = InboundEvent.objects.get(provider_id=raw["id"])
    return Message.objects.get(pk=inbound.process(event.pk))


def test_the_text_of_an_image_reaches_the_ai(alpha) -> None:
    graph, turns = alpha
    graph.add_media("img-1", picture_of("Booking AH12345 paid RM 420"), "image/png")
    message = _receive("image", {"id": "img-1", "mime_type": "image/png", "caption": "my booking"}, "60177700001")
    assert message.content.startswith("my booking") and "Booking AH12345 paid RM 420" in message.content
    assert MediaAttachment.objects.get(message=message).extracted_text == "Booking AH12345 paid RM 420"
    assert MediaAttachment.objects.get(message=message).storage_name.startswith(f"{connection.schema_name}/")
    assert turns == [message.pk]


# The guest's messages below are sent at 1767225600: 08:00 on 1 January 2026 in Kuala Lumpur, where the front
# office opens at 09:00 (the default hours).
SENT = dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("minutes_after", "when"),
    [(1, "at 9:00 am today"), (120, "as soon as they can")],  # 08:01 (closed), 10:00 (open)
)
def test_a_voice_note_without_transcription_goes_to_staff(alpha, monkeypatch, minutes_after, when) -> None:
    """A guest told "a colleague will reply shortly" at 2 am waits all night for nothing: they are told when."""
    graph, turns = alpha
    monkeypatch.setattr("django.utils.timezone.now", lambda: SENT + dt.timedelta(minutes=minutes_after))
    graph.add_media("aud-1", b"OggS fake voice", "audio/ogg")
    message = _receive("audio", {"id": "aud-1", "mime_type": "audio/ogg", "voice": True}, "60177700002")
    assert turns == []  # the AI does not answer it
    message.conversation.refresh_from_db()
    assert message.conversation.status == ConversationStatus.HANDED_OFF
    told = Message.objects.get(conversation=message.conversation, metadata__notice="voice_note_to_staff")
    assert told.content == f"Thanks for your voice note — a colleague will listen to it and reply here {when}."
    assert told.role == MessageRole.AI  # it answers the voice note: no later turn answers the empty message
    assert MediaAttachment.objects.get(message=message).size == len(b"OggS fake voice")


def test_a_document_is_stored_and_linked(alpha) -> None:
    graph, turns = alpha
    graph.add_media("doc-1", b"%PDF-1.4 fake", "application/pdf")
    message = _receive("document", {"id": "doc-1", "mime_type": "application/pdf", "filename": "id.pdf"}, "60177700003")
    attachment = MediaAttachment.objects.get(message=message)
    assert attachment.filename == "id.pdf" and attachment.storage_name.endswith(".pdf")
    assert turns == [message.pk]


@pytest.mark.parametrize(
    ("kind", "body", "language", "asked"),
    [
        ("sticker", {"id": "stk-1", "mime_type": "image/webp", "animated": False}, "en", "We can't read this kind"),
        ("unsupported", {}, "ms", "Kami tidak dapat membaca mesej jenis ini"),
    ],
)
def test_a_sticker_or_an_unsupported_type_gets_a_request_to_type_and_never_reaches_the_ai(
    alpha, kind, body, language, asked
) -> None:
    graph, turns = alpha
    graph.add_media("stk-1", b"RIFF fake webp", "image/webp")
    wa_id = f"6017770090{len(kind)}"
    if language == "ms":  # a guest we know writes Malay
        _receive("text", {"body": "Selamat pagi, saya nak tanya tentang bilik"}, wa_id)
        Guest.objects.filter(identities__external_id=f"+{wa_id}").update(language="ms")
        turns.clear()
    message = _receive(kind, body, wa_id)
    assert turns == []  # not to the model: no low-confidence answer, nothing towards a handoff
    told = Message.objects.get(conversation=message.conversation, metadata__notice="please_type")
    assert told.content.startswith(asked)
    inbound.process(InboundEvent.objects.get(provider_id=f"wamid.media.{kind}.{wa_id}").pk)  # a redelivery
    assert Message.objects.filter(conversation=message.conversation, metadata__notice="please_type").count() == 1

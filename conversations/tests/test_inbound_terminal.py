"""Every inbound event reaches a terminal state: processed, or failed for good with the guest told and
staff holding the conversation; a poison event never loops (in-process, against the fake Graph API)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from conversations.models import (
    Conversation,
    ConversationStatus,
    Handoff,
    InboundEvent,
    InboundState,
    MediaAttachment,
    Message,
    MessageRole,
    OutboxItem,
)
from conversations.pipeline import inbound, routing
from conversations.pipeline.tasks import dispatch_due, process_inbound
from core.models import DeadLetter
from messaging.whatsapp import parse_webhook
from testsupport.inbound import media_on_disk, whatsapp_inbox
from testsupport.payloads import whatsapp_body

NUMBER = "660000000017"


@pytest.fixture
def alpha(world, fake_graph, settings, tmp_path, monkeypatch):
    media_on_disk(settings, tmp_path)
    requeued: list[int] = []
    monkeypatch.setattr("conversations.pipeline.inbound.requeue", lambda schema, event_id: requeued.append(event_id))
    with whatsapp_inbox(world.a, NUMBER, monkeypatch) as turns:
        yield fake_graph, turns, requeued


def _store(raw: dict) -> InboundEvent:
    events = parse_webhook(whatsapp_body(NUMBER, messages=[raw]), routing.whatsapp_schema)
    inbound.store_events(inbound.whatsapp_rows(events))
    return InboundEvent.objects.get(provider_id=raw["id"])


def _message(kind: str, body: dict, wa_id: str, wamid: str) -> dict:
    return {"from": wa_id, "id": wamid, "timestamp": "1767225600", "type": kind, kind: body}


def _notices(wa_id: str) -> list[Message]:
    return list(
        Message.objects.filter(metadata__has_key="notice", conversation__guest__identities__external_id=f"+{wa_id}")
    )


def test_a_photo_graph_refuses_asks_the_guest_to_send_it_again_and_is_not_answered(alpha) -> None:
    graph, turns, _ = alpha  # no media registered: Graph answers 400 code 100 for the id
    event = _store(_message("image", {"id": "gone-1", "mime_type": "image/jpeg"}, "60177701701", "wamid.t17.img1"))
    message = Message.objects.get(pk=inbound.process(event.pk))
    assert "code 100" in MediaAttachment.objects.get(message=message).error
    [notice] = _notices("60177701701")
    assert notice.content == "We couldn't open your photo — could you send it again, or type your question?"
    assert notice.role == MessageRole.AI  # the whole answer: the next turn does not answer the empty photo
    assert OutboxItem.objects.filter(message=notice).exists()
    assert turns == []  # nothing to answer: an empty message is never handed to the AI
    assert InboundEvent.objects.get(pk=event.pk).state == InboundState.PROCESSED


def test_a_captioned_photo_graph_refuses_gets_its_caption_answered_and_the_request_in_malay(alpha) -> None:
    graph, turns, _ = alpha
    caption = "Boleh saya tahu harga bilik untuk dua orang malam ini?"
    raw = _message(
        "image", {"id": "gone-2", "mime_type": "image/jpeg", "caption": caption}, "60177701702", "wamid.t17.2"
    )
    message = Message.objects.get(pk=inbound.process(_store(raw).pk))
    [notice] = _notices("60177701702")
    assert notice.content.startswith("Maaf, kami tidak dapat membuka gambar anda")
    assert notice.role == MessageRole.SYSTEM  # beside the answer to the caption, which is still to come
    assert turns == [message.pk]


def test_a_lone_surrogate_in_a_stored_text_is_replaced_and_the_message_answered(alpha) -> None:
    graph, turns, _ = alpha
    raw = _message("text", {"body": "Is the pool open \ud83d today?"}, "60177701703", "wamid.t17.surrogate")
    message = Message.objects.get(pk=inbound.process(_store(raw).pk))
    assert message.content == "Is the pool open \ufffd today?"
    assert turns == [message.pk]


def _poison(wa_id: str, wamid: str) -> InboundEvent:
    """A stored row the worker cannot read (a timestamp that is not one), as an older version might leave."""
    event = _store(_message("text", {"body": "hello"}, wa_id, wamid))
    event.payload = {**event.payload, "timestamp": "not a time"}
    event.save(update_fields=["payload"])
    return event


def test_a_poison_event_fails_once_hands_over_and_tells_the_guest(alpha, monkeypatch) -> None:
    graph, turns, requeued = alpha
    event = _poison("60177701704", "wamid.t17.poison")
    letters = DeadLetter.objects.count()
    with monkeypatch.context() as clock:  # 1 January 2026, 08:00:30 in Kuala Lumpur
        clock.setattr("django.utils.timezone.now", lambda: dt.datetime(2026, 1, 1, 0, 0, 30, tzinfo=dt.UTC))
        process_inbound.apply(args=[event.pk])
    event.refresh_from_db()
    assert event.state == InboundState.FAILED and "ValueError" in event.error
    conversation = Conversation.objects.get(guest__identities__external_id="+60177701704")
    assert conversation.status == ConversationStatus.HANDED_OFF
    assert Handoff.objects.get(conversation=conversation).trigger == "inbound_failed"
    assert event.message.content == inbound.UNREADABLE
    [notice] = _notices("60177701704")
    # 1 January 2026, 08:00 in Kuala Lumpur: the front office opens at 09:00 (the default hours).
    assert notice.content == (
        "Sorry, we couldn't read your last message — a colleague will look at it and reply here at 9:00 am today."
    )
    with schema_context("public"):
        [letter] = DeadLetter.objects.order_by("-pk")[: DeadLetter.objects.count() - letters]
        assert letter.kwargs == {"retry_failed": True}

    # The beat job, an hour on, and a redelivery of the task: nothing runs it again.
    InboundEvent.objects.filter(pk=event.pk).update(received_at=timezone.now() - dt.timedelta(hours=1))
    for _ in range(3):
        dispatch_due.apply()
        process_inbound.apply(args=[event.pk])
    assert requeued == []
    assert DeadLetter.objects.count() == letters + 1
    assert InboundEvent.objects.get(pk=event.pk).attempts == 1
    assert len(_notices("60177701704")) == 1 and turns == []


def test_a_transient_failure_retries_until_the_horizon_then_ends_failed(alpha, settings) -> None:
    graph, turns, requeued = alpha
    settings.INBOUND_RETRY_HORIZON = 600
    graph.add_media("img-t17", b"\x89PNG fake", "image/png")
    graph.fail(times=100, status=500, path="/img-t17")
    raw = _message("image", {"id": "img-t17", "mime_type": "image/png"}, "60177701705", "wamid.t17.transient")
    event = _store(raw)
    with pytest.raises(Exception) as failure:
        inbound.process(event.pk)
    delay = inbound.retry_delay(event.pk, 3, failure.value)
    assert delay is not None and 0 < delay <= 16
    event.refresh_from_db()
    assert event.state == InboundState.PENDING and event.next_attempt_at > timezone.now()
    dispatch_due.apply()  # its retry is scheduled: the beat job leaves it to Celery
    assert requeued == []

    InboundEvent.objects.filter(pk=event.pk).update(received_at=timezone.now() - dt.timedelta(seconds=601))
    assert inbound.retry_delay(event.pk, 4, failure.value) is None
    event.refresh_from_db()
    assert event.state == InboundState.FAILED and "still failing after 600 s" in event.error
    assert len(_notices("60177701705")) == 1

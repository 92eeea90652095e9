"""Notifying the guest (in-process, against the fake Graph API and Django's locmem mail outbox):
the primary channel, templates outside the 24-hour window, and the fallback when it fails for good."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core import mail
from django_tenants.utils import schema_context

from conversations import engine
from conversations.models import Handoff, Message, MessageRole, OutboxItem, WhatsAppTemplate
from conversations.pipeline import outbox, routing
from core.durability import task_named
from integrations import sms, tasks
from integrations.models import IntegrationEvent, NotificationStatus
from integrations.services import events, notify
from integrations.tests.conftest import booking_event
from properties.models import EmailBinding, WhatsAppBinding
from testsupport.inbound import whatsapp_text

NUMBER = "660000000001"
WA_ID = "60123456789"
BOOKING_COMPONENTS = [
    {
        "type": "body",
        "parameters": [
            {"type": "text", "text": "{guest_name}"},
            {"type": "text", "text": "{reference}"},
            {"type": "text", "text": "{check_in}"},
            {"type": "text", "text": "{check_out}"},
        ],
    }
]


class Calls:
    """What the notice steps queued for later (fallbacks) and told staff, instead of a broker and sockets."""

    def __init__(self) -> None:
        self.fallbacks: list[tuple[str, int, str, str]] = []
        self.staff: list[tuple[str, str, dict]] = []
        self.alerts: list[tuple[str, int, int]] = []  # handoff alert e-mails scheduled


@pytest.fixture
def alpha(world, fake_graph, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_PROVIDER = "console"
    routing.clear_cache()
    WhatsAppBinding.objects.create(property=world.a, phone_number_id=NUMBER, display_phone_number="60300000001")
    EmailBinding.objects.create(property=world.a, address="stay@alpha-integ.example", from_name="Alpha Hotel")
    calls = Calls()
    with (
        schema_context(world.a.schema_name),
        mock.patch.object(notify, "_queue_fallback", lambda *a: calls.fallbacks.append(a)),
        mock.patch.object(notify, "notify_staff", lambda *a: calls.staff.append(a)),
        mock.patch("integrations.tasks.notify_guest.apply_async"),
        mock.patch("conversations.handoff.service._schedule_alert", lambda *a: calls.alerts.append(a)),
    ):
        WhatsAppTemplate.objects.create(
            name="booking_confirmed", language="en", is_approved=True, purpose="booking.confirmed",
            components=BOOKING_COMPONENTS,
        )  # fmt: skip
        yield fake_graph, calls
    routing.clear_cache()


def _accept(event: dict, django_capture_on_commit_callbacks) -> IntegrationEvent:
    with django_capture_on_commit_callbacks(execute=True):
        return events.accept(event).event


def _fallbacks_run(calls: Calls, django_capture_on_commit_callbacks) -> None:
    while calls.fallbacks:
        _, event_id, channel, error = calls.fallbacks.pop(0)
        with django_capture_on_commit_callbacks(execute=True):
            notify.fallback(event_id, channel, error)


def _dispatch_all(django_capture_on_commit_callbacks) -> list[str]:
    states = []
    for item_id in OutboxItem.objects.filter(state="pending").values_list("pk", flat=True):
        with django_capture_on_commit_callbacks(execute=True):
            states.append(outbox.dispatch(item_id))
    return states


def test_a_booking_is_sent_on_whatsapp_as_its_approved_template_outside_the_window(
    alpha, django_capture_on_commit_callbacks
) -> None:
    graph, calls = alpha
    event = _accept(booking_event("evt-wa"), django_capture_on_commit_callbacks)
    assert notify.notify(event.pk) == NotificationStatus.QUEUED
    assert notify.notify(event.pk) == NotificationStatus.QUEUED  # a redelivered task stages nothing twice
    assert _dispatch_all(django_capture_on_commit_callbacks) == ["sent"]
    [sent] = graph.sent_messages()
    assert sent["to"] == WA_ID and sent["type"] == "template"
    assert sent["template"]["name"] == "booking_confirmed"
    texts = [p["text"] for p in sent["template"]["components"][0]["parameters"]]
    assert texts == ["Aisyah Rahman", "BK-1001", "2026-12-20", "2026-12-22"]
    event.refresh_from_db()
    assert event.notification_channel == "whatsapp" and event.notification_message.outbox.state == "sent"
    assert "BK-1001" in event.notification_message.content and event.notification_message.role == MessageRole.AI
    assert calls.staff == [] and calls.fallbacks == []


def test_inside_the_window_the_notice_goes_as_text_in_the_guests_own_conversation(
    alpha, django_capture_on_commit_callbacks
) -> None:
    graph, _ = alpha
    conversation, _, _ = engine.ingest(whatsapp_text(f"+{WA_ID}", "hi", number=NUMBER, wamid="wamid.in.1"))
    event = _accept(booking_event("evt-window"), django_capture_on_commit_callbacks)
    assert event.guest_id == conversation.guest_id  # the guest who wrote from that number
    notify.notify(event.pk)
    _dispatch_all(django_capture_on_commit_callbacks)
    [sent] = [m for m in graph.sent_messages() if m.get("type") == "text"]
    assert "BK-1001" in sent["text"]["body"] and "confirmed" in sent["text"]["body"]
    event.refresh_from_db()
    assert event.notification_message.conversation_id == conversation.pk


def test_a_malay_guest_gets_the_malay_text(alpha, django_capture_on_commit_callbacks) -> None:
    event = booking_event("evt-ms", guest={"phone": "+60123456780", "name": "Siti", "language": "ms"})
    event = _accept(event, django_capture_on_commit_callbacks)
    notify.notify(event.pk)
    event.refresh_from_db()
    assert event.notification_message.content.startswith("Helo Siti, tempahan anda di Alpha Hotel telah disahkan.")
    assert "2 malam" in event.notification_message.content


def test_undeliverable_on_whatsapp_falls_back_to_email_and_staff_are_told(
    alpha, django_capture_on_commit_callbacks
) -> None:
    graph, calls = alpha
    graph.undeliverable.add(WA_ID)
    event = _accept(booking_event("evt-fallback"), django_capture_on_commit_callbacks)
    notify.notify(event.pk)
    assert _dispatch_all(django_capture_on_commit_callbacks) == ["failed"]
    assert [(c[1], c[2]) for c in calls.fallbacks] == [(event.pk, "whatsapp")]  # queued by the outbox's signal
    assert "131026" in calls.fallbacks[0][3]
    _fallbacks_run(calls, django_capture_on_commit_callbacks)
    event.refresh_from_db()
    assert event.notification_status == NotificationStatus.FALLBACK_QUEUED and event.fallback_channel == "email"
    assert _dispatch_all(django_capture_on_commit_callbacks) == ["sent"]
    [sent] = mail.outbox
    assert sent.to == ["aisyah@example.com"]
    assert sent.subject == "Your booking BK-1001 is confirmed — Alpha Hotel"
    assert "stay@alpha-integ.example" in sent.from_email and "BK-1001" in sent.body
    # Staff: a live event and a note in the WhatsApp conversation where the notice failed.
    [(schema, kind, payload)] = calls.staff
    assert kind == "integration.delivery_failed" and payload["failed_channel"] == "whatsapp"
    assert payload["fallback_channel"] == "email" and payload["final"] is False
    note = Message.objects.get(role=MessageRole.SYSTEM, metadata__event="integration_delivery_failed")
    assert note.conversation_id == event.notification_message.conversation_id and "131026" in note.content
    assert not Handoff.objects.exists() and calls.alerts == []  # the guest was reached by e-mail: no handoff
    from integrations.admin import IntegrationEventAdmin
    from properties.tenant_admin import tenant_admin_site

    event.refresh_from_db()
    delivery = IntegrationEventAdmin(IntegrationEvent, tenant_admin_site).delivery(event)
    assert delivery == "whatsapp: failed (131026) → email: sent"


def test_without_an_email_the_fallback_is_sms(alpha, django_capture_on_commit_callbacks) -> None:
    graph, calls = alpha
    graph.undeliverable.add("60123456781")
    event = _accept(booking_event("evt-sms", guest={"phone": "+60123456781"}), django_capture_on_commit_callbacks)
    notify.notify(event.pk)
    _dispatch_all(django_capture_on_commit_callbacks)
    before = len(sms._console.sent)
    _fallbacks_run(calls, django_capture_on_commit_callbacks)
    event.refresh_from_db()
    assert event.notification_status == NotificationStatus.FALLBACK_SENT and event.fallback_channel == "sms"
    assert event.provider_id.startswith("console-")
    to, text = sms._console.sent[before]
    assert to == "+60123456781" and "BK-1001" in text


def test_when_no_other_channel_exists_staff_are_told_it_failed_for_good(
    alpha, settings, django_capture_on_commit_callbacks
) -> None:
    graph, calls = alpha
    settings.SMS_PROVIDER = ""
    graph.undeliverable.add("60123456782")
    event = _accept(booking_event("evt-none", guest={"phone": "+60123456782"}), django_capture_on_commit_callbacks)
    notify.notify(event.pk)
    _dispatch_all(django_capture_on_commit_callbacks)
    _fallbacks_run(calls, django_capture_on_commit_callbacks)
    event.refresh_from_db()
    assert event.notification_status == NotificationStatus.FAILED
    [(_, _, payload)] = calls.staff
    assert payload["final"] is True and payload["fallback_channel"] is None
    # Nothing reached the guest: the conversation is handed to staff (banner now, e-mail if untaken).
    episode = Handoff.objects.get(conversation_id=payload["conversation_id"])
    assert episode.trigger == "delivery_failed" and "no other channel" in episode.reason
    assert episode.conversation.status == "handed_off"
    assert [a[1] for a in calls.alerts] == [episode.pk]


def test_without_an_approved_template_for_the_event_the_email_is_used(
    alpha, django_capture_on_commit_callbacks
) -> None:
    graph, calls = alpha
    order = {"reference": "POS-1", "outlet": "Lobby Café", "items": [{"name": "Teh tarik", "quantity": 2}]}
    event = {"id": "evt-order", "type": "order.ready", "guest": {"phone": "+60123456783", "email": "o@example.com"},
             "order": order}  # fmt: skip
    event = _accept(event, django_capture_on_commit_callbacks)
    notify.notify(event.pk)
    assert _dispatch_all(django_capture_on_commit_callbacks) == ["failed"]  # no 'order.ready' template: no send
    assert graph.sent_messages() == []
    _fallbacks_run(calls, django_capture_on_commit_callbacks)
    _dispatch_all(django_capture_on_commit_callbacks)
    [sent] = mail.outbox
    assert sent.subject == "Your order POS-1 is ready — Alpha Hotel" and "Lobby Café" in sent.body


def test_a_guest_with_only_an_email_is_notified_by_email_first(alpha, django_capture_on_commit_callbacks) -> None:
    order = {"reference": "POS-2", "items": [{"name": "Nasi lemak", "quantity": 1}], "total": "12.50"}
    event = {"id": "evt-mail", "type": "order.received", "guest": {"email": "m@example.com", "language": "ms"},
             "order": order}  # fmt: skip
    event = _accept(event, django_capture_on_commit_callbacks)
    assert notify.notify(event.pk) == NotificationStatus.QUEUED
    _dispatch_all(django_capture_on_commit_callbacks)
    [sent] = mail.outbox
    assert sent.subject == "Pesanan POS-2 diterima — Alpha Hotel"
    assert "1 × Nasi lemak" in sent.body and "MYR 12.50" in sent.body


def test_a_task_sent_for_another_property_finds_nothing(world, alpha, django_capture_on_commit_callbacks) -> None:
    event = _accept(booking_event("evt-iso"), django_capture_on_commit_callbacks)
    with schema_context(world.b.schema_name):
        assert notify.notify(event.pk) == "missing"
        assert notify.fallback(event.pk, "whatsapp", "x") == "missing"


def test_the_tasks_the_services_send_by_name_are_the_registered_ones() -> None:
    assert task_named(events.NOTIFY_GUEST_TASK).name == tasks.notify_guest.name == events.NOTIFY_GUEST_TASK
    assert task_named(notify.NOTIFY_FALLBACK_TASK).name == tasks.notify_fallback.name == notify.NOTIFY_FALLBACK_TASK


# An integration notice greets the guest by the name the hotel system sent, and the event's own status
# follows the outbox: sent once the notice has left (it stayed "queued" before).


def test_the_notice_greets_the_guest_by_the_hotel_systems_name_not_the_whatsapp_profile(
    alpha,
    django_capture_on_commit_callbacks,
) -> None:
    # The guest wrote on WhatsApp first, under a profile name.
    engine.ingest(whatsapp_text(f"+{WA_ID}", "hi", number=NUMBER, wamid="wamid.n.1", sender_name="Ecah 🌸"))
    event = _accept(booking_event("evt-name"), django_capture_on_commit_callbacks)
    assert event.guest.name == "Ecah 🌸"  # the guest row keeps what WhatsApp said
    notify.notify(event.pk)
    event.refresh_from_db()
    assert "Aisyah Rahman" in event.notification_message.content
    assert "Ecah" not in event.notification_message.content


def test_the_events_status_is_sent_once_the_outbox_has_sent_the_notice(
    alpha,
    django_capture_on_commit_callbacks,
) -> None:
    event = _accept(booking_event("evt-status"), django_capture_on_commit_callbacks)
    assert notify.notify(event.pk) == NotificationStatus.QUEUED
    assert _dispatch_all(django_capture_on_commit_callbacks) == ["sent"]
    event.refresh_from_db()
    assert event.notification_status == NotificationStatus.SENT

"""Telling the guest about an event, on their channel, with a fallback when that channel fails for good.

Primary channel: WhatsApp when the guest has a number and the property a WhatsApp number, else
e-mail, else SMS. WhatsApp and e-mail leave through the conversations outbox (retries, the 24-hour
window and its templates, failures classified by meaning). When the outbox gives up on the
notice (`outbox.delivery_failed`), the fallback is e-mail if the guest has an address, else SMS;
staff are told about the failure either way (a staff event and a note in the conversation).

Every step runs in the property's schema, locks the event row and is idempotent: a redelivered
task finds the event already past its step and does nothing.
"""

from __future__ import annotations

import structlog
from django.db import connection, transaction
from django.utils import timezone

from conversations.handoff.service import begin_handoff
from conversations.models import (
    Channel,
    Conversation,
    Guest,
    Message,
    MessageRole,
)
from conversations.pipeline import outbox
from core.durability import TransientError, enqueue
from core.redaction import mask_text
from integrations import sms
from integrations.models import IntegrationEvent, NotificationStatus
from integrations.services import notices
from messaging.base import PermanentSendError, TransientSendError
from properties.models import Property, WhatsAppBinding
from properties.realtime import notify_staff

log = structlog.get_logger(__name__)

SMS = "sms"
STAFF_EVENT = "integration.delivery_failed"

# Named, not imported: the tasks module wraps these services (see core.durability.task_named).
NOTIFY_FALLBACK_TASK = "integrations.tasks.notify_fallback"


# --- Which channels can reach the guest -------------------------------------------------------


def _contact(guest: Guest, channel: str) -> str:
    return Guest.objects.address_of(guest.pk, channel)


def _whatsapp_number(property_: Property) -> str:
    """The property's first active WhatsApp number, or "" when it has none."""
    numbers = WhatsAppBinding.objects.filter(property=property_, is_active=True).order_by("pk")
    return numbers.values_list("phone_number_id", flat=True).first() or ""


def channels_for(guest: Guest, property_: Property) -> list[str]:
    """The channels that can reach this guest, best first."""
    phone = _contact(guest, Channel.WHATSAPP)
    found = []
    if phone and _whatsapp_number(property_):
        found.append(Channel.WHATSAPP.value)
    if _contact(guest, Channel.EMAIL):
        found.append(Channel.EMAIL.value)
    if phone and sms.provider() is not None:
        found.append(SMS)
    return found


# --- The task's steps -------------------------------------------------------------------------


def _property() -> Property:
    return Property.objects.get(schema_name=connection.schema_name)


def _locked(event_id: int) -> IntegrationEvent | None:
    return IntegrationEvent.objects.select_for_update(of=("self",)).select_related("guest").filter(pk=event_id).first()


def notify(event_id: int) -> str:
    """Send the event's notice on the guest's best channel; returns the event's notification status."""
    with transaction.atomic():
        event = _locked(event_id)
        if event is None:
            return "missing"
        if event.notification_status != NotificationStatus.PENDING:
            return event.notification_status
        property_ = _property()
        plan = channels_for(event.guest, property_) if event.guest else []
        if not plan:
            event.notification_status = NotificationStatus.SKIPPED
            event.notification_error = "no channel can reach the guest"
            event.save(update_fields=["notification_status", "notification_error"])
            _tell_staff(event, None, "no channel can reach the guest")
            return event.notification_status
        _send_on(event, plan[0], property_, fallback=False)
        return event.notification_status


def fallback(event_id: int, failed_channel: str, error: str) -> str:
    """The notice failed for good on `failed_channel`: staff are told; the next channel is tried once."""
    with transaction.atomic():
        event = _locked(event_id)
        if event is None:
            return "missing"
        if event.notification_status in (NotificationStatus.FAILED, NotificationStatus.SKIPPED):
            return event.notification_status
        property_ = _property()
        used = {event.notification_channel, event.fallback_channel} - {""}
        if failed_channel not in used:
            return event.notification_status  # a stale signal about a channel this event never used
        if event.fallback_channel:
            # The fallback failed too: nothing reached the guest; a person has to.
            event.notification_status = NotificationStatus.FAILED
            event.notification_error = f"{event.notification_error}\n{failed_channel}: {mask_text(error)}".strip()
            event.save(update_fields=["notification_status", "notification_error"])
            _tell_staff(event, failed_channel, error, fallback_channel=None, final=True)
            return event.notification_status
        event.notification_error = f"{failed_channel}: {mask_text(error)}"
        options = [c for c in channels_for(event.guest, property_) if c not in used and c != Channel.WHATSAPP]
        if not options:
            event.notification_status = NotificationStatus.FAILED
            event.save(update_fields=["notification_status", "notification_error"])
            _tell_staff(event, failed_channel, error, fallback_channel=None, final=True)
            return event.notification_status
        _tell_staff(event, failed_channel, error, fallback_channel=options[0])
        _send_on(event, options[0], property_, fallback=True)
        return event.notification_status


def _send_on(event: IntegrationEvent, channel: str, property_: Property, *, fallback: bool) -> None:
    guest = event.guest
    # The name the hotel system sent (as on the booking), not the guest's WhatsApp profile name.
    name = event.guest_name or guest.name
    notice = notices.build(event, property_name=property_.name, guest_name=name, language=guest.language)
    if fallback:
        event.fallback_channel = channel
    else:
        event.notification_channel = channel
    fields = ["notification_channel", "fallback_channel", "notification_status", "notification_error"]
    if channel == SMS:
        provider = sms.provider()
        assert provider is not None  # channels_for offers SMS only with a provider
        try:
            result = provider.send(_contact(guest, Channel.WHATSAPP), notice.text)
        except TransientSendError as exc:
            # Nothing is saved: the task retries with back-off and finds the event as it was.
            raise TransientError(f"SMS: {exc}") from exc
        except PermanentSendError as exc:
            event.save(update_fields=fields)  # the channel is recorded: `fallback` reads it
            schema, reason = connection.schema_name, str(exc)
            transaction.on_commit(lambda: _queue_fallback(schema, event.pk, SMS, reason))
            log.warning("integration_sms_failed", record=event.pk, error=str(exc))
            return
        event.provider_id = result.provider_id
        event.notification_status = NotificationStatus.FALLBACK_SENT if fallback else NotificationStatus.SENT
        event.notified_at = timezone.now()
        event.save(update_fields=[*fields, "provider_id", "notified_at"])
        return
    message = _stage_message(event, channel, notice, property_)
    if fallback:
        event.fallback_message = message
        event.notification_status = NotificationStatus.FALLBACK_QUEUED
        fields.append("fallback_message")
    else:
        event.notification_message = message
        event.notification_status = NotificationStatus.QUEUED
        fields.append("notification_message")
    event.notified_at = timezone.now()
    event.save(update_fields=[*fields, "notified_at"])
    log.info("integration_notice_queued", record=event.pk, channel=channel, fallback=fallback)


def _stage_message(event: IntegrationEvent, channel: str, notice: notices.Notice, property_: Property) -> Message:
    """The notice as an outbound message of the guest's conversation, with its outbox row (same transaction)."""
    now = timezone.now()
    guest = event.guest
    if channel == Channel.WHATSAPP:
        # The conversation the guest writes in from this number, so their reply lands beside the notice.
        number = _whatsapp_number(property_)
        conversation = Conversation.objects.open_or_start(guest, channel, number, at=now)
    else:
        # A notice by e-mail starts its own thread (its own subject); the guest's reply threads to it.
        conversation = Conversation.objects.start(guest, channel, f"integration:{event.event_id}"[:255], at=now)
    message = Message.objects.create(
        conversation=conversation,
        role=MessageRole.AI,
        content=notice.text,
        channel=channel,
        metadata={"notice": "integration", "integration_event_id": event.pk, "event_type": event.event_type},
        created_at=now,
    )
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=now)
    item = outbox.stage(message, conversation)
    if item is None:
        raise PermanentSendError(f"no {channel} address for the guest")
    if channel == Channel.WHATSAPP:
        item.extra = {
            **item.extra,
            "template_purpose": notice.template_purpose,
            "template_params": notice.template_params,
        }
    else:
        item.extra = {**item.extra, "subject": notice.subject, "new_thread": True}
    item.save(update_fields=["extra"])
    return message


def _queue_fallback(schema: str, event_id: int, channel: str, error: str) -> None:
    """At once: callers schedule this on commit (tests replace it to see what was queued)."""
    enqueue(NOTIFY_FALLBACK_TASK, args=[event_id, channel, error], schema=schema)


# A notice queued on a channel becomes sent on that channel once the outbox has handed it over.
_SENT_AFTER = {
    NotificationStatus.QUEUED: NotificationStatus.SENT,
    NotificationStatus.FALLBACK_QUEUED: NotificationStatus.FALLBACK_SENT,
}


def on_delivery_sent(item: outbox.OutboxItem) -> None:
    """The outbox sent a message: if it was an integration notice, the event's own status says so."""
    event_id = (item.message.metadata or {}).get("integration_event_id")
    if not event_id:
        return
    event = IntegrationEvent.objects.select_for_update().filter(pk=event_id).first()
    if event is None or event.notification_status not in _SENT_AFTER:
        return
    # Only the message the status is about: a late primary after its fallback changes nothing.
    current = (
        event.fallback_message_id
        if event.notification_status == NotificationStatus.FALLBACK_QUEUED
        else event.notification_message_id
    )
    if current != item.message_id:
        return
    event.notification_status = _SENT_AFTER[event.notification_status]
    event.save(update_fields=["notification_status"])
    log.info("integration_notice_sent", record=event.pk, channel=item.channel)


def on_delivery_failed(item: outbox.OutboxItem, schema_name: str) -> None:
    """The outbox gave up on a message: if it was an integration notice, queue its fallback."""
    event_id = (item.message.metadata or {}).get("integration_event_id")
    if not event_id:
        return
    error = f"{item.last_error} (code {item.error_code})" if item.error_code else item.last_error
    transaction.on_commit(lambda: _queue_fallback(schema_name, event_id, item.channel, error))


def _tell_staff(
    event: IntegrationEvent,
    failed_channel: str | None,
    error: str,
    *,
    fallback_channel: str | None = None,
    final: bool = False,
) -> None:
    """Staff see it live (a staff event) and later (a note in the conversation the notice was in).

    When nothing reached the guest, the conversation is handed to staff: the alert banner, and the
    property's notification e-mail if nobody takes it over (the handoff alerts).
    """
    label = event.get_event_type_display()
    error = mask_text(error)  # a refused address in an SMTP error must not be kept in the clear
    if fallback_channel:
        text = f"{label} notice could not be delivered by {failed_channel} ({error}); sending it by {fallback_channel}."
    elif failed_channel:
        text = (
            f"{label} notice could not be delivered by {failed_channel} ({error}); no other channel reached the guest."
        )
    else:
        text = f"{label} notice not sent: {error}. Please contact the guest."
    message = event.fallback_message or event.notification_message
    conversation_id = message.conversation_id if message else None
    if message is not None:
        Message.objects.create(
            conversation_id=conversation_id,
            role=MessageRole.SYSTEM,
            content=text,
            channel=message.channel,
            metadata={
                "event": "integration_delivery_failed",
                "integration_event_id": event.pk,
                "failed_channel": failed_channel,
                "fallback_channel": fallback_channel,
            },
        )
    notify_staff(
        connection.schema_name,
        STAFF_EVENT,
        {
            "integration_event_id": event.pk,
            "event_type": event.event_type,
            "conversation_id": conversation_id,
            "guest_id": event.guest_id,
            "failed_channel": failed_channel,
            "fallback_channel": fallback_channel,
            "final": final or not fallback_channel,
            "error": error[:500],
            "text": text,
        },
    )
    if message is not None and (final or not fallback_channel):
        begin_handoff(conversation_id, trigger="delivery_failed", reason=text[:200])
    log.warning(
        "integration_delivery_failed", record=event.pk, failed=failed_channel, fallback=fallback_channel, final=final
    )

"""Tenant schema: the channel pipeline's durable state (inbound events, outbox, greetings, media, settings).

Everything a webhook or a send leaves behind is a row here, in the property's own schema, so a
crash between two steps is picked up where it stopped and nothing is lost or done twice.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from conversations.models.core import Message
from core.fields import EncryptedCharField, EncryptedJSONField, EncryptedTextField
from core.models import OneRowSettings

DEFAULT_GREETINGS = {
    "en": "Hello and welcome! Thank you for messaging us, we'll be right with you.",
    "ms": "Helo dan selamat datang! Terima kasih kerana menghubungi kami, kami akan membantu anda sebentar lagi.",
}


def default_greetings() -> dict[str, str]:
    return dict(DEFAULT_GREETINGS)


class ChannelSettings(OneRowSettings):
    """One row per property: how its messaging channels behave."""

    buffer_window_seconds = models.FloatField(
        default=3.0, help_text="Messages a guest sends within this many seconds are answered once, together."
    )
    greeting_enabled = models.BooleanField(default=True)
    greeting_texts = models.JSONField(
        default=default_greetings, blank=True, help_text='Greeting per language, e.g. {"en": "...", "ms": "..."}.'
    )
    # How the assistant speaks on every channel: read by the engine into the system prompt.
    ai_tone = models.CharField(
        max_length=120, blank=True, help_text='e.g. "warm, concise and professional" (empty: that default).'
    )
    ai_instructions = models.TextField(
        max_length=2000,
        blank=True,
        help_text="Extra instructions from the hotel (never above the guardrails), e.g. always mention parking.",
    )

    class Meta:
        verbose_name_plural = "channel settings"

    def __str__(self) -> str:
        return "Channel settings"

    def greeting_for(self, language: str) -> str:
        texts = self.greeting_texts or {}
        return str(texts.get(language) or texts.get("en") or DEFAULT_GREETINGS.get(language) or DEFAULT_GREETINGS["en"])


class InboundState(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSED = "processed", "Processed"
    IGNORED = "ignored", "Ignored"
    # Terminal: the worker could not process it (a poison event, or retries past the horizon); staff and the
    # guest were told, and no beat job runs it again.
    FAILED = "failed", "Failed permanently"


class InboundEvent(models.Model):
    """One provider event exactly as received (after routing); unique per channel and provider id."""

    channel = models.CharField(max_length=16)
    kind = models.CharField(max_length=16)  # message | status | email
    provider_id = models.CharField(max_length=255)
    payload = EncryptedJSONField(default=dict)  # the raw event (sender number, name, text, MIME fields) as one token
    state = models.CharField(max_length=16, choices=InboundState.choices, default=InboundState.PENDING)
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    error = models.TextField(blank=True, help_text="Why it was ignored or failed.")
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    # db_default: the webhook's raw INSERT (inbound.insert_statement) names only the columns it fills.
    attempts = models.PositiveIntegerField(default=0, db_default=0)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="A transient failure's retry time: the beat job leaves it alone until then."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "provider_id"], name="one_inbound_event_per_id")]
        indexes = [models.Index(fields=["state", "received_at"])]

    def __str__(self) -> str:
        return f"{self.channel} {self.kind} {self.provider_id}"


class GreetingState(models.Model):
    """When a contact was last greeted on one property number, as a date in the property's timezone."""

    channel = models.CharField(max_length=16, default="whatsapp")
    contact = EncryptedCharField(max_length=255, index="contact", index_field="contact_index")
    contact_index = models.CharField(max_length=64, default="", editable=False)
    thread_id = models.CharField(max_length=255, help_text="The property number (phone_number_id).")
    last_greeted_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "contact_index", "thread_id"], name="one_greeting_state_per_number"
            )
        ]

    def __str__(self) -> str:
        return f"Greeting state on {self.thread_id}: {self.last_greeted_on}"


class WhatsAppTemplate(models.Model):
    """An approved message template: the only thing we may send outside the 24-hour window."""

    name = models.CharField(max_length=200)
    language = models.CharField(max_length=16, default="en", help_text="Meta's language code, e.g. en, ms.")
    is_approved = models.BooleanField(default=False)
    purpose = models.CharField(max_length=32, default="reengage")
    components = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "language"], name="one_template_per_language")]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class OutboxState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class DeliveryState(models.TextChoices):
    NONE = "", "Not sent yet"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    READ = "read", "Read"
    FAILED = "failed", "Failed"


class OutboxItem(models.Model):
    """An outbound message waiting to leave, written in the same transaction as its Message."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="outbox")
    channel = models.CharField(max_length=16)
    recipient = EncryptedCharField(max_length=255, index="contact", index_field="recipient_index")
    recipient_index = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    thread_id = models.CharField(max_length=255, blank=True, help_text="WhatsApp: the property number id.")
    reply_to = models.CharField(max_length=255, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=16, choices=OutboxState.choices, default=OutboxState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    parts_sent = models.PositiveIntegerField(default=0)
    provider_ids = models.JSONField(default=list, blank=True)
    email_message_id = models.CharField(max_length=255, blank=True, help_text="Minted before sending.")
    template_name = models.CharField(max_length=200, blank=True, help_text="Set when sent as a template.")
    delivery_state = models.CharField(max_length=16, choices=DeliveryState.choices, default="", blank=True)
    error_code = models.IntegerField(null=True, blank=True)
    last_error = EncryptedTextField(blank=True)  # a provider's refusal quotes the recipient
    alert = models.CharField(max_length=32, blank=True, help_text="Who was told about a failure.")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.channel} message {self.message_id}: {self.state}"

    def delivery_summary(self) -> dict[str, Any]:
        return {
            "state": self.delivery_state or self.state,
            "error_code": self.error_code,
            "error": self.last_error,
        }


class MediaAttachment(models.Model):
    """A guest's file: stored (content-addressed, per schema) and what text we could read from it."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=16)
    provider_media_id = models.CharField(max_length=255, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    mime_type = models.CharField(max_length=128, blank=True)
    storage_name = models.CharField(max_length=500, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    extracted_text = EncryptedTextField(blank=True)  # OCR of an ID card or a booking form
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.kind} {self.filename or self.sha256[:12]}"

"""Integrations with the hotel's own systems (POS, PMS).

`IntegrationCredential` lives in the public schema (the request names a property before any
schema is chosen); `IntegrationEvent` lives in each property's schema, beside the guest it is
about. `core.routers.PublicOnlyModelsRouter` (settings.PUBLIC_ONLY_MODELS) keeps each table in its one place.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone

from core.fields import EncryptedCharField


def generate_key_id() -> str:
    return f"nik_{secrets.token_hex(8)}"


def generate_secret() -> str:
    return f"nsk_{secrets.token_urlsafe(32)}"


class IntegrationCredential(models.Model):
    """A key id + shared secret a hotel system signs its events with (HMAC-SHA256).

    The secret must be readable by us to check an HMAC, so it cannot be stored hashed; it is shown
    in full once (at creation or rotation) and masked everywhere after. A rotation keeps the
    previous secret valid until `previous_valid_until`, so the hotel can switch without downtime.
    """

    property = models.ForeignKey(
        "properties.Property", on_delete=models.CASCADE, related_name="integration_credentials"
    )
    label = models.CharField(max_length=100, blank=True, help_text="Which system uses it, e.g. 'Opera PMS'.")
    key_id = models.CharField(max_length=40, unique=True, default=generate_key_id, editable=False)
    secret = models.CharField(max_length=512, editable=False, help_text="Encrypted at rest.")
    previous_secret = models.CharField(max_length=512, blank=True, editable=False)
    previous_valid_until = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["property", "-created_at"]

    def __str__(self) -> str:
        return f"{self.key_id} ({self.label or 'integration'})"

    def secrets_valid_at(self, now: timezone.datetime | None = None) -> list[str]:
        now = now or timezone.now()
        valid = [self.secret]
        if self.previous_secret and self.previous_valid_until and self.previous_valid_until > now:
            valid.append(self.previous_secret)
        return valid


class EventType(models.TextChoices):
    BOOKING_CONFIRMED = "booking.confirmed", "Booking confirmed"
    ORDER_RECEIVED = "order.received", "Order received"
    ORDER_READY = "order.ready", "Order ready"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    QUEUED = "queued", "Queued on the primary channel"
    SENT = "sent", "Sent"
    FALLBACK_QUEUED = "fallback_queued", "Primary failed; fallback queued"
    FALLBACK_SENT = "fallback_sent", "Primary failed; fallback sent"
    FAILED = "failed", "Failed on every channel"
    SKIPPED = "skipped", "No channel to reach the guest"


class IntegrationEvent(models.Model):
    """One event from a hotel system, stored once per event id (a retry is answered from this row).

    `payload` is the validated event without the guest's contact details (those live, once, on the
    guest); `body_sha256` tells a retry of the same event from a different event reusing its id.
    """

    event_id = models.CharField(max_length=200, unique=True)
    event_type = models.CharField(max_length=32, choices=EventType.choices)
    body_sha256 = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    # The guest's name as the hotel system sent it (the booking's name): the notice greets with it rather
    # than with a WhatsApp profile name. Encrypted at rest like every guest name.
    guest_name = EncryptedCharField(max_length=200, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    key_id = models.CharField(max_length=40, blank=True, help_text="The credential that signed it.")
    guest = models.ForeignKey(
        "conversations.Guest", on_delete=models.CASCADE, null=True, blank=True, related_name="integration_events"
    )
    result = models.JSONField(default=dict, help_text="The answer given to the hotel's system (replayed as is).")
    notification_status = models.CharField(
        max_length=16, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    notification_channel = models.CharField(max_length=16, blank=True)
    notification_message = models.ForeignKey(
        "conversations.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    fallback_channel = models.CharField(max_length=16, blank=True)
    fallback_message = models.ForeignKey(
        "conversations.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    provider_id = models.CharField(max_length=255, blank=True, help_text="The SMS provider's id, when sent by SMS.")
    notification_error = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["notification_status", "-received_at"])]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"

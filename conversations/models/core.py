"""Tenant schema: guests, their conversations and messages. Rows here exist only in one property's schema."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone

from assistant.modes import AiMode
from core.fields import (
    EncryptedCharField,
    EncryptedJSONField,
    EncryptedTextField,
    PartlyEncryptedJSONField,
    blind_index,
    contact_email,
    contact_phone,
)
from core.languages import Language


class Channel(models.TextChoices):
    WHATSAPP = "whatsapp", "WhatsApp"
    WEB = "web", "Web chat"
    EMAIL = "email", "E-mail"


class GuestManager(models.Manager["Guest"]):
    def known_as(self, channel: str, external_id: str) -> Guest | None:
        """The guest known on `channel` by `external_id` (a wa_id, an e-mail address, a widget visitor), if any."""
        identity = GuestIdentity.objects.select_related("guest").filter(channel=channel, external_id=external_id)
        return next((i.guest for i in identity[:1]), None)

    def address_of(self, guest_id: int, channel: str) -> str:
        """How the guest is reached on `channel`: the external id of their first identity there (a WhatsApp number,
        an e-mail address), or "" when they have none."""
        identities = GuestIdentity.objects.filter(guest_id=guest_id, channel=channel).order_by("pk")
        return identities.values_list("external_id", flat=True).first() or ""


class Guest(models.Model):
    # Encrypted at rest (core.fields); phone and e-mail are found through their keyed blind index.
    name = EncryptedCharField(max_length=200, blank=True)
    phone = contact_phone("E.164, e.g. +60123456789")
    phone_index = blind_index()
    email = contact_email()
    email_index = blind_index()
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    consent_given_at = models.DateTimeField(null=True, blank=True)
    consent_text = models.TextField(blank=True, help_text="The notice the guest accepted, as shown.")
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    # WhatsApp opt-out ("STOP", "BERHENTI"): nothing the guest did not ask for is sent; answers to what they
    # write still are (conversations/pipeline/events.py, outbox).
    opted_out_at = models.DateTimeField(null=True, blank=True)

    objects = GuestManager()

    def __str__(self) -> str:
        return self.name or self.phone or self.email or f"Guest {self.pk}"

    def also_known_as(self, channel: str, external_id: str) -> Guest:
        """The guest is known on `channel` by `external_id` from now on, unless another guest already is: an
        identity is never moved. Returns the guest who holds it."""
        identity, _ = GuestIdentity.objects.get_or_create(
            channel=channel, external_id=external_id, defaults={"guest": self}
        )
        return identity.guest


class GuestIdentity(models.Model):
    """How one guest is known on one channel (a WhatsApp wa_id, an e-mail address, a widget visitor id)."""

    guest = models.ForeignKey(Guest, on_delete=models.CASCADE, related_name="identities")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    # Encrypted; unique and looked up through its blind index (a wa_id indexes as its phone number).
    external_id = EncryptedCharField(max_length=255, index="contact", index_field="external_id_index")
    external_id_index = models.CharField(max_length=64, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id_index"], name="one_guest_per_channel_identity")
        ]
        verbose_name_plural = "guest identities"

    def __str__(self) -> str:
        return f"{self.channel} identity of guest {self.guest_id}"


class ConversationStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    RESOLVED = "resolved", "Resolved"
    HANDED_OFF = "handed_off", "Handed off"
    EXPIRED = "expired", "Expired"


# A conversation still going on: neither resolved by staff nor expired.
OPEN_STATUSES = (ConversationStatus.ACTIVE, ConversationStatus.HANDED_OFF)


class ConversationQuerySet(models.QuerySet["Conversation"]):
    def open(self) -> ConversationQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def start(self, guest: Guest, channel: str, thread_id: str, *, at: datetime) -> Conversation:
        """A new conversation of `guest` in the channel's thread `thread_id`, starting (and last active) `at`."""
        return self.create(guest=guest, channel=channel, channel_id=thread_id, started_at=at, last_message_at=at)

    def open_or_start(self, guest: Guest, channel: str, thread_id: str, *, at: datetime) -> Conversation:
        """The guest's latest open conversation in the thread (locked if this queryset locks), else a new one."""
        found = self.open().filter(guest=guest, channel=channel, channel_id=thread_id).order_by("-last_message_at")
        return found.first() or self.start(guest, channel, thread_id, at=at)


class Conversation(models.Model):
    guest = models.ForeignKey(Guest, on_delete=models.CASCADE, related_name="conversations")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    channel_id = models.CharField(
        max_length=255,
        blank=True,
        help_text="The channel's thread id: the property number, a widget session, a mail thread.",
    )
    status = models.CharField(max_length=16, choices=ConversationStatus.choices, default=ConversationStatus.ACTIVE)
    ai_mode = models.CharField(max_length=16, choices=AiMode.choices, default=AiMode.CONCIERGE)
    is_after_hours = models.BooleanField(default=False)
    message_count = models.PositiveIntegerField(default=0)
    average_ai_confidence = models.FloatField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["status", "-last_message_at"]),
            models.Index(fields=["guest", "channel", "-last_message_at"]),
        ]
        ordering = ["-last_message_at"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} conversation with {self.guest}"


class MessageRole(models.TextChoices):
    GUEST = "guest", "Guest"
    AI = "ai", "AI"
    STAFF = "staff", "Staff"
    SYSTEM = "system", "System"


class MessageManager(models.Manager["Message"]):
    def post(self, conversation: Conversation, role: str, content: str, **fields: Any) -> Message:
        """A new message in `conversation`, on the conversation's own channel."""
        return self.create(
            conversation=conversation, role=role, content=content, channel=conversation.channel, **fields
        )


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=8, choices=MessageRole.choices)
    content = EncryptedTextField(blank=True)  # guests write their numbers and addresses in messages
    channel = models.CharField(max_length=16, choices=Channel.choices)
    provider_message_id = models.CharField(
        max_length=255, null=True, blank=True, help_text="The channel's own id (wamid, Message-ID); unique per channel."
    )
    metadata = PartlyEncryptedJSONField(
        default=dict,
        blank=True,
        encrypted_keys=("channel",),  # the wa_id, sender address and headers; other keys stay queryable
        help_text="Channel specifics, confidence, knowledge items used, provider, latency per stage, tokens.",
    )
    sent_by_user_id = models.BigIntegerField(null=True, blank=True, help_text="The staff account, for staff messages.")
    created_at = models.DateTimeField(default=timezone.now)

    objects = MessageManager()

    class Meta:
        constraints = [
            # A provider retrying a delivery can never create a second row.
            models.UniqueConstraint(
                fields=["channel", "provider_message_id"],
                condition=models.Q(provider_message_id__isnull=False),
                name="unique_provider_message_per_channel",
            )
        ]
        indexes = [models.Index(fields=["conversation", "created_at"])]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.role}: {self.content[:60]}"


class SessionState(models.Model):
    """The durable copy of a conversation's Redis session (written through on every turn).

    Redis holds the hot copy with a 30-minute TTL; if it is flushed or expires, the next turn
    rebuilds the session from this row, so no history, mode or partial lead is lost.
    """

    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, primary_key=True, related_name="session"
    )
    history = EncryptedJSONField(default=list, blank=True, help_text="The last 10 messages: [{role, content}].")
    mode = models.CharField(max_length=16, choices=AiMode.choices, default=AiMode.CONCIERGE)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    lead = EncryptedJSONField(default=dict, blank=True, help_text="The partial lead gathered so far.")
    low_confidence_streak = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Session of conversation {self.conversation_id}"

"""Tenant schema: handoff episodes (a conversation handed to staff, until it is resolved), the property's
handoff settings, and each staff member's read marker per conversation (the inbox's unread counts)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from conversations.models.core import Conversation, Language
from core.fields import EncryptedJSONField, EncryptedTextField


class HandoffSettings(models.Model):
    """One row per property schema."""

    alert_after_seconds = models.PositiveIntegerField(
        default=600, help_text="E-mail the property's notification address if nobody takes over within this time."
    )

    class Meta:
        verbose_name = verbose_name_plural = "handoff settings"

    def __str__(self) -> str:
        return f"Handoff alert after {self.alert_after_seconds} s"

    @classmethod
    def current(cls) -> HandoffSettings:
        # One row per schema (the admin refuses a second); the first one wins should two ever exist.
        return cls.objects.order_by("pk").first() or cls.objects.create()


class Handoff(models.Model):
    """One handoff episode: from the moment the conversation is handed to staff until it is resolved.

    At most one open episode per conversation (a database constraint), so a guest who repeats
    "human please" while waiting never creates a second alert or a second analytics event.
    """

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="handoffs")
    reason = models.CharField(max_length=200)
    trigger = models.CharField(
        max_length=32, help_text="human_request, complaint, low_confidence, lead_consent, manual…"
    )
    context = EncryptedJSONField(
        default=dict, blank=True, help_text="Guest, channel, summary, intent, lead, last messages."
    )
    requested_by_user_id = models.BigIntegerField(
        null=True, blank=True, help_text="Staff member, for a manual handoff."
    )
    created_at = models.DateTimeField(default=timezone.now)
    taken_over_at = models.DateTimeField(null=True, blank=True)
    taken_over_by_user_id = models.BigIntegerField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by_user_id = models.BigIntegerField(null=True, blank=True)
    alert_emailed_at = models.DateTimeField(null=True, blank=True, help_text="When the no-takeover e-mail went out.")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation"], condition=models.Q(resolved_at__isnull=True), name="one_open_handoff"
            )
        ]

    def __str__(self) -> str:
        return f"Handoff of conversation {self.conversation_id} ({self.trigger})"


class StaffReadMarker(models.Model):
    """The last message a staff member has seen in a conversation."""

    user_id = models.BigIntegerField()
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="read_markers")
    last_read_message_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user_id", "conversation"], name="one_read_marker")]

    def __str__(self) -> str:
        return f"User {self.user_id} read {self.conversation_id} up to {self.last_read_message_id}"


class StaffNote(models.Model):
    """An internal note on a conversation: staff see it beside the transcript; it is never sent to the guest.

    Kept apart from `Message` so that no path that delivers, remembers or counts messages can ever pick it up.
    """

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="staff_notes")
    author_user_id = models.BigIntegerField()
    text = EncryptedTextField()  # staff write guests' details in notes too
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Note on conversation {self.conversation_id} by user {self.author_user_id}"


class SavedReply(models.Model):
    """A reply staff reuse, in one language; `{guest_name}` and `{property}` are filled in when it is picked."""

    title = models.CharField(max_length=80)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    text = models.TextField(max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "language", "id"]
        constraints = [models.UniqueConstraint(fields=["title", "language"], name="one_saved_reply_per_title_language")]
        verbose_name_plural = "saved replies"

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"

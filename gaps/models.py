"""Tenant schema: the questions the assistant could not answer, grouped by meaning into gaps.

A `Gap` is one thing guests asked that the knowledge base lacks ("bicycle hire"); each time a guest
asks it again, in any words or language, a `GapQuestion` joins it (the guest's words encrypted like
message content). A manager answers a gap (a knowledge item), or dismisses it with a reason; the
guests whose conversations are still open can then be sent the answer once (`GapFollowUp`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from pgvector.django import VectorField

from conversations.models import Channel, Conversation, Guest, Language, Message
from core.fields import EncryptedTextField


class GapStatus(models.TextChoices):
    OPEN = "open", "Open"
    ANSWERED = "answered", "Answered"
    DISMISSED = "dismissed", "Dismissed"


class DismissReason(models.TextChoices):
    NOT_OFFERED = "not_offered", "Not something we offer"
    NOT_A_QUESTION = "not_a_question", "Not a real question"
    DUPLICATE = "duplicate", "Already answered elsewhere"
    OTHER = "other", "Other"


class UnansweredReason(models.TextChoices):
    NO_HITS = "no_hits", "Nothing relevant in the knowledge base"
    LOW_CONFIDENCE = "low_confidence", "Low confidence"
    HANDOFF = "handoff", "Handed over: the assistant could not answer"


class Gap(models.Model):
    status = models.CharField(max_length=16, choices=GapStatus.choices, default=GapStatus.OPEN, db_index=True)
    question_count = models.PositiveIntegerField(default=0)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now, db_index=True)
    languages = models.JSONField(default=list, blank=True)  # every language it was asked in
    channels = models.JSONField(default=list, blank=True)  # every channel it was asked on
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by_user_id = models.BigIntegerField(null=True, blank=True)
    dismiss_reason = models.CharField(max_length=20, choices=DismissReason.choices, blank=True)
    dismiss_note = models.TextField(blank=True)
    # The knowledge items that answer it (English, and Malay when the manager wrote it).
    knowledge_item_ids = models.JSONField(default=list, blank=True)
    answer_en = models.TextField(blank=True)
    answer_ms = models.TextField(blank=True)

    class Meta:
        ordering = ["-question_count", "-last_seen_at"]
        indexes = [models.Index(fields=["status", "-question_count", "-last_seen_at"])]

    def __str__(self) -> str:
        return f"gap {self.pk} ({self.question_count}×, {self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == GapStatus.OPEN


class GapQuestion(models.Model):
    """One guest turn the assistant could not answer. Erased with the guest's conversation (cascade)."""

    gap = models.ForeignKey(Gap, on_delete=models.CASCADE, related_name="questions")
    text = EncryptedTextField()  # the guest's words, as written
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="gap_questions")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="gap_questions")
    reason = models.CharField(max_length=20, choices=UnansweredReason.choices)
    confidence = models.FloatField(default=0.0)
    # The question's embedding as retrieval computed it: the gap's nearest neighbours are found on it.
    embedding = VectorField(dimensions=settings.EMBEDDING_DIMENSIONS)
    similarity = models.FloatField(null=True, blank=True)  # its match score to the gap it joined (None: opened it)
    asked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["asked_at", "id"]
        constraints = [models.UniqueConstraint(fields=["message"], name="gaps_one_question_per_message")]
        indexes = [models.Index(fields=["gap", "asked_at"])]

    def __str__(self) -> str:
        return f"gap question {self.pk} → gap {self.gap_id}"


class GapFollowUp(models.Model):
    """The answer sent to one guest who was waiting: at most once per gap and guest."""

    gap = models.ForeignKey(Gap, on_delete=models.CASCADE, related_name="follow_ups")
    guest = models.ForeignKey(Guest, on_delete=models.CASCADE, related_name="gap_follow_ups")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="gap_follow_ups")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, null=True, related_name="+")  # set once sent
    sent_by_user_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["gap", "guest"], name="gaps_one_follow_up_per_guest")]

    def __str__(self) -> str:
        return f"follow-up of gap {self.gap_id} to guest {self.guest_id}"

"""Tenant schema: leads, the conversations they came from, reviewers' verdicts and per-property settings.

Every row here lives in one property's schema. Staff accounts live in the public schema, so a
reviewer is kept as a plain id (+ e-mail snapshot), like `Message.sent_by_user_id`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from conversations.models import Channel, Conversation, Guest
from core.fields import (
    EncryptedCharField,
    EncryptedJSONField,
    EncryptedTextField,
    blind_index,
    contact_email,
    contact_phone,
)
from core.models import OneRowSettings


def money(max_digits: int, help_text: str = "", **options: Any) -> models.DecimalField:
    """An optional amount in the property's currency, to the sen (empty: not known)."""
    return models.DecimalField(
        max_digits=max_digits, decimal_places=2, null=True, blank=True, help_text=help_text, **options
    )


class Intent(models.TextChoices):
    ROOM_BOOKING = "room_booking", "Room booking"
    EVENT = "event", "Event"
    FB_INQUIRY = "fb_inquiry", "F&B inquiry"
    GENERAL = "general", "General"


class LeadStatus(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    CONVERTED = "converted", "Converted"
    LOST = "lost", "Lost"


OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED)

# Which status may follow which. A lost lead may be picked up again, and a conversion recorded by
# mistake (or a cancelled booking) reopened: back to contacted, its conversion date and value cleared.
STATUS_TRANSITIONS: dict[str, set[str]] = {
    LeadStatus.NEW: {LeadStatus.CONTACTED, LeadStatus.CONVERTED, LeadStatus.LOST},
    LeadStatus.CONTACTED: {LeadStatus.CONVERTED, LeadStatus.LOST},
    LeadStatus.LOST: {LeadStatus.CONTACTED},
    LeadStatus.CONVERTED: {LeadStatus.CONTACTED},
}


class Priority(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class ReviewStatus(models.TextChoices):
    NOT_NEEDED = "not_needed", "Not needed"
    PENDING = "pending", "Pending review"
    REVIEWED = "reviewed", "Reviewed"


class ConsentStatus(models.TextChoices):
    NOT_ASKED = "not_asked", "Not asked"
    ASKED = "asked", "Asked"
    GIVEN = "given", "Given (YES)"
    DECLINED = "declined", "Declined (NO)"


class LeadSettings(OneRowSettings):
    """The property's rubric thresholds and value defaults: one row per schema (pk=1), created on first use."""

    qualified_threshold = models.PositiveSmallIntegerField(
        default=60, validators=[MaxValueValidator(100)], help_text="A lead scoring at least this is qualified."
    )
    review_below_confidence = models.FloatField(
        default=0.5,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="A lead whose confidence is below this goes to the review queue.",
    )
    urgency_days = models.PositiveSmallIntegerField(
        default=14, help_text="A stay or event starting within this many days earns the urgency point."
    )
    currency = models.CharField(max_length=3, default="MYR")
    default_room_rate = money(10, "Nightly rate used when the room type is unknown or has no rate. Empty: no estimate.")
    event_rate_per_guest = money(10)
    fb_rate_per_cover = money(10)

    class Meta:
        verbose_name = "lead settings"
        verbose_name_plural = "lead settings"

    def __str__(self) -> str:
        return f"Lead settings (qualified ≥ {self.qualified_threshold}, review < {self.review_below_confidence})"


class RoomRate(models.Model):
    """A room type the property sells, its nightly rate and the words guests use for it."""

    name = models.CharField(max_length=120, unique=True, help_text='As the hotel names it, e.g. "Deluxe King".')
    nightly_rate = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    aliases = models.CharField(
        max_length=400, blank=True, help_text='Comma-separated other names, e.g. "family room, bilik keluarga".'
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.nightly_rate})"

    def alias_list(self) -> list[str]:
        return [alias.strip() for alias in self.aliases.split(",") if alias.strip()]


class Lead(models.Model):
    guest = models.ForeignKey(Guest, on_delete=models.CASCADE, related_name="leads")
    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="originated_leads",
        help_text="The conversation the lead started in; all of its conversations are in `conversation_links`.",
    )
    conversations = models.ManyToManyField(Conversation, through="LeadConversation", related_name="leads")

    # Encrypted at rest (core.fields); phone and e-mail are found through their keyed blind index.
    guest_name = EncryptedCharField(max_length=200, blank=True)
    phone = contact_phone("E.164")
    phone_index = blind_index()
    email = contact_email()
    email_index = blind_index()

    intent = models.CharField(max_length=16, choices=Intent.choices, default=Intent.GENERAL)
    check_in = models.DateField(null=True, blank=True)
    check_out = models.DateField(null=True, blank=True)
    nights = models.PositiveSmallIntegerField(null=True, blank=True)
    adults = models.PositiveSmallIntegerField(null=True, blank=True)
    children = models.PositiveSmallIntegerField(null=True, blank=True)
    rooms = models.PositiveSmallIntegerField(null=True, blank=True)
    room_type = models.CharField(max_length=120, blank=True)
    group_size = models.PositiveIntegerField(null=True, blank=True)
    event_date = models.DateField(null=True, blank=True)
    # "Extra pillow", "late check-in", "ada alahan kacang": an allergy is health information, so encrypted.
    special_requests = EncryptedTextField(
        blank=True, help_text="What the guest asked for beside the booking; kept for the team, never asked for."
    )

    status = models.CharField(max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.LOW)
    booking_value = money(
        12, "What the booking is worth if it happens: rate × nights × rooms, or per-guest rate × party."
    )
    estimated_value = money(
        12, "Expected revenue: the booking value × the probability read from the score (a forecast)."
    )
    currency = models.CharField(max_length=3, default="MYR")
    lead_score = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    confidence = models.FloatField(default=0.0)
    is_qualified = models.BooleanField(default=False)
    # Both quote what the guest wrote (their number, their address): encrypted as a whole.
    rubric_breakdown = EncryptedJSONField(default=dict, blank=True, help_text="Each criterion, its points and why.")
    missing_fields = models.JSONField(default=list, blank=True, help_text="What the AI should still ask for.")
    extraction = EncryptedJSONField(default=dict, blank=True, help_text="What extraction found and what it rejected.")
    locked_fields = models.JSONField(
        default=list, blank=True, help_text="Fields a person corrected: re-extraction never overwrites them."
    )
    review_status = models.CharField(max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.NOT_NEEDED)
    sampled_for_review = models.BooleanField(
        default=False, help_text="One lead in ten goes to review whatever its confidence, so agreement is measured."
    )
    score_history = models.JSONField(
        default=list,
        blank=True,
        help_text="The scoring before each re-scoring (newest last): what 'undo' restores.",
    )

    consent_status = models.CharField(max_length=16, choices=ConsentStatus.choices, default=ConsentStatus.NOT_ASKED)
    consent_at = models.DateTimeField(null=True, blank=True, help_text="When the guest answered YES or NO.")
    handed_over_at = models.DateTimeField(null=True, blank=True, help_text="Only ever set after a recorded YES.")
    converted_at = models.DateTimeField(null=True, blank=True, help_text="When staff marked the lead converted.")
    converted_value = money(
        12,
        "What the booking was actually worth, as staff recorded it (the GM's revenue figures use it).",
        validators=[MinValueValidator(Decimal("0"))],
    )

    source_channel = models.CharField(max_length=16, choices=Channel.choices)
    is_after_hours = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["review_status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(handed_over_at__isnull=False) | models.Q(consent_status=ConsentStatus.GIVEN),
                name="lead_handed_over_only_with_consent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_intent_display()} lead — {self.guest_name or self.phone or self.email or self.guest}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def probability_percent(self) -> int:
        """The chance the lead books, from its score; the expected revenue is booking value × this."""
        return self.lead_score


class LeadConversation(models.Model):
    """A conversation belongs to at most one lead; a lead may span channels (WhatsApp + e-mail)."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="conversation_links")
    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="lead_link")
    attached_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"lead {self.lead_id} ← conversation {self.conversation_id}"


class Verdict(models.TextChoices):
    AGREE = "agree", "Agree with the rubric"
    DISAGREE = "disagree", "Disagree"


class LeadReview(models.Model):
    """A reviewer's verdict on the rubric's reading of a lead; the basis of the rubric's agreement rate."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="reviews")
    reviewer_id = models.BigIntegerField(help_text="The staff account (public schema).")
    reviewer_email = models.EmailField(blank=True)
    verdict = models.CharField(max_length=8, choices=Verdict.choices)
    corrected_fields = EncryptedJSONField(default=dict, blank=True)  # may correct a phone or an e-mail
    comment = models.TextField(blank=True)
    score_at_review = models.PositiveSmallIntegerField()
    qualified_at_review = models.BooleanField()
    intent_at_review = models.CharField(max_length=16, choices=Intent.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.verdict} on lead {self.lead_id} by {self.reviewer_email or self.reviewer_id}"

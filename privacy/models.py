"""Privacy (PDPA): the audit trail (public schema) and each property's retention settings (its schema).

`core.routers.PublicOnlyModelsRouter` (settings.PUBLIC_ONLY_MODELS) keeps `AuditEvent` out of the
property schemas and `RetentionSettings` out of the public one.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.models import OneRowSettings


class AuditEvent(models.Model):
    """Who did what, when, on which property. Never holds a guest's phone, e-mail or name.

    Written through `core.audit.record` (actions: `core.audit.AuditAction`), by every app.

    Append-only: the admin shows it read-only to platform admins. Actor e-mail is a snapshot so
    the trail survives the account's deletion (the actor link is then set to NULL).
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True, help_text="Staff e-mail at the time; blank = system.")
    action = models.CharField(max_length=64, db_index=True)
    property = models.ForeignKey(
        "properties.Property", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=100, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["property", "-created_at"], name="audit_property_recent")]

    def __str__(self) -> str:
        who = self.actor_email or "system"
        return f"{self.created_at:%Y-%m-%d %H:%M} {who} {self.action} {self.target_type}#{self.target_id}"


class RetentionSettings(OneRowSettings):
    """How long this property keeps guest data: one row per schema (pk=1), created on first use."""

    conversation_days = models.PositiveIntegerField(
        default=90,
        validators=[MinValueValidator(7), MaxValueValidator(3650)],
        help_text="Conversations (with their messages, media and inbound events) idle this long are deleted.",
    )
    lead_days = models.PositiveIntegerField(
        default=365,
        validators=[MinValueValidator(30), MaxValueValidator(3650)],
        help_text="Leads not updated for this long are deleted.",
    )
    greeting_state_days = models.PositiveIntegerField(
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="An inactive contact's greeting state is forgotten after this long.",
    )
    last_purged_on = models.DateField(
        null=True, blank=True, editable=False, help_text="The property's local date of the last nightly purge."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "retention settings"
        verbose_name_plural = "retention settings"

    def __str__(self) -> str:
        return (
            f"Retention: conversations {self.conversation_days} d, leads {self.lead_days} d, "
            f"greeting state {self.greeting_state_days} d"
        )

"""Public schema: each property's onboarding progress and its staff invitations."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from properties.models import Property, Role

INVITATION_LIFETIME = dt.timedelta(days=7)


class OnboardingProgress(models.Model):
    """What the wizard has recorded for a property; the checklist also reads the real state (bindings, knowledge)."""

    property = models.OneToOneField(Property, on_delete=models.CASCADE, related_name="onboarding")
    completed_steps = models.JSONField(default=list, blank=True)
    whatsapp_tested_at = models.DateTimeField(null=True, blank=True)
    whatsapp_tested_to = models.CharField(max_length=32, blank=True)
    questions_tried = models.PositiveIntegerField(default=0)
    live_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "onboarding progress"

    def __str__(self) -> str:
        return f"Onboarding of {self.property}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def default_expiry() -> dt.datetime:
    return timezone.now() + INVITATION_LIFETIME


class Invitation(models.Model):
    """An e-mailed invitation to join a property; only the token's hash is stored."""

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=default_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One pending invitation per address and property: inviting again replaces it.
            models.UniqueConstraint(
                fields=["property", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_pending_invitation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} as {self.role} at {self.property}"

    def is_open(self, now: dt.datetime | None = None) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > (now or timezone.now())

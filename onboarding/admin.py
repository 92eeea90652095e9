"""Platform admin (public host, superusers only): onboarding progress and invitations, read-only.

Changes go through the wizard and the staff page, which validate and audit them.
"""

from __future__ import annotations

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from onboarding.models import Invitation, OnboardingProgress


@admin.register(OnboardingProgress)
class OnboardingProgressAdmin(ReadOnlyAdmin):
    list_display = ["property", "completed_steps", "whatsapp_tested_at", "questions_tried", "live_at", "updated_at"]
    list_filter = ["live_at"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "property", "role", "invited_by", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["property", "role"]
    search_fields = ["email"]
    exclude = ["token_hash"]  # the link's secret stays out of every page

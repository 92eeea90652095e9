"""Platform admin (public host, superusers only): onboarding progress and invitations, read-only.

Changes go through the wizard and the staff page, which validate and audit them.
"""

from __future__ import annotations

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from onboarding.models import Invitation, OnboardingProgress
from onboarding.services.wizard import STEP_TITLES, STEPS


@admin.register(OnboardingProgress)
class OnboardingProgressAdmin(ReadOnlyAdmin):
    list_display = ["property", "steps_done", "whatsapp_tested_at", "questions_tried", "live_at", "updated_at"]
    list_filter = ["live_at"]
    exclude = ["completed_steps"]  # the raw list; `steps_done` reads it
    readonly_fields = ["steps_done"]

    @admin.display(description="Completed steps")
    def steps_done(self, progress: OnboardingProgress) -> str:
        """The wizard's steps done, by their titles in the wizard's order, and how many of them: "3 of 6: …"."""
        done = set(progress.completed_steps or [])
        titles = [STEP_TITLES[step] for step in STEPS if step in done]
        return f"{len(titles)} of {len(STEPS)}: {', '.join(titles)}" if titles else f"0 of {len(STEPS)}"


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "property", "role", "invited_by", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["property", "role"]
    search_fields = ["email"]
    exclude = ["token_hash"]  # the link's secret stays out of every page

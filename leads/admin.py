from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from core.admin import ContactSearchAdmin, SingleRowAdmin
from leads.models import STATUS_TRANSITIONS, Lead, LeadConversation, LeadReview, LeadSettings, RoomRate
from leads.services.leads import FIELD_MAP
from leads.services.rubric import readable_breakdown
from leads.tasks import rescore_leads
from properties.tenant_admin import tenant_admin_site


class LeadConversationInline(admin.TabularInline):
    model = LeadConversation
    extra = 0
    readonly_fields = ["conversation", "attached_at"]
    can_delete = False


class LeadReviewInline(admin.TabularInline):
    model = LeadReview
    extra = 0
    readonly_fields = ["created_at", "reviewer_email", "verdict", "corrected_fields", "comment", "score_at_review"]
    fields = readonly_fields
    can_delete = False


class LeadAdminForm(forms.ModelForm):
    class Meta:
        model = Lead
        fields = "__all__"  # noqa: DJ007 - the admin lists its own read-only fields

    def clean_status(self) -> str:
        status = self.cleaned_data["status"]
        before = self.instance.status if self.instance.pk else None
        if before and status != before and status not in STATUS_TRANSITIONS[before]:
            allowed = ", ".join(sorted(STATUS_TRANSITIONS[before])) or "none (final)"
            raise forms.ValidationError(f"A {before} lead cannot become {status}; allowed: {allowed}.")
        return status


@admin.register(Lead, site=tenant_admin_site)
class LeadAdmin(ContactSearchAdmin):
    form = LeadAdminForm
    list_display = [
        "id", "guest_name", "intent", "status", "priority", "lead_score", "confidence", "is_qualified",
        "estimated_value", "review_status", "consent_status", "is_after_hours", "source_channel", "created_at",
    ]  # fmt: skip
    list_filter = [
        "status", "intent", "priority", "review_status", "consent_status", "is_after_hours", "source_channel",
    ]  # fmt: skip
    search_fields = ["=phone", "=email", "notes"]  # phone / e-mail exact, through the blind index
    list_select_related = ["guest"]
    # The rubric's output and the consent record are derived or legal facts: shown, never hand-edited here.
    readonly_fields = [
        "guest", "conversation", "lead_score", "confidence", "is_qualified", "rubric", "still_missing",
        "extraction", "estimated_value", "consent_status", "consent_at", "handed_over_at", "created_at", "updated_at",
    ]  # fmt: skip
    exclude = ["rubric_breakdown", "missing_fields"]  # stored as dictionaries; shown read as the lead page reads them
    inlines = [LeadConversationInline, LeadReviewInline]

    @admin.display(description="Rubric")
    def rubric(self, lead: Lead) -> str:
        """The score and one line per criterion, as the lead page shows them: "Dates: 20 of 20 (…)"."""
        summary, rows = readable_breakdown(lead.rubric_breakdown or {})
        lines = [
            f"{row['label']}: {row.get('points', 0)} of {row.get('max', 0)}"
            + ("" if row.get("applies", True) else " (does not apply)")
            + (f" — {row['reason']}" if row.get("reason") else "")
            for row in rows
        ]
        if summary:
            lines.insert(0, f"Score {summary.get('score')} (qualified at {summary.get('threshold')})")
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines)) if lines else "–"

    @admin.display(description="Still to ask")
    def still_missing(self, lead: Lead) -> str:
        return ", ".join(str(field).replace("_", " ") for field in lead.missing_fields or []) or "–"

    def save_model(self, request: HttpRequest, obj: Lead, form: Any, change: bool) -> None:
        # What a manager corrects here must survive the next extraction, as a reviewer's corrections do.
        corrected = {name for name in form.changed_data if name in FIELD_MAP.values() or name == "priority"}
        obj.locked_fields = sorted(set(obj.locked_fields) | corrected)
        super().save_model(request, obj, form, change)


@admin.register(LeadReview, site=tenant_admin_site)
class LeadReviewAdmin(admin.ModelAdmin):
    list_display = ["id", "lead", "verdict", "reviewer_email", "score_at_review", "qualified_at_review", "created_at"]
    list_filter = ["verdict"]
    readonly_fields = [
        "lead", "reviewer_id", "reviewer_email", "verdict", "corrected_fields", "comment", "score_at_review",
        "qualified_at_review", "intent_at_review", "created_at",
    ]  # fmt: skip


class RescoreAfterSaveMixin:
    """A new threshold or rate applies to the open leads too: re-score them once the change is committed."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        transaction.on_commit(rescore_leads.delay)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)  # type: ignore[misc]
        transaction.on_commit(rescore_leads.delay)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        super().delete_queryset(request, queryset)  # type: ignore[misc]
        transaction.on_commit(rescore_leads.delay)


@admin.register(LeadSettings, site=tenant_admin_site)
class LeadSettingsAdmin(RescoreAfterSaveMixin, SingleRowAdmin):
    list_display = ["__str__", "urgency_days", "currency", "default_room_rate"]


@admin.register(RoomRate, site=tenant_admin_site)
class RoomRateAdmin(RescoreAfterSaveMixin, admin.ModelAdmin):
    list_display = ["name", "nightly_rate", "aliases"]
    search_fields = ["name", "aliases"]

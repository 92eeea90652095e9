"""Reads of leads for staff, shared by the API and the dashboard: one lookup, one filter, the queues.

Call these inside the property's schema (the caller has applied the access rule to the property).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from django.db.models import QuerySet

from core.lookups import one_or_404
from leads.models import OPEN_STATUSES, Intent, Lead, LeadStatus, Priority, ReviewStatus

# The filters staff may ask for, each with the values it takes; `after_hours` is a yes/no.
FILTER_CHOICES: dict[str, list[str]] = {
    "status": LeadStatus.values,
    "intent": Intent.values,
    "priority": Priority.values,
    "review_status": ReviewStatus.values,
}
_YES = {"yes", "y", "true", "t", "on", "1"}
_NO = {"no", "n", "false", "f", "off", "0"}
_ANY = {"", "null"}


def lead_for(lead_id: int) -> Lead:
    """The lead `lead_id` of the property whose schema is active (guest and conversation links loaded), else 404.

    Lead ids are per schema: the same number under another property is another lead or none.
    """
    return one_or_404(Lead.objects.select_related("guest").prefetch_related("conversation_links"), lead_id, "lead")


@dataclass(frozen=True)
class LeadFilter:
    """The leads a staff member asked for; a field left None does not filter."""

    status: str | None = None
    intent: str | None = None
    priority: str | None = None
    review_status: str | None = None
    after_hours: bool | None = None

    def apply(self, leads: QuerySet[Lead]) -> QuerySet[Lead]:
        wanted: dict[str, Any] = {
            name: getattr(self, name) for name in FILTER_CHOICES if getattr(self, name) is not None
        }
        if self.after_hours is not None:
            wanted["is_after_hours"] = self.after_hours
        return leads.filter(**wanted)

    def as_params(self) -> dict[str, str]:
        """The filter as a query string would give it (`after_hours` as yes / no): for pages and the audit trail."""
        params = {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}
        if self.after_hours is not None:
            params["after_hours"] = "yes" if self.after_hours else "no"
        return params


def lead_filter(params: Mapping[str, Any]) -> tuple[LeadFilter, dict[str, list[str]]]:
    """The filter asked for in `params` (a query string; other keys ignored) and what was wrong with it.

    A value that is not valid filters nothing and is reported in the errors (field → messages):
    the API answers 400 with them, a page simply leaves that filter out.
    """
    chosen: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, allowed in FILTER_CHOICES.items():
        value = str(params.get(name) or "")
        if value in allowed:
            chosen[name] = value
        elif value:
            errors[name] = [f'"{value}" is not a valid choice.']
    after_hours = str(params.get("after_hours") or "").strip().lower()
    if after_hours in _YES | _NO:
        chosen["after_hours"] = after_hours in _YES
    elif after_hours not in _ANY:
        errors["after_hours"] = ["Must be a valid boolean."]
    return LeadFilter(**chosen), errors


def open_after_hours_leads(limit: int = 200) -> QuerySet[Lead]:
    """Leads that came in after hours and are still open: the highest priority, then the newest, first."""
    return (
        Lead.objects.select_related("guest")
        .filter(is_after_hours=True, status__in=OPEN_STATUSES)
        .order_by("-priority", "-created_at")[:limit]
    )


def pending_reviews() -> QuerySet[Lead]:
    """Leads waiting for a reviewer's verdict on the rubric's reading, oldest first."""
    return Lead.objects.select_related("guest").filter(review_status=ReviewStatus.PENDING).order_by("created_at")


def names_by_guest(guest_ids: set[int]) -> dict[int, str]:
    """The name each guest gave on their newest lead that has one (what staff call them in the inbox)."""
    names: dict[int, str] = {}
    for lead in (
        Lead.objects.filter(guest_id__in=guest_ids).order_by("guest_id", "-created_at").only("guest_id", "guest_name")
    ):
        if lead.guest_name and lead.guest_id not in names:
            names[lead.guest_id] = lead.guest_name
    return names


# Names are encrypted at rest: a name search reads the most recent leads only (the inbox documents the rule).
NAME_SEARCH_WINDOW = 500


def guests_named(text: str) -> set[int]:
    """Guests whose lead's name contains `text` (case-insensitive), among the NAME_SEARCH_WINDOW newest leads."""
    needle = text.casefold()
    recent = Lead.objects.order_by("-created_at").only("guest_id", "guest_name")[:NAME_SEARCH_WINDOW]
    return {lead.guest_id for lead in recent if needle and needle in lead.guest_name.casefold()}

"""Leads as CSV, for a manager's spreadsheet: the same filter as the page and the API, values apart."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from leads.models import Lead
from properties.models import Property

COLUMNS = [
    "id", "created_at", "guest_name", "phone", "email", "intent", "status", "priority", "score",
    "probability", "booking_value", "expected_revenue", "currency", "check_in", "nights", "rooms",
    "group_size", "room_type", "after_hours", "source_channel", "converted_at", "converted_value",
]  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A guest's text must not run as a formula in the spreadsheet it is opened in (CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _row(lead: Lead, property_: Property) -> list[Any]:
    local = lead.created_at.astimezone(property_.tzinfo)
    converted = lead.converted_at.astimezone(property_.tzinfo).isoformat() if lead.converted_at else ""
    values = [
        lead.pk, local.isoformat(), lead.guest_name, lead.phone, lead.email, lead.intent, lead.status,
        lead.priority, lead.lead_score, f"{lead.lead_score / 100:.2f}", lead.booking_value or "",
        lead.estimated_value or "", lead.currency, lead.check_in or "", lead.nights or "", lead.rooms or "",
        lead.group_size or "", lead.room_type, "yes" if lead.is_after_hours else "no", lead.source_channel,
        converted, lead.converted_value or "",
    ]  # fmt: skip
    return [safe_cell(value) for value in values]


def leads_csv(leads: Iterable[Lead], property_: Property) -> str:
    """Starts with a byte-order mark: Excel, the GM's spreadsheet, reads a file without one in the PC's code page
    (a Chinese, Tamil or accented guest name turned to mojibake); other spreadsheets skip it."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for lead in leads:
        writer.writerow(_row(lead, property_))
    return out.getvalue()

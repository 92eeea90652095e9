"""The daily figures as CSV: one line per local date (today computed live, marked so), as on the page."""

from __future__ import annotations

import csv
import io

from analytics.models import DailyAggregate

COLUMNS = [
    "date", "live", "total_inquiries", "whatsapp_inquiries", "web_inquiries", "email_inquiries",
    "after_hours_inquiries", "leads_captured", "after_hours_leads", "conversions", "converted_revenue",
    "estimated_revenue_recovered", "handoffs", "resolved_by_ai", "widget_visitors",
    "ai_first_response_avg_seconds", "staff_first_response_avg_seconds",
]  # fmt: skip


def daily_csv(rows: list[DailyAggregate]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        live = "yes" if getattr(row, "live", False) else "no"
        writer.writerow([row.date.isoformat(), live, *(_cell(getattr(row, c)) for c in COLUMNS[2:])])
    return out.getvalue()


def _cell(value: object) -> object:
    return "" if value is None else value

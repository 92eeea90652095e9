"""The GM's key figures for a period, beside the period before it."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.db.models import Count

from analytics.models import DailyAggregate
from analytics.services.aggregation import daily_rows, local_day_bounds
from leads.models import Lead, LeadStatus
from properties.services import current_property


@dataclass(frozen=True)
class PeriodFigures:
    first: dt.date
    last: dt.date
    total_inquiries: int
    after_hours_inquiries: int
    after_hours_share: float | None
    leads_captured: int
    conversions: int
    handoffs: int
    resolved_by_ai: int
    ai_resolution_share: float | None
    widget_visitors: int
    ai_first_response_avg_seconds: float | None
    staff_first_response_avg_seconds: float | None
    estimated_revenue_recovered: Decimal
    converted_revenue: Decimal

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        data["first"], data["last"] = self.first.isoformat(), self.last.isoformat()
        for key in ("estimated_revenue_recovered", "converted_revenue"):
            data[key] = str(data[key])
        return data


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _weighted_avg(rows: list[DailyAggregate], avg: str, count: str) -> float | None:
    """The mean over all responses of the period (a day with 40 replies weighs more than one with 2)."""
    total = sum(getattr(row, count) for row in rows if getattr(row, avg) is not None)
    if not total:
        return None
    return round(
        sum(getattr(row, avg) * getattr(row, count) for row in rows if getattr(row, avg) is not None) / total, 3
    )


def period_figures(first: dt.date, last: dt.date, rows: list[DailyAggregate] | None = None) -> PeriodFigures:
    """The period's totals, added up from its days as `daily_rows` gives them (today live)."""
    rows = daily_rows(first, last) if rows is None else rows

    def total(field: str) -> int:
        return sum(getattr(row, field) for row in rows)

    inquiries, after_hours, resolved = total("total_inquiries"), total("after_hours_inquiries"), total("resolved_by_ai")
    return PeriodFigures(
        first=first,
        last=last,
        total_inquiries=inquiries,
        after_hours_inquiries=after_hours,
        after_hours_share=_share(after_hours, inquiries),
        leads_captured=total("leads_captured"),
        conversions=total("conversions"),
        handoffs=total("handoffs"),
        resolved_by_ai=resolved,
        ai_resolution_share=_share(resolved, inquiries),
        widget_visitors=total("widget_visitors"),
        ai_first_response_avg_seconds=_weighted_avg(rows, "ai_first_response_avg_seconds", "ai_first_response_count"),
        staff_first_response_avg_seconds=_weighted_avg(
            rows, "staff_first_response_avg_seconds", "staff_first_response_count"
        ),
        estimated_revenue_recovered=sum((row.estimated_revenue_recovered for row in rows), Decimal("0")),
        converted_revenue=sum((row.converted_revenue for row in rows), Decimal("0")),
    )


def previous_period(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    length = (last - first).days + 1
    return first - dt.timedelta(days=length), first - dt.timedelta(days=1)


def summary(first: dt.date, last: dt.date, rows: list[DailyAggregate] | None = None) -> dict[str, object]:
    """The period's figures (from `rows` when the caller has them), the period before, the lead funnel."""
    current = period_figures(first, last, rows)
    before = period_figures(*previous_period(first, last))
    return {"period": current.as_json(), "previous_period": before.as_json(), "funnel": lead_funnel(first, last)}


def lead_funnel(first: dt.date, last: dt.date) -> dict[str, int]:
    """Leads created in the period by how far they got (new → contacted → converted), by their status now.

    A funnel's stages read "reached at least this stage", as the page says under its chart: "captured" is
    every lead, "contacted" includes the converted (nobody books unspoken to), and "lost" stands apart,
    counted in "captured" alone (a lead keeps no history of whether it was contacted before it was lost).
    """
    property_ = current_property()
    start, end = local_day_bounds(property_, first)[0], local_day_bounds(property_, last)[1]
    leads = Lead.objects.filter(created_at__gte=start, created_at__lt=end)
    counts = {status: 0 for status in LeadStatus.values}
    for status, n in leads.values("status").annotate(n=Count("id")).values_list("status", "n"):
        counts[status] = n
    reached_contact = counts[LeadStatus.CONTACTED] + counts[LeadStatus.CONVERTED]
    return {
        "captured": sum(counts.values()),
        "contacted": reached_contact,
        "converted": counts[LeadStatus.CONVERTED],
        "lost": counts[LeadStatus.LOST],
    }

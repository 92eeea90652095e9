"""The managers' analytics page and the stored reports, on the property's own host."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from analytics.models import DailyAggregate, GMReport
from analytics.services.charts import ACCENT, CHANNEL_COLOURS, Series, bar_chart_svg, funnel_svg
from analytics.services.period import parse_period
from analytics.services.report import CHART_CONTENT_ID
from analytics.services.summary import summary
from properties.permissions import MANAGERS, staff_page


def _daily_rows(first: dt.date, last: dt.date) -> list[DailyAggregate]:
    """One row per day of the period; a day without an aggregate shows as zero, not as a gap."""
    stored = {row.date: row for row in DailyAggregate.objects.filter(date__gte=first, date__lte=last)}
    days = [first + dt.timedelta(days=offset) for offset in range((last - first).days + 1)]
    return [stored.get(day) or DailyAggregate(date=day) for day in days]


@staff_page(MANAGERS)  # commercial figures: managers and platform admins only
def dashboard(request: HttpRequest) -> HttpResponse:
    error = ""
    try:
        first, last = parse_period(request.GET.get("from"), request.GET.get("to"))
    except ValidationError as invalid:
        error = invalid.messages[0]
        first, last = parse_period(None, None)
    rows = _daily_rows(first, last)
    labels = [row.date.strftime("%d %b") for row in rows]
    figures = summary(first, last)
    funnel = figures["funnel"]
    charts = {
        "inquiries": bar_chart_svg(
            "Inquiries per day by channel",
            labels,
            [
                Series("WhatsApp", [r.whatsapp_inquiries for r in rows], CHANNEL_COLOURS["WhatsApp"]),
                Series("Web chat", [r.web_inquiries for r in rows], CHANNEL_COLOURS["Web chat"]),
                Series("E-mail", [r.email_inquiries for r in rows], CHANNEL_COLOURS["E-mail"]),
            ],
        ),
        "after_hours": bar_chart_svg(
            "Share of inquiries after hours",
            labels,
            [
                Series(
                    "After hours",
                    [100 * r.after_hours_inquiries / r.total_inquiries if r.total_inquiries else 0 for r in rows],
                    ACCENT,
                ),
            ],
            stacked=False,
            unit="%",
        ),
        "funnel": funnel_svg(
            "Lead funnel",
            [
                ("Captured", funnel["captured"]),
                ("Contacted", funnel["contacted"]),
                ("Converted", funnel["converted"]),
            ],
        ),
        "revenue": bar_chart_svg(
            "Revenue recovered after hours (estimated)",
            labels,
            [
                Series("Estimated", [float(r.estimated_revenue_recovered or 0) for r in rows], "#25a35a"),
            ],
            stacked=False,
            unit="MYR",
        ),
    }
    context = {
        "first": first,
        "last": last,
        "error": error,
        "rows": rows,
        "charts": charts,
        "period": figures["period"],
        "previous": figures["previous_period"],
        "funnel": funnel,
        "reports": GMReport.objects.only("id", "report_date", "subject", "sent_at")[:14],
        "schema": connection.schema_name,
    }
    return render(request, "analytics/dashboard.html", context)


@staff_page(MANAGERS)
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    report = get_object_or_404(GMReport, pk=report_id)
    # The e-mail points at its chart by Content-ID; on the page it is served by URL instead.
    chart_url = reverse("analytics:report-chart", args=[report.pk])
    html = report.html.replace(f"cid:{CHART_CONTENT_ID}", chart_url)
    response = render(request, "analytics/report_detail.html", {"report": report, "report_html": html})
    # The preview iframe (srcdoc, sandboxed: no scripts) inherits this page's CSP, and an e-mail's
    # styles are inline attributes: allow inline styles on this page only.
    response._csp_update = {"style-src": ["'unsafe-inline'"]}  # type: ignore[attr-defined]
    return response


@staff_page(MANAGERS)
def report_chart(request: HttpRequest, report_id: int) -> HttpResponse:
    report = get_object_or_404(GMReport, pk=report_id)
    return HttpResponse(bytes(report.chart_png), content_type="image/png")

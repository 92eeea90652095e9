"""The managers' analytics page and the stored reports, on the property's own host."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from analytics.models import GMReport
from analytics.services.aggregation import daily_rows
from analytics.services.charts import ACCENT, CHANNEL_COLOURS, MUTED, Series, bar_chart_svg, funnel_svg
from analytics.services.export import daily_csv
from analytics.services.period import PRESETS, parse_period
from analytics.services.report import page_html, property_currency
from analytics.services.summary import summary
from properties.permissions import MANAGERS, staff_page


def _period(request: HttpRequest) -> tuple[dt.date, dt.date, str]:
    """The period asked for, or the default one with the reason the request was refused."""
    try:
        first, last = parse_period(request.GET.get("from"), request.GET.get("to"), request.GET.get("preset"))
    except ValidationError as invalid:
        return *parse_period(None, None), invalid.messages[0]
    return first, last, ""


@staff_page(MANAGERS)  # commercial figures: managers and platform admins only
def dashboard(request: HttpRequest) -> HttpResponse:
    first, last, error = _period(request)
    rows = daily_rows(first, last)
    labels = [row.date.strftime("%d %b") for row in rows]
    figures = summary(first, last, rows)
    funnel = figures["funnel"]
    currency = property_currency()  # the property's own, on every amount the page shows
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
            "Revenue per day",
            labels,
            [
                Series("Converted", [float(r.converted_revenue or 0) for r in rows], "#25a35a"),
                Series("Expected, still open", [float(r.estimated_revenue_recovered or 0) for r in rows], MUTED),
            ],
            stacked=False,
            unit=currency,
        ),
    }
    context = {
        "first": first,
        "last": last,
        "error": error,
        "rows": rows,
        "presets": PRESETS,
        "preset": request.GET.get("preset", ""),
        "charts": charts,
        "period": figures["period"],
        "previous": figures["previous_period"],
        "funnel": funnel,
        "currency": currency,
        "reports": GMReport.objects.only("id", "report_date", "subject", "sent_at")[:14],
        "schema": connection.schema_name,
    }
    return render(request, "analytics/dashboard.html", context)


@staff_page(MANAGERS)
def daily_export(request: HttpRequest) -> HttpResponse:
    """The page's daily figures as CSV, for the same period (today live, marked so)."""
    first, last, error = _period(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(daily_csv(daily_rows(first, last)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="daily-figures-{first}-to-{last}.csv"'
    return response


@staff_page(MANAGERS)
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    report = get_object_or_404(GMReport, pk=report_id)
    html = page_html(report, reverse("analytics:report-chart", args=[report.pk]))
    response = render(request, "analytics/report_detail.html", {"report": report, "report_html": html})
    # The preview iframe (srcdoc, sandboxed: no scripts) inherits this page's CSP, and an e-mail's
    # styles are inline attributes: allow inline styles on this page only.
    response._csp_update = {"style-src": ["'unsafe-inline'"]}  # type: ignore[attr-defined]
    return response


@staff_page(MANAGERS)
def report_chart(request: HttpRequest, report_id: int) -> HttpResponse:
    report = get_object_or_404(GMReport, pk=report_id)
    return HttpResponse(bytes(report.chart_png), content_type="image/png")

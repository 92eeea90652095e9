"""The GM's daily report: yesterday against the same day a week before, the leads to call back first,
and a chart; stored as sent so the dashboard shows exactly what the GM received."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from email.mime.image import MIMEImage

import structlog
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape

from analytics.models import DailyAggregate, GMReport, ReportSettings
from analytics.services.aggregation import compute_day, daily_rows, local_day_bounds
from analytics.services.charts import CHANNEL_COLOURS, Series, inquiries_png
from analytics.services.summary import period_figures
from core.timefmt import duration_words
from gaps.services.report import gaps_between, inbox_url, top_open_gaps
from leads.models import Lead, LeadSettings, LeadStatus, Priority
from properties.services import current_property

logger = structlog.get_logger(__name__)
CHART_CONTENT_ID = "inquiries-chart"
# The open pipeline only: a lead that converted is in the converted revenue, one that was lost in neither.
FORECAST_LABEL = "Expected revenue, open after-hours leads (forecast)"


def callback_leads(day: dt.date, limit: int) -> list[Lead]:
    """After-hours leads still open from the start of `day` until the report is made, most valuable
    and most urgent first.

    A night runs past midnight: the report on yesterday, read at 8 am, lists the guest who asked for a room
    at 1 am too, not a day later in tomorrow's report. The list stops at the end of the day after `day`, so
    a report made again later lists the same night.
    """
    property_ = current_property()
    start, _ = local_day_bounds(property_, day)
    end = min(timezone.now(), local_day_bounds(property_, day + dt.timedelta(days=1))[1])
    priority_rank = {Priority.HIGH: 0, Priority.MEDIUM: 1, Priority.LOW: 2}
    leads = list(
        Lead.objects.filter(
            created_at__gte=start,
            created_at__lt=end,
            is_after_hours=True,
            status__in=[LeadStatus.NEW, LeadStatus.CONTACTED],
        )
    )
    leads.sort(key=lambda lead: (priority_rank.get(lead.priority, 3), -(lead.estimated_value or Decimal("0"))))
    return leads[:limit]


def property_currency() -> str:
    """The currency the property's amounts are in (its lead settings): the report's and the analytics page's."""
    return LeadSettings.cached().currency


def _change(now: float | Decimal | None, before: float | Decimal | None) -> str:
    if now is None or before is None:
        return "–"
    if before == 0:
        return "new" if now else "="
    delta = round((float(now) - float(before)) / float(before) * 100)
    return f"{delta:+d}%" if delta else "0%"


def build_report(day: dt.date) -> GMReport:
    """Render (not send) the report for `day`; the aggregates of the day and the week before are refreshed."""
    property_ = current_property()
    week_before = day - dt.timedelta(days=7)
    for date in (day, week_before):
        if not DailyAggregate.objects.filter(date=date).exists():
            compute_day(date, property_)
    today_figures, before_figures = period_figures(day, day), period_figures(week_before, week_before)
    rows = [
        ("Inquiries", today_figures.total_inquiries, before_figures.total_inquiries),
        ("After hours", today_figures.after_hours_inquiries, before_figures.after_hours_inquiries),
        ("Leads captured", today_figures.leads_captured, before_figures.leads_captured),
        ("Handed to staff", today_figures.handoffs, before_figures.handoffs),
        ("Resolved by the AI alone", today_figures.resolved_by_ai, before_figures.resolved_by_ai),
        (
            "AI first response",
            today_figures.ai_first_response_avg_seconds,
            before_figures.ai_first_response_avg_seconds,
        ),
        (
            "Staff first response",
            today_figures.staff_first_response_avg_seconds,
            before_figures.staff_first_response_avg_seconds,
        ),
        ("Conversions", today_figures.conversions, before_figures.conversions),
        ("Converted revenue", today_figures.converted_revenue, before_figures.converted_revenue),
        (
            FORECAST_LABEL,
            today_figures.estimated_revenue_recovered,
            before_figures.estimated_revenue_recovered,
        ),
    ]
    # Questions the knowledge could not answer: gaps opened and closed that local day (the gap inbox's own counts).
    gaps_today = gaps_between(*local_day_bounds(property_, day))
    gaps_before = gaps_between(*local_day_bounds(property_, week_before))
    rows += [
        ("New unanswered questions", gaps_today.opened, gaps_before.opened),
        ("Unanswered questions closed", gaps_today.closed, gaps_before.closed),
    ]
    durations = {"AI first response", "Staff first response"}
    amounts = {"Converted revenue", FORECAST_LABEL}
    # Every amount with the property's currency, in both parts and in the month's line alike ("MYR 0.00").
    currency = property_currency()

    def shown(label: str, value: float | Decimal | None) -> object:
        if label in durations:
            return duration_words(value)
        return f"{currency} {value}" if label in amounts and value is not None else value

    figures = [
        {"label": label, "value": shown(label, now), "before": shown(label, before), "change": _change(now, before)}
        for label, now, before in rows
    ]
    report_settings = ReportSettings.current()
    leads = callback_leads(day, report_settings.callback_list_size)
    last_week = daily_rows(day - dt.timedelta(days=6), day)
    # The month so far, added up by the same code as the analytics page, its CSV and the API.
    month = period_figures(day.replace(day=1), day)
    chart = inquiries_png(
        [row.date.strftime("%a") for row in last_week],
        [
            Series("WhatsApp", [row.whatsapp_inquiries for row in last_week], CHANNEL_COLOURS["WhatsApp"]),
            Series("Web chat", [row.web_inquiries for row in last_week], CHANNEL_COLOURS["Web chat"]),
            Series("E-mail", [row.email_inquiries for row in last_week], CHANNEL_COLOURS["E-mail"]),
        ],
        "Inquiries, last 7 days",
    )
    context = {
        "property": property_,
        "day": day,
        "week_before": week_before,
        "figures": figures,
        "month": month,
        "leads": leads,
        "currency": currency,
        "chart_cid": CHART_CONTENT_ID,
        "gaps": top_open_gaps(property_),
        "gaps_url": inbox_url(property_),
    }
    inquiries, leads_captured = today_figures.total_inquiries, today_figures.leads_captured
    subject = (
        f"{property_.name}: {inquiries} {'inquiry' if inquiries == 1 else 'inquiries'}, "
        f"{leads_captured} {'lead' if leads_captured == 1 else 'leads'} on {day:%a %d %b}"
    )
    with timezone.override(property_.tzinfo):  # any time the report shows is the hotel's own
        html = render_to_string("analytics/report_email.html", context)
        text = render_to_string("analytics/report_email.txt", context)
    return GMReport(
        report_date=day,
        recipient=property_.notification_email,
        subject=subject,
        html=html,
        text=text,
        chart_png=chart,
        figures={
            "today": today_figures.as_json(),
            "week_before": before_figures.as_json(),
            "month_to_date": month.as_json(),
        },
    )


PHONE_STYLE = "analytics/_report_phone_style.html"


def page_html(report: GMReport, chart_url: str) -> str:
    """The stored report as the dashboard's page shows it: its chart by URL (the e-mail names it by Content-ID), and
    the phone layout given to a report stored before it had one, so an older report reads on a phone too."""
    html = report.html.replace(f"cid:{CHART_CONTENT_ID}", chart_url)
    if 'id="report-phone-style"' not in html:
        html = html.replace("</head>", render_to_string(PHONE_STYLE) + "</head>", 1)
    return html


def send_report(day: dt.date) -> GMReport | None:
    """Build, store and e-mail the report for `day`, once: a second call finds it sent and does nothing."""
    property_ = current_property()
    if not property_.notification_email:
        logger.warning("no notification address: daily report not sent", day=day.isoformat())
        return None
    with transaction.atomic():
        existing = GMReport.objects.select_for_update().filter(report_date=day).first()
        if existing is not None and existing.sent_at is not None:
            return None
        report = build_report(day)
        if existing is not None:
            report.pk, report.created_at = existing.pk, existing.created_at
        report.save()
        message = EmailMultiAlternatives(
            subject=report.subject, body=report.text, from_email=settings.DEFAULT_FROM_EMAIL, to=[report.recipient]
        )
        message.attach_alternative(report.html, "text/html")
        message.mixed_subtype = "related"
        image = MIMEImage(bytes(report.chart_png), _subtype="png")
        image.add_header("Content-ID", f"<{CHART_CONTENT_ID}>")
        image.add_header("Content-Disposition", "inline", filename="inquiries.png")
        message.attach(image)
        # Sent inside the transaction on purpose: if the mail server refuses, the report stays
        # unsent and the next run tries again; a report is never marked sent that was not.
        message.send()
        report.sent_at = timezone.now()
        report.save(update_fields=["sent_at"])
    return report


def send_report_if_due(now: dt.datetime | None = None) -> GMReport | None:
    """The beat job's step for one property: yesterday's report once the local send time has passed."""
    report_settings = ReportSettings.current()
    if not report_settings.enabled:
        return None
    local_now = current_property().local_now(now)
    if local_now.time() < report_settings.send_at:
        return None
    yesterday = local_now.date() - dt.timedelta(days=1)
    if GMReport.objects.filter(report_date=yesterday, sent_at__isnull=False).exists():
        return None
    return send_report(yesterday)


# A row of a stored report: a table row of the HTML part, a "- " line of the text part (a callback lead's or a
# top question's).
_HTML_ROW = re.compile(r"<tr style=\"border-bottom:[^\"]*\">.*?</tr>", re.DOTALL)
_TEXT_ROW = re.compile(r"^- .*$", re.MULTILINE)
ERASED_ROW = "(a guest erased at their request)"
ERASED_QUESTION = "(a question of a guest erased at their request)"


def _names(row: str, value: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(value)}(?!\w)", row) is not None


def _lead_row(row: str, lead: Lead, *, html: bool) -> bool:
    """Whether `row` is this lead's: by any contact the lead holds now (the report showed the one it held then: an
    e-mail before the number came), or by name where the row showed none."""
    shown = escape if html else str
    if any(contact and _names(row, shown(contact)) for contact in (lead.phone, lead.email)):
        return True
    no_contact = "<td>–</td>" if html else "; no contact;"
    return bool(lead.guest_name) and no_contact in row and _names(row, shown(lead.guest_name))


def _quoted(wording: str) -> tuple[str, ...]:
    """How a report quoted a guest's question: the templates escape it (the text part too: Django escapes every
    template); unescaped as well, for a part written without. The curly quotes make it the whole example, so
    another guest's longer question that contains these words is not taken for it."""
    return tuple({f"“{escape(wording)}”", f"“{wording}”"})


def redact_reports(leads: Iterable[Lead], questions: Iterable[str] = ()) -> int:
    """Take erased guests out of every stored report, row by row: the callback rows of their leads (name and
    contact), and their own words where a top question quoted them (`questions`, as `report_wording` shows them;
    the question's count and link stay). The rest stays as sent. Returns how many reports changed."""
    leads = [lead for lead in leads if lead.phone or lead.email or lead.guest_name]
    quotes = {quote for wording in questions for quote in _quoted(wording)}
    if not leads and not quotes:
        return 0
    html_row = f'<tr style="border-bottom:1px solid #e3e6ee"><td colspan="5">{ERASED_ROW}</td></tr>'

    def redact_row(row: str, replacement: str, html: bool) -> str:
        if any(_lead_row(row, lead, html=html) for lead in leads):
            return replacement
        for quote in quotes:
            row = row.replace(quote, ERASED_QUESTION)
        return row

    def redact(pattern: re.Pattern[str], text: str, replacement: str, html: bool) -> str:
        return pattern.sub(lambda m: redact_row(m.group(0), replacement, html), text)

    changed = 0
    for report in GMReport.objects.all().iterator(chunk_size=100):
        html = redact(_HTML_ROW, report.html, html_row, True)
        text = redact(_TEXT_ROW, report.text, f"- {ERASED_ROW}", False)
        if (html, text) != (report.html, report.text):
            report.html, report.text = html, text
            report.save(update_fields=["html", "text"])
            changed += 1
    return changed

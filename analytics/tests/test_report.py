from __future__ import annotations

import datetime as dt
import re
import smtplib
from decimal import Decimal

import pytest
from django.core import mail
from django.test import override_settings

from analytics.models import DailyAggregate, GMReport, ReportSettings
from analytics.services.report import FORECAST_LABEL, build_report, send_report, send_report_if_due
from analytics.tests.conftest import conversation_at, kl, lead_for
from conftest import host_client
from conversations.models import Channel
from leads.models import LeadSettings, Priority
from properties.models import Property

NOV_20 = dt.date(2026, 11, 20)

pytestmark = pytest.mark.usefixtures("in_a")


@pytest.fixture(autouse=True)
def outbox_mail():
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        yield


def _a_busy_night() -> None:
    conversation_at(kl(2026, 11, 13, 22))  # the week before: one inquiry
    for hour, channel in [(10, Channel.WEB), (22, Channel.WHATSAPP), (23, Channel.WHATSAPP)]:
        conversation = conversation_at(kl(2026, 11, 20, hour), channel, after_hours=hour >= 22)
        if hour >= 22:
            lead_for(
                conversation,
                "1200.00" if hour == 22 else "380.00",
                after_hours=True,
                created=kl(2026, 11, 20, hour, 10),
                guest_name=f"Guest {hour}",
                phone=f"+6012345{hour}00",
                priority=Priority.HIGH if hour == 23 else Priority.MEDIUM,
            )


def _cell(html: str, label: str) -> str:
    match = re.search(rf'data-figure="{re.escape(label)}"><strong>([^<]*)</strong>', html)
    assert match, label
    return match.group(1)


def test_the_rendered_report_shows_the_aggregates(world):
    _a_busy_night()
    report = build_report(NOV_20)
    aggregate = DailyAggregate.objects.get(date=NOV_20)
    assert _cell(report.html, "Inquiries") == str(aggregate.total_inquiries) == "3"
    assert _cell(report.html, "After hours") == str(aggregate.after_hours_inquiries) == "2"
    assert _cell(report.html, "Leads captured") == str(aggregate.leads_captured) == "2"
    assert _cell(report.html, FORECAST_LABEL) == f"MYR {aggregate.estimated_revenue_recovered}" == "MYR 1580.00"
    assert "Inquiries: 3 (week before: 1, +200%)" in report.text
    # High priority first, then by value.
    assert report.html.index("Guest 23") < report.html.index("Guest 22")
    assert report.chart_png.startswith(b"\x89PNG")
    assert report.figures["today"]["estimated_revenue_recovered"] == "1580.00"


def test_the_figures_column_is_headed_with_the_day_the_report_covers(world, freeze_now):
    """A report made again a week later still says which day its figures are: never "Yesterday"."""
    _a_busy_night()
    freeze_now(kl(2026, 11, 28, 9, 0))
    report = build_report(NOV_20)
    header = re.search(r"<tr[^>]*><th[^>]*>Figure</th>(.*?)</tr>", report.html, re.S)
    assert header and re.findall(r"<th[^>]*>([^<]*)</th>", header.group(1))[0] == "Fri 20 Nov"
    assert "Yesterday" not in report.html


def test_every_amount_of_the_report_and_the_analytics_page_carries_the_propertys_currency(world):
    """A GM reading "Converted revenue: 0.00" beside "MYR 0.00" cannot tell what the first is in; a hotel that
    prices in another currency must not see MYR anywhere."""
    _a_busy_night()
    LeadSettings.update_current(currency="SGD")
    report = build_report(NOV_20)
    assert "Converted revenue: SGD 0.00 (week before: SGD 0.00, =)" in report.text
    assert f"{FORECAST_LABEL}: SGD 1580.00 (week before: SGD 0.00, new)" in report.text
    assert "SGD 0.00 converted revenue" in report.text  # the month to date
    assert _cell(report.html, "Converted revenue") == "SGD 0.00"
    assert _cell(report.html, FORECAST_LABEL) == "SGD 1580.00"
    assert 'data-figure="converted_revenue">SGD 0.00<' in report.html
    # No amount without its currency: every figure with a decimal point is preceded by it.
    for part in (report.text, report.html):
        assert "MYR" not in part
        assert not re.findall(r"(?<!SGD )\b\d+\.\d{2}\b", part), re.findall(r".{30}\b\d+\.\d{2}\b", part)
    report.save()
    client = host_client(world.a, world.manager_a)
    page = client.get(f"/analytics/reports/{report.pk}/").content.decode()
    assert "SGD 1580.00" in page and "MYR" not in page
    page = client.get("/analytics/?from=2026-11-14&to=2026-11-20").content.decode()
    assert "Converted revenue (SGD, booked value)" in page and "(SGD, forecast)" in page and "MYR" not in page


def test_the_report_is_mailed_once_with_html_text_and_chart(world):
    _a_busy_night()
    report = send_report(NOV_20)
    assert report is not None and report.sent_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [Property.objects.get(pk=world.a.pk).notification_email] == [report.recipient]
    assert message.body == report.text
    assert message.alternatives[0][1] == "text/html"
    assert 'src="cid:inquiries-chart"' in message.alternatives[0][0]
    image = message.attachments[0]
    assert image.get_content_type() == "image/png" and image["Content-ID"] == "<inquiries-chart>"
    assert send_report(NOV_20) is None
    assert len(mail.outbox) == 1 and GMReport.objects.count() == 1


def test_a_refused_mail_leaves_the_report_unsent(world):
    _a_busy_night()
    with (
        override_settings(EMAIL_BACKEND="analytics.tests.test_report.RefusingBackend"),
        pytest.raises(smtplib.SMTPException),
    ):
        send_report(NOV_20)
    assert not GMReport.objects.filter(sent_at__isnull=False).exists()
    assert send_report(NOV_20) is not None  # the next run sends it


class RefusingBackend:
    def __init__(self, **kwargs: object) -> None:
        pass

    def send_messages(self, messages: list) -> int:
        raise smtplib.SMTPServerDisconnected("the mail server went away")


def test_the_report_goes_out_after_the_local_send_time_only(world, freeze_now):
    _a_busy_night()
    ReportSettings.objects.update_or_create(pk=1, defaults={"send_at": dt.time(7, 30)})
    freeze_now(kl(2026, 11, 21, 7, 0))
    assert send_report_if_due() is None
    freeze_now(kl(2026, 11, 21, 7, 31))
    assert send_report_if_due().report_date == NOV_20
    assert send_report_if_due() is None
    assert len(mail.outbox) == 1


def test_a_disabled_report_is_not_sent(world, freeze_now):
    ReportSettings.objects.update_or_create(pk=1, defaults={"enabled": False})
    freeze_now(kl(2026, 11, 21, 9, 0))
    assert send_report_if_due() is None
    assert mail.outbox == []


def test_the_call_back_list_holds_the_whole_night_up_to_the_morning_the_report_is_made(world, freeze_now):
    """The report on Friday, read at 8 am on Saturday, lists the guest who asked for a room at 1:30 am too."""
    _a_busy_night()  # Guest 22 and Guest 23 on Friday night (20 November)
    conversation = conversation_at(kl(2026, 11, 21, 1, 30), after_hours=True)
    night = kl(2026, 11, 21, 1, 35)
    lead_for(conversation, "900.00", after_hours=True, created=night, guest_name="Guest past midnight")
    later = conversation_at(kl(2026, 11, 22, 1, 0), after_hours=True)  # the next night: the next report's
    lead_for(later, "900.00", after_hours=True, created=kl(2026, 11, 22, 1, 5), guest_name="Guest of Sunday")

    freeze_now(kl(2026, 11, 21, 8, 0))
    report = build_report(NOV_20)
    assert all(name in report.html for name in ("Guest 23", "Guest 22", "Guest past midnight"))
    assert "Guest past midnight" in report.text and "since Fri 20 Nov" in report.text
    # The figures stay the day's own: the lead after midnight counts on Saturday.
    assert report.figures["today"]["leads_captured"] == 2

    freeze_now(kl(2026, 11, 23, 8, 0))  # made again two days on: the same night, not the next one
    assert "Guest of Sunday" not in build_report(NOV_20).html


def test_one_of_a_thing_is_said_in_the_singular(world):
    """A GM reads the subject every morning: "1 inquiry, 1 lead", not "1 inquiries, 1 leads"."""
    conversation = conversation_at(kl(2026, 11, 20, 23), after_hours=True)
    lead_for(conversation, "380.00", after_hours=True, created=kl(2026, 11, 20, 23, 10))
    report = build_report(NOV_20)
    assert report.subject == "Alpha Hotel: 1 inquiry, 1 lead on Fri 20 Nov"
    assert "1 inquiry, 1 lead, 0 conversions, MYR 0.00 converted revenue" in report.text


def test_revenue_is_a_decimal_sum(world):
    _a_busy_night()
    assert build_report(NOV_20).figures["today"]["estimated_revenue_recovered"] == str(Decimal("1580.00"))


def _a_travel_agents_lead() -> None:
    """A lead whose name and e-mail address are long (a travel agency's): five columns of them ran off a phone."""
    conversation = conversation_at(kl(2026, 11, 20, 23, 30), Channel.EMAIL, after_hours=True)
    lead_for(conversation, "950.00", after_hours=True, created=kl(2026, 11, 20, 23, 40),
             guest_name="Christopher Montgomery-Fitzgerald",
             email="reservations.christopher.montgomery@example-travel-agency.com")  # fmt: skip


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for cell in ('[data-figure="Inquiries"]', f'[data-figure="{FORECAST_LABEL}"]', "#callbacks td"):
        for box in (element.bounding_box() for element in page.locator(cell).all()):  # beside its label, on screen
            assert box is not None and box["x"] + box["width"] <= width, cell


@pytest.mark.parametrize("width", [360, 390])
def test_the_report_reads_on_a_phone_without_scrolling_sideways(world, request, width):
    _a_busy_night()
    _a_travel_agents_lead()
    report = build_report(NOV_20)
    # Chromium only once the report is built: Playwright's event loop would give the ORM another connection.
    page = request.getfixturevalue("browser").new_page(viewport={"width": width, "height": 800})
    page.set_content(report.html)
    _fits(page, width)
    # The call-back list stacks on a phone: a lead's details under its name, not five columns side by side.
    name, contact = (page.locator("#callbacks td").nth(i).bounding_box() for i in (0, 2))
    assert contact["y"] > name["y"] and contact["x"] < name["x"] + name["width"]
    page.set_viewport_size({"width": 1366, "height": 800})  # on a desktop, a table: one lead a row
    name, contact = (page.locator("#callbacks td").nth(i).bounding_box() for i in (0, 2))
    assert contact["y"] == name["y"] and contact["x"] > name["x"] + name["width"]
    page.close()


def test_a_report_stored_before_the_phone_layout_reads_on_a_phone_in_the_dashboard(world, request, manager_a):
    _a_busy_night()
    _a_travel_agents_lead()
    report = build_report(NOV_20)
    report.html = re.sub(r'<style id="report-phone-style">.*?</style>', "", report.html, flags=re.S)
    report.save()
    shown = host_client(world.a, manager_a).get(f"/analytics/reports/{report.pk}/").content.decode()
    page = request.getfixturevalue("browser").new_page(viewport={"width": 390, "height": 800})
    page.set_content(shown)  # the page's own stylesheet is not loaded here: the preview is 300 px wide
    preview = page.frame_locator("iframe.report-preview")
    preview.locator("#callbacks").wait_for()
    width = page.locator("iframe.report-preview").bounding_box()["width"]
    assert width < 390
    frame = page.frames[1]
    assert frame.evaluate("document.documentElement.scrollWidth") <= frame.evaluate(
        "document.documentElement.clientWidth"
    )
    page.close()

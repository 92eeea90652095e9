"""Figures that add up: for a seeded month, the analytics page, the API (summary and daily rows), the
daily CSV and the report e-mail give the same inquiries, leads, conversions and converted revenue for
the same period — today included, computed live by the code of the nightly aggregate."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django_tenants.utils import schema_context

from analytics.models import DailyAggregate
from analytics.services.aggregation import compute_range
from analytics.services.report import FORECAST_LABEL, build_report
from analytics.tests.conftest import conversation_at, kl, lead_for
from conftest import host_client
from leads.models import LeadStatus

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 25)
NOW = kl(2026, 11, 25, 16, 0)  # Wednesday afternoon in Kuala Lumpur


@pytest.fixture
def seeded_month(world: Any, freeze_now: Any) -> dict[str, Any]:
    """Nov 1–25: two conversations a day (the second after hours), a lead every other day, a conversion
    every fourth day (booked value, or the value staff recorded); the finished days aggregated nightly,
    today not, and one conversion made just now."""
    freeze_now(NOW)
    expected = {"inquiries": 0, "leads": 0, "conversions": 0, "revenue": Decimal("0")}
    with schema_context(world.a.schema_name):
        for day in range(1, 26):
            morning = conversation_at(kl(2026, 11, day, 10))
            conversation_at(kl(2026, 11, day, 23), after_hours=True)
            expected["inquiries"] += 2
            if day % 2:
                continue
            extra: dict[str, Any] = {"booking_value": Decimal(100 * day)}
            if day % 4 == 0:
                # Converted the next morning (today's conversion lands today, by its own date).
                converted_at = min(kl(2026, 11, day + 1, 9), NOW)
                extra |= {"status": LeadStatus.CONVERTED, "converted_at": converted_at}
                if day % 8 == 0:
                    extra["converted_value"] = Decimal(90 * day)  # what staff recorded wins
                expected["conversions"] += 1
                expected["revenue"] += extra.get("converted_value", extra["booking_value"])
            lead_for(morning, "10", after_hours=False, created=kl(2026, 11, day, 10, 5), **extra)
            expected["leads"] += 1
        compute_range(dt.date(2026, 11, 1), TODAY - dt.timedelta(days=1))
        assert not DailyAggregate.objects.filter(date=TODAY).exists()  # today has no nightly row yet
    return expected


def _csv_totals(text: str) -> dict[str, Any]:
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[-1]["date"] == TODAY.isoformat() and rows[-1]["live"] == "yes"
    return {
        "inquiries": sum(int(r["total_inquiries"]) for r in rows),
        "leads": sum(int(r["leads_captured"]) for r in rows),
        "conversions": sum(int(r["conversions"]) for r in rows),
        "revenue": sum((Decimal(r["converted_revenue"]) for r in rows), Decimal("0")),
    }


def _figure(html: str, name: str, section: str = "") -> str:
    scope = html[html.index(section) :] if section else html
    match = re.search(rf'data-figure="{name}"[^>]*>([^<]+)<', scope)
    assert match, name
    return match.group(1).replace("MYR", "").strip()


def test_the_page_the_api_the_csv_and_the_report_give_the_same_month_including_today(
    world: Any, seeded_month: dict[str, Any]
) -> None:
    expected = seeded_month
    assert expected["conversions"] == 6 and expected["inquiries"] == 50  # the seed is what it claims

    api = host_client(None, world.manager_a)
    summary = api.get(f"/api/v1/properties/{world.a.pk}/analytics/summary?preset=mtd").json()["period"]
    assert (summary["first"], summary["last"]) == ("2026-11-01", "2026-11-25")
    from_api = {
        "inquiries": summary["total_inquiries"],
        "leads": summary["leads_captured"],
        "conversions": summary["conversions"],
        "revenue": Decimal(summary["converted_revenue"]),
    }
    daily = api.get(f"/api/v1/properties/{world.a.pk}/analytics?preset=mtd").json()
    assert daily[-1]["date"] == TODAY.isoformat() and daily[-1]["live"] is True
    from_daily_api = {
        "inquiries": sum(r["total_inquiries"] for r in daily),
        "leads": sum(r["leads_captured"] for r in daily),
        "conversions": sum(r["conversions"] for r in daily),
        "revenue": sum((Decimal(r["converted_revenue"]) for r in daily), Decimal("0")),
    }

    page_client = host_client(world.a, world.manager_a)
    page = page_client.get("/analytics/?preset=mtd").content.decode()
    from_page = {
        "inquiries": int(_figure(page, "total_inquiries")),
        "leads": int(_figure(page, "leads_captured")),
        "conversions": int(_figure(page, "conversions")),
        "revenue": Decimal(_figure(page, "converted_revenue")),
    }
    response = page_client.get("/analytics/daily.csv?from=2026-11-01&to=2026-11-25")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    from_csv = _csv_totals(response.content.decode())

    with schema_context(world.a.schema_name):
        report = build_report(TODAY)
    month = report.figures["month_to_date"]
    from_report = {
        "inquiries": month["total_inquiries"],
        "leads": month["leads_captured"],
        "conversions": month["conversions"],
        "revenue": Decimal(month["converted_revenue"]),
    }
    from_email = {
        "inquiries": int(_figure(report.html, "total_inquiries", 'id="month"')),
        "leads": int(_figure(report.html, "leads_captured", 'id="month"')),
        "conversions": int(_figure(report.html, "conversions", 'id="month"')),
        "revenue": Decimal(_figure(report.html, "converted_revenue", 'id="month"')),
    }

    assert from_api == expected
    assert from_daily_api == expected
    assert from_page == expected
    assert from_csv == expected
    assert from_report == expected
    assert from_email == expected


def test_a_lead_that_converted_or_was_lost_leaves_the_forecast_on_every_door(world: Any, freeze_now: Any) -> None:
    """The forecast is the open pipeline, read now: a lead stored as open one night and converted since counts
    in the booked revenue alone, and a lost one in neither, so forecast + booked never counts a lead twice."""
    freeze_now(NOW)
    leads = {}
    with schema_context(world.a.schema_name):
        for day, name, value in [(20, "open", "300"), (21, "converts", "500"), (22, "lost", "200")]:
            conversation = conversation_at(kl(2026, 11, day, 23), after_hours=True)
            leads[name] = lead_for(conversation, value, after_hours=True, created=kl(2026, 11, day, 23, 5),
                                   booking_value=Decimal("1000"))  # fmt: skip
        compute_range(dt.date(2026, 11, 1), TODAY - dt.timedelta(days=1))  # stored while all three were open
        leads["converts"].status, leads["converts"].converted_at = LeadStatus.CONVERTED, kl(2026, 11, 25, 9)
        leads["converts"].save()
        leads["lost"].status = LeadStatus.LOST
        leads["lost"].save()
        # Today, live: a night lead converted this morning.
        tonight = conversation_at(kl(2026, 11, 25, 1), after_hours=True)
        lead_for(tonight, "700", after_hours=True, created=kl(2026, 11, 25, 1, 5), booking_value=Decimal("1400"),
                 status=LeadStatus.CONVERTED, converted_at=kl(2026, 11, 25, 10))  # fmt: skip

    api = host_client(None, world.manager_a)
    summary = api.get(f"/api/v1/properties/{world.a.pk}/analytics/summary?preset=mtd").json()
    daily = api.get(f"/api/v1/properties/{world.a.pk}/analytics?preset=mtd").json()
    page_client = host_client(world.a, world.manager_a)
    page = page_client.get("/analytics/?preset=mtd").content.decode()
    rows = list(csv.DictReader(io.StringIO(page_client.get("/analytics/daily.csv?preset=mtd").content.decode())))
    forecasts = {
        "api": Decimal(summary["period"]["estimated_revenue_recovered"]),
        "daily api": sum((Decimal(r["estimated_revenue_recovered"]) for r in daily), Decimal("0")),
        "page": Decimal(_figure(page, "estimated_revenue_recovered")),
        "csv": sum((Decimal(r["estimated_revenue_recovered"]) for r in rows), Decimal("0")),
    }
    assert forecasts == dict.fromkeys(forecasts, Decimal("300.00"))
    assert summary["period"]["converted_revenue"] == "2400.00"
    # The funnel reads "reached at least": the converted were contacted; the lost lead is in Captured only.
    assert summary["funnel"] == {"captured": 4, "contacted": 2, "converted": 2, "lost": 1}
    assert "reached at least it" in page and "Lost: 1 (in Captured only)" in page

    with schema_context(world.a.schema_name):
        converted_day, lost_day = build_report(dt.date(2026, 11, 21)), build_report(dt.date(2026, 11, 22))
    for report in (converted_day, lost_day):
        assert report.figures["today"]["estimated_revenue_recovered"] == "0.00"
        assert f"{FORECAST_LABEL}: MYR 0.00" in report.text


def test_a_conversion_made_now_shows_today_before_any_nightly_run(world: Any, freeze_now: Any) -> None:
    freeze_now(NOW)
    with schema_context(world.a.schema_name):
        conversation = conversation_at(kl(2026, 11, 25, 11))
        lead_for(conversation, "10", after_hours=False, created=kl(2026, 11, 25, 11, 5), booking_value=Decimal("640"),
                 status=LeadStatus.CONVERTED, converted_at=NOW)  # fmt: skip
    body = host_client(None, world.manager_a).get(f"/api/v1/properties/{world.a.pk}/analytics?preset=7d").json()
    today = body[-1]
    assert today["date"] == "2026-11-25" and today["live"] is True
    assert (today["conversions"], today["converted_revenue"]) == (1, "640.00")
    assert (today["total_inquiries"], today["leads_captured"]) == (1, 1)


def test_presets_cover_7_30_90_days_and_the_month_to_date_ending_today(world: Any, freeze_now: Any) -> None:
    freeze_now(NOW)
    api = host_client(None, world.manager_a)
    spans = {}
    for preset in ("7d", "30d", "90d", "mtd"):
        period = api.get(f"/api/v1/properties/{world.a.pk}/analytics/summary?preset={preset}").json()["period"]
        spans[preset] = (period["first"], period["last"])
    assert spans == {
        "7d": ("2026-11-19", "2026-11-25"),
        "30d": ("2026-10-27", "2026-11-25"),
        "90d": ("2026-08-28", "2026-11-25"),
        "mtd": ("2026-11-01", "2026-11-25"),
    }
    bad = api.get(f"/api/v1/properties/{world.a.pk}/analytics/summary?preset=5y")
    future = api.get(f"/api/v1/properties/{world.a.pk}/analytics?from=2026-11-20&to=2026-11-26")
    assert bad.status_code == 400 and future.status_code == 400 and "after today" in future.json()["detail"]


def test_the_exports_are_for_the_propertys_managers_only(world: Any, freeze_now: Any) -> None:
    freeze_now(NOW)
    for path in ("/analytics/daily.csv", "/leads/export.csv"):
        assert host_client(world.a, world.agent_a).get(path).status_code == 403, path
        assert host_client(world.a, world.manager_b).get(path).status_code == 404, path
        assert host_client(world.a, world.manager_a).get(path).status_code == 200, path


def test_the_leads_csv_follows_the_pages_filter_and_keeps_values_apart(world: Any, freeze_now: Any) -> None:
    freeze_now(NOW)
    with schema_context(world.a.schema_name):
        first = conversation_at(kl(2026, 11, 24, 23), after_hours=True)
        first.guest.name = "=HYPERLINK(evil)"
        lead_for(first, "450.00", after_hours=True, created=kl(2026, 11, 24, 23, 5), booking_value=Decimal("500"),
                 lead_score=90, guest_name="=HYPERLINK(evil)", room_type="Deluxe, sea view\n=1+1")  # fmt: skip
        lead_for(conversation_at(kl(2026, 11, 24, 10)), "10", after_hours=False, created=kl(2026, 11, 24, 10, 5))
    text = host_client(world.a, world.manager_a).get("/leads/export.csv?after_hours=yes").content.decode()
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert len(rows) == 1
    row = rows[0]
    assert row["room_type"] == "Deluxe, sea view\n=1+1"  # a comma and a line break stay inside their cell
    assert (row["booking_value"], row["probability"], row["expected_revenue"]) == ("500.00", "0.90", "450.00")
    assert row["guest_name"] == "'=HYPERLINK(evil)"  # never a formula in the GM's spreadsheet


def test_the_leads_csv_opens_in_excel_with_a_guests_own_script(world: Any, freeze_now: Any) -> None:
    freeze_now(NOW)
    with schema_context(world.a.schema_name):
        conversation = conversation_at(kl(2026, 11, 24, 23), after_hours=True)
        lead_for(
            conversation, "450.00", after_hours=True, created=kl(2026, 11, 24, 23, 5), guest_name="陈伟 / Nurul Aïn"
        )
    body = host_client(world.a, world.manager_a).get("/leads/export.csv").content
    assert body.startswith("\ufeff".encode())  # without the mark Excel reads the file in the PC's code page
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [row["guest_name"] for row in rows] == ["陈伟 / Nurul Aïn"] and list(rows[0])[0] == "id"

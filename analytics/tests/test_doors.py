"""Who sees which figures, over every door: API, dashboard pages, stored reports, tenant admin."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from analytics.models import DailyAggregate, GMReport
from analytics.services.aggregation import compute_day
from analytics.tests.conftest import conversation_at, kl
from conftest import api_client, host_client

NOV_20 = dt.date(2026, 11, 20)


@pytest.fixture
def figures_of_a(world):
    with schema_context(world.a.schema_name):
        conversation_at(kl(2026, 11, 20, 22), after_hours=True)
        compute_day(NOV_20)
        report = GMReport.objects.create(
            report_date=NOV_20,
            recipient="gm@alpha.example",
            subject="Alpha secret",
            html="<p>alpha figures</p>",
            text="alpha",
            chart_png=b"\x89PNG",
        )
    return report


PERIOD = "?from=2026-11-14&to=2026-11-20"


def test_a_manager_reads_daily_rows_summary_and_reports(world, figures_of_a):
    client = api_client(world.manager_a)
    rows = client.get(f"/api/v1/properties/{world.a.pk}/analytics{PERIOD}").json()
    # One row per day of the period: a quiet day is a zero, not a gap.
    assert [(row["date"], row["total_inquiries"]) for row in rows if row["total_inquiries"]] == [("2026-11-20", 1)]
    assert rows[0]["date"] == "2026-11-14" and rows[-1]["date"] == "2026-11-20" and len(rows) == 7
    summary = client.get(f"/api/v1/properties/{world.a.pk}/analytics/summary{PERIOD}").json()
    assert summary["period"]["total_inquiries"] == 1
    assert summary["previous_period"]["first"] == "2026-11-07"
    assert [r["subject"] for r in client.get(f"/api/v1/properties/{world.a.pk}/reports").json()] == ["Alpha secret"]


@pytest.mark.parametrize("path", ["analytics", "analytics/summary", "reports"])
def test_a_manager_of_b_learns_nothing_of_as_figures(world, figures_of_a, path):
    response = api_client(world.manager_b).get(f"/api/v1/properties/{world.a.pk}/{path}{PERIOD}")
    assert response.status_code == 404
    assert b"Alpha" not in response.content


@pytest.mark.parametrize("who", ["agent_a", "viewer_a"])
@pytest.mark.parametrize("path", ["analytics", "analytics/summary", "reports"])
def test_agents_and_viewers_do_not_see_commercial_figures(world, figures_of_a, who, path):
    response = api_client(getattr(world, who)).get(f"/api/v1/properties/{world.a.pk}/{path}{PERIOD}")
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?from=2026-11-20&to=2026-11-01", "from must not be after to"),
        ("?from=yesterday", "YYYY-MM-DD"),
        ("?from=2024-01-01&to=2026-01-01", "at most 366 days"),
    ],
)
def test_a_bad_period_is_a_clear_400(world, query, message):
    response = api_client(world.manager_a).get(f"/api/v1/properties/{world.a.pk}/analytics{query}")
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_the_dashboard_shows_charts_and_figures_to_managers(world, figures_of_a):
    page = host_client(world.a, world.manager_a).get(f"/analytics/{PERIOD}")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<svg") == 4
    assert 'data-figure="total_inquiries">1<' in html
    assert "Alpha secret" in html


def test_the_dashboard_is_closed_to_agents_viewers_and_other_properties(world, figures_of_a):
    for user in (world.agent_a, world.viewer_a):
        assert host_client(world.a, user).get("/analytics/").status_code == 403
    assert host_client(world.a, world.manager_b).get("/analytics/").status_code == 404
    # B's manager on B's own host, asking for A's report by id, finds nothing: it is another schema.
    assert host_client(world.b, world.manager_b).get(f"/analytics/reports/{figures_of_a.pk}/").status_code == 404
    page_b = host_client(world.b, world.manager_b).get("/analytics/")
    assert page_b.status_code == 200 and "Alpha secret" not in page_b.content.decode()


def test_a_stored_report_is_viewable_with_its_chart(world, figures_of_a):
    client = host_client(world.a, world.manager_a)
    page = client.get(f"/analytics/reports/{figures_of_a.pk}/")
    assert page.status_code == 200 and "alpha figures" in page.content.decode()
    chart = client.get(f"/analytics/reports/{figures_of_a.pk}/chart.png")
    assert chart["Content-Type"] == "image/png" and chart.content.startswith(b"\x89PNG")


def test_bs_tenant_admin_never_lists_as_figures(world, figures_of_a):
    page = host_client(world.b, world.manager_b).get("/admin/analytics/dailyaggregate/")
    assert page.status_code == 200
    with schema_context(world.a.schema_name):
        assert DailyAggregate.objects.filter(date=NOV_20).exists()
    assert "Nov. 20, 2026" not in page.content.decode()
    page_a = host_client(world.a, world.manager_a).get("/admin/analytics/gmreport/")
    assert "Alpha secret" in page_a.content.decode()


@pytest.mark.e2e
def test_the_nightly_task_runs_on_a_real_worker_in_its_own_schema(committed_db, celery_worker):
    from analytics.tasks import aggregate_yesterday

    world = committed_db
    yesterday = world.a.local_now().date() - dt.timedelta(days=1)
    with schema_context(world.a.schema_name):
        DailyAggregate.objects.filter(date=yesterday).delete()
        assert aggregate_yesterday.delay().get(timeout=30) == yesterday.isoformat()
        assert DailyAggregate.objects.filter(date=yesterday).exists()
        assert aggregate_yesterday.delay().get(timeout=30) is None  # already done: idempotent
    with schema_context(world.b.schema_name):
        DailyAggregate.objects.filter(date=yesterday).delete()
    with schema_context(world.a.schema_name):
        aggregate_yesterday.delay().get(timeout=30)
    with schema_context(world.b.schema_name):
        assert not DailyAggregate.objects.filter(date=yesterday).exists()

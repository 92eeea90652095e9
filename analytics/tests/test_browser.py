"""The manager's analytics page in a real browser on the real stack."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from analytics.services.aggregation import compute_day
from analytics.tests.conftest import conversation_at
from testsupport.browser import signed_in_context
from testsupport.wait import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_a_manager_picks_a_period_and_reads_the_charts(committed_db, daphne, browser):
    world = committed_db
    yesterday = world.a.local_now().date() - dt.timedelta(days=1)
    with schema_context(world.a.schema_name):
        start = dt.datetime.combine(yesterday, dt.time(22, 15), tzinfo=world.a.tzinfo)
        conversation_at(start, after_hours=True)
        compute_day(yesterday, world.a)
    base_url = f"http://alpha.localhost:{daphne.port}"
    context = signed_in_context(browser, world.a, world.manager_a, base_url)
    page = context.new_page()
    page.goto("/analytics/")
    assert page.locator("svg.chart").count() == 4
    assert page.get_by_role("img", name="Inquiries per day by channel").is_visible()
    assert int(page.locator('[data-figure="after_hours_inquiries"]').inner_text()) >= 1

    page.fill('input[name="from"]', yesterday.isoformat())
    page.fill('input[name="to"]', yesterday.isoformat())
    page.click("text=Show")
    page.wait_for_url(f"**from={yesterday.isoformat()}**")
    assert page.locator("#daily-rows tr").count() == 2  # the header and one day
    context.close()


def test_the_charts_line_up_on_a_desktop_and_their_labels_read_on_a_phone(committed_db, daphne, browser):
    world = committed_db
    context = signed_in_context(browser, world.a, world.manager_a, f"http://alpha.localhost:{daphne.port}")
    page = context.new_page()
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/analytics/?preset=30d")
    tops = page.eval_on_selector_all(".charts > .card", "cards => cards.map(c => c.getBoundingClientRect().top)")
    assert tops[0] == tops[1] and tops[2] == tops[3], tops  # side by side, not one a margin lower
    page.set_viewport_size({"width": 390, "height": 844})
    # An axis or day label as drawn on the screen: 10 px in a 640-unit picture ~350 px wide read at 5 px.
    heights = page.eval_on_selector_all(
        "svg.chart text[font-size='10']", "labels => labels.map(t => t.getBoundingClientRect().height)"
    )
    shown = [h for h in heights if h]  # every other day label is left out on a phone
    assert shown and min(shown) >= 8, heights
    days = page.eval_on_selector_all(
        ".charts > .card:first-child svg text[text-anchor='middle']:not(.no-data)",
        "labels => labels.filter(t => t.getBoundingClientRect().width > 0).map(t => t.getBoundingClientRect())"
        ".map(r => [r.left, r.right])",
    )
    assert all(right < left for (_, right), (left, _) in zip(days, days[1:], strict=False)), days  # none overlap
    context.close()


def test_an_agent_is_refused_the_analytics_page(committed_db, daphne, browser):
    world = committed_db
    context = signed_in_context(browser, world.a, world.agent_a, f"http://alpha.localhost:{daphne.port}")
    response = context.new_page().goto("/analytics/")
    assert response.status == 403
    context.close()


def test_the_widget_counts_one_visitor_per_browser_session(committed_db, daphne, browser):
    from analytics.models import WidgetVisitDay
    from properties.models import WidgetKey

    world = committed_db
    origin = f"http://alpha.localhost:{daphne.port}"
    key = WidgetKey.objects.create(property=world.a, allowed_origins=[origin])

    def visitors() -> int:
        with schema_context(world.a.schema_name):
            day = world.a.local_now().date()
            return WidgetVisitDay.objects.filter(date=day).values_list("visitors", flat=True).first() or 0

    before = visitors()
    context = browser.new_context(base_url=origin)
    page = context.new_page()
    try:
        page.goto("/widget-demo/")
        assert wait_until(lambda: visitors() == before + 1, timeout=15), "the widget did not report its visit"
        page.reload()  # the same browser session: not a new visitor
        page.wait_for_timeout(1000)
        assert visitors() == before + 1
    finally:
        context.close()
        key.delete()

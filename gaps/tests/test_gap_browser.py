"""The gap inbox in a real browser on real daphne: a manager answers a gap, sees it closed and the check pass."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django_tenants.utils import schema_context

from gaps.models import Gap, GapStatus
from gaps.tests.conftest import unanswered_question
from knowledge.models import KnowledgeItem
from testsupport.browser import signed_in_context

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# Set to a folder to keep the screenshots (1366 and 390 px wide) a person looks at.
SHOTS = os.environ.get("GAP_SCREENSHOTS", "")


@pytest.fixture
def bike_gap(committed_db, _committed_kb_a, forget_committed_guests) -> Iterator[Gap]:
    with schema_context(committed_db.a.schema_name):
        unanswered_question("can I rent a bike")
        unanswered_question("bicycle hire?")
        gap = unanswered_question("boleh sewa basikal?", language="ms")
    yield gap
    with schema_context(committed_db.a.schema_name):
        gap.refresh_from_db()
        KnowledgeItem.objects.filter(pk__in=gap.knowledge_item_ids).delete()
        Gap.objects.all().delete()


def _shot(page, name: str) -> None:
    if not SHOTS:
        return
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=os.path.join(SHOTS, f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def test_a_manager_answers_a_gap_and_sees_it_closed_and_the_check_pass(committed_db, daphne, bike_gap, browser):
    # bike_gap before browser: the gap is made (and removed) while no Playwright loop holds this thread
    world = committed_db
    context = signed_in_context(browser, world.a, world.manager_a, f"http://alpha.localhost:{daphne.port}")
    page = context.new_page()
    page.goto("/gaps/")
    row = page.locator(f'tr[data-gap="{bike_gap.pk}"]')
    assert "3×" in row.inner_text()
    _shot(page, "gap-inbox")
    row.locator("a").click()
    page.wait_for_url(f"**/gaps/{bike_gap.pk}/")
    assert page.locator(".gap-examples li").count() == 3
    assert page.input_value('input[name="title"]') == "Can I rent a bike"  # prefilled from the gap
    assert page.input_value('select[name="category"]') == "facilities"
    page.fill('input[name="title"]', "Bicycle hire")
    page.fill('textarea[name="answer_en"]', "Yes: bicycles can be rented at the front desk for RM15 per hour.")
    page.fill('textarea[name="answer_ms"]', "Ya: basikal boleh disewa di kaunter hadapan pada harga RM15 sejam.")
    _shot(page, "gap-answer")
    page.click("text=Save the answer")
    page.wait_for_selector('.gap-status[data-status="answered"]')
    assert page.locator('.gap-check[data-passed="true"]').is_visible()
    assert page.locator('table.checks tr[data-found="true"]').count() == 3
    assert page.locator("table.waiting tbody tr").count() == 3
    _shot(page, "gap-answered")
    page.goto("/gaps/")
    assert page.locator(f'tr[data-gap="{bike_gap.pk}"]').count() == 0  # closed: no longer in the open list
    with schema_context(world.a.schema_name):
        assert Gap.objects.get(pk=bike_gap.pk).status == GapStatus.ANSWERED
    context.close()

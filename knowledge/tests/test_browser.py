"""The knowledge back office in a real browser on the real stack: upload with preview, then try a question."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from knowledge.models import IngestionJob, KnowledgeItem
from testsupport.browser import signed_in_context
from testsupport.knowledge import FIXTURES

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

RATES = ["Deluxe King Room Rates", "Family Suite Rates", "Year-End Holiday Rates", "Harga Pakej Bulan Madu"]


def test_a_manager_uploads_a_file_previews_it_saves_it_and_asks_a_question(committed_db, daphne, browser):
    world = committed_db
    with schema_context(world.a.schema_name):
        assert not KnowledgeItem.objects.filter(title__in=RATES).exists()
    context = signed_in_context(browser, world.a, world.manager_a, f"http://alpha.localhost:{daphne.port}")
    page = context.new_page()
    try:
        page.goto("/admin/knowledge/knowledgeitem/")
        page.click("text=Upload a file")
        page.set_input_files('input[name="file"]', str(FIXTURES / "rates.csv"))
        page.click('input[value="Preview"]')
        assert page.locator("#preview tbody tr.action-create").count() == 4
        with schema_context(world.a.schema_name):
            assert not KnowledgeItem.objects.filter(title__in=RATES).exists()  # a preview saves nothing

        page.click('input[value="Save these 4 item(s)"]')
        assert "created 4, updated 0, unchanged 0; embedded 4, failed 0" in page.locator(".messagelist").inner_text()
        assert page.locator("#result_list").get_by_text("Family Suite Rates").is_visible()

        page.click("text=Try a question")
        page.fill('input[name="q"]', "How much is the family suite per night?")
        page.click('input[value="Search"]')
        first = page.locator("#results tbody tr").first
        assert "Family Suite Rates" in first.inner_text() and first.get_attribute("class") == "used"
    finally:
        context.close()
        with schema_context(world.a.schema_name):
            KnowledgeItem.objects.filter(title__in=RATES).delete()
            IngestionJob.objects.filter(source="rates.csv").delete()

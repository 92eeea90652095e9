"""Issue 18's pages in a real browser on the real stack: a manager uploads a DOCX on the wizard's knowledge page,
the page lists its job and, on reload, the real worker's result; a PDF that cannot be read shows its reason.
On the settings page a pending inbound address waits "for confirmation" and is cancelled. Neither page
scrolls sideways at 390 px or 1366 px (screenshots in NOCTURN_SCREENS_DIR when it is set)."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from knowledge.models import IngestionJob, KnowledgeItem
from knowledge.tests.documents import SPA_SECTIONS, make_docx
from properties.models import PendingEmailBinding
from testsupport.browser import signed_in_context

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

WIDTHS = (1366, 390)


def fits(page: Any, width: int, name: str) -> int:
    """The page's width in CSS pixels at `width` (a screenshot of it when NOCTURN_SCREENS_DIR is set)."""
    page.set_viewport_size({"width": width, "height": 900})
    page.reload()
    screens = os.environ.get("NOCTURN_SCREENS_DIR")
    if screens:
        Path(screens).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(screens) / f"{name}-{width}.png"), full_page=True)
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_knowledge_page_follows_a_files_job_and_settings_show_a_pending_address(
    committed_db: Any, daphne: Any, celery_worker: Any, browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    world = committed_db
    marker = uuid.uuid4().hex[:6]
    docx, pdf = tmp_path / f"spa-{marker}.docx", tmp_path / f"rules-{marker}.pdf"
    docx.write_bytes(make_docx([(f"{title} {marker}", body) for title, body in SPA_SECTIONS]))
    pdf.write_bytes(b"%PDF-1.4 not really a PDF")
    context = signed_in_context(browser, world.a, world.manager_a, f"http://alpha.localhost:{daphne.port}")
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto("/onboarding/knowledge/")
        for path in (docx, pdf):
            page.set_input_files('#upload-form input[name="file"]', str(path))
            page.select_option('#upload-form select[name="category"]', "facilities")
            page.click("#upload-form button")
            expect(page.locator(".messages-flash")).to_contain_text("reading the file in the background")
        with schema_context(world.a.schema_name):
            good, bad = (IngestionJob.objects.get(source=path.name) for path in (docx, pdf))
        row, failed_row = (
            page.locator(f'#jobs tr[data-job="{good.pk}"]'),
            page.locator(f'#jobs tr[data-job="{bad.pk}"]'),
        )
        expect(row).to_be_visible()
        for _ in range(60):  # the page updates on reload
            page.reload()
            if "Succeeded" in row.inner_text() and "Failed" in failed_row.inner_text():
                break
            page.wait_for_timeout(1000)
        expect(row).to_contain_text("Succeeded")
        expect(row).to_contain_text(f"{len(SPA_SECTIONS)} of {len(SPA_SECTIONS)} written")
        expect(failed_row).to_contain_text("is not a readable PDF")
        for width in WIDTHS:
            assert fits(page, width, "knowledge-jobs") <= width

        with schema_context("public"):
            pending = PendingEmailBinding.objects.create(
                property=world.a,
                address=f"desk-{marker}@alpha-hotel.example",
                requested_by=world.manager_a,
                expires_at=timezone.now() + dt.timedelta(hours=48),
            )
        page.goto("/settings/#inbound-email")
        box = page.locator(f'.pending-address[data-pending="{pending.pk}"]')
        expect(box).to_contain_text(f"Waiting for confirmation — sent to desk-{marker}@alpha-hotel.example")
        for width in WIDTHS:
            assert fits(page, width, "settings-pending-address") <= width
        box.get_by_role("button", name="Cancel").click()
        expect(page.locator(".messages-flash")).to_contain_text("the request is cancelled")
        expect(page.locator(".pending-address")).to_have_count(0)
        assert not PendingEmailBinding.objects.filter(pk=pending.pk).exists()
    finally:
        context.close()
        PendingEmailBinding.objects.filter(address__endswith=f"{marker}@alpha-hotel.example").delete()
        with schema_context(world.a.schema_name):
            KnowledgeItem.objects.filter(title__endswith=marker).delete()
            IngestionJob.objects.filter(source__contains=marker).delete()

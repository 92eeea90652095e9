"""The widget in a real browser (Debian's chromium via Playwright) against real daphne + Celery worker:
accept the notice, ask in English and in Bahasa Malaysia, watch the grounded answers stream in, reload, resume."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from conversations.models import Conversation
from testsupport.browser import ask

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.mark.usefixtures("_committed_kb_a", "forget_committed_guests")  # the guest asks A's knowledge
def test_a_guest_asks_in_english_and_malay_sees_streamed_grounded_answers_and_resumes_after_reload(
    daphne, celery_worker, live_widget_key, browser
) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 390, "height": 760})  # a phone-sized screen
    page.goto(f"http://alpha.localhost:{daphne.port}/widget-demo/")
    page.locator(".launch").click()
    expect(page.locator(".notice")).to_be_visible()
    expect(page.locator("form")).to_be_hidden()  # nothing can be sent before the notice is accepted
    page.locator(".accept").click()
    expect(page.locator("form")).to_be_visible(timeout=10_000)

    ask(page, "What time is breakfast served?")
    first = page.locator(".m.ai[data-id]").nth(0)
    expect(first).to_contain_text("6:30 am to 10:30 am", timeout=30_000)
    # Built from streamed pieces before the final message confirmed it.
    assert int(first.get_attribute("data-chunks") or 0) >= 1

    ask(page, "Pukul berapa kolam renang dibuka?")
    second = page.locator(".m.ai[data-id]").nth(1)
    expect(second).to_contain_text("7:00 am to 10:00 pm", timeout=30_000)
    expect(second).to_contain_text("Berikut maklumat yang saya ada")
    assert int(second.get_attribute("data-chunks") or 0) >= 1

    page.reload()
    expect(page.locator(".m.ai[data-id]")).to_have_count(2, timeout=15_000)
    expect(page.locator(".m.guest")).to_have_count(2)
    expect(page.locator(".m.guest").nth(1)).to_have_text("Pukul berapa kolam renang dibuka?")
    expect(page.locator("form")).to_be_visible()  # resumed: no second notice
    stored = page.evaluate(f"JSON.parse(localStorage.getItem('nocturn:{live_widget_key.public_key}'))")

    with schema_context(live_widget_key.property.schema_name):
        conversation = Conversation.objects.select_related("guest").get(pk=stored["id"])
        assert conversation.guest.consent_given_at is not None and "AI assistant" in conversation.guest.consent_text
        assert conversation.messages.count() == 4

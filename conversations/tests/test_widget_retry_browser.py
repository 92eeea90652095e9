"""A message whose POST fails in the browser (the connection lost, the answer never seen) is retried by the widget
with the same client id: the guest sees it as not sent, then sent, in one bubble; the server stores it once and the
real worker answers it once. Debian's chromium via Playwright against real daphne + Celery worker."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django_tenants.utils import schema_context

from conversations.models import Message, MessageRole
from testsupport.browser import ask, open_widget

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

MESSAGES = "**/api/v1/conversations/*/messages"


def ask_with_posts_failing(page: Any, port: int, text: str, fail: Callable[[Any, int], bool]) -> list[str]:
    """Open the widget on A's demo page and ask `text`; the client ids of the widget's message POSTs, in order.
    `fail(route, n)` fails the n-th POST (from 1) itself and says so, else it goes through."""
    client_ids: list[str] = []

    def handle(route: Any) -> None:
        client_ids.append(json.loads(route.request.post_data)["client_id"])
        if not fail(route, len(client_ids)):
            route.continue_()

    page.route(MESSAGES, handle)
    page.goto(f"http://alpha.localhost:{port}/widget-demo/")
    open_widget(page)
    ask(page, text)
    return client_ids


def _stored(live_widget_key: Any, page: Any) -> list[tuple[str, str]]:
    stored = page.evaluate(f"JSON.parse(localStorage.getItem('nocturn:{live_widget_key.public_key}'))")
    with schema_context(live_widget_key.property.schema_name):
        return list(Message.objects.filter(conversation_id=stored["id"]).order_by("id").values_list("role", "content"))


@pytest.mark.usefixtures("_committed_kb_a", "forget_committed_guests")
def test_a_message_whose_answer_is_lost_is_retried_with_its_id_stored_once_and_answered_once(
    daphne, celery_worker, live_widget_key, browser
) -> None:
    from playwright.sync_api import expect

    page = browser.new_page()

    def lose_the_first_answer(route: Any, n: int) -> bool:
        if n == 1:
            route.fetch()  # the server stores the message and sends its turn...
            route.abort("connectionreset")  # ...but the browser never hears the 202
        return n == 1

    client_ids = ask_with_posts_failing(page, daphne.port, "What time is breakfast served?", lose_the_first_answer)

    guest = page.locator(".m.guest")
    expect(guest.locator(".state")).to_have_text("Not sent — retrying…", timeout=5_000)
    expect(page.locator(".m.ai[data-id]")).to_contain_text("6:30 am to 10:30 am", timeout=30_000)
    expect(guest.locator(".state")).to_have_count(0, timeout=10_000)
    expect(guest).to_have_count(1)
    assert len(client_ids) == 2 and client_ids[0] == client_ids[1]
    page.wait_for_timeout(1_500)  # a second answer, had the retry's turn answered again, would be here by now
    expect(page.locator(".m.ai")).to_have_count(1)
    stored = _stored(live_widget_key, page)
    assert [role for role, _ in stored] == [MessageRole.GUEST, MessageRole.AI]
    assert stored[0][1] == "What time is breakfast served?"


@pytest.mark.usefixtures("_committed_kb_a", "forget_committed_guests")
def test_a_malay_guest_whose_retries_all_fail_taps_to_retry_and_is_answered_once(
    daphne, celery_worker, live_widget_key, browser
) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(locale="ms-MY")  # the widget speaks the browser's language
    page = context.new_page()
    down = {"server": True}

    def fail_while_down(route: Any, n: int) -> bool:
        if down["server"]:
            route.fulfill(status=500, content_type="application/json", body='{"error": "Please try again."}')
        return down["server"]

    client_ids = ask_with_posts_failing(page, daphne.port, "Pukul berapa kolam renang dibuka?", fail_while_down)

    guest = page.locator(".m.guest")
    expect(guest.locator(".state")).to_have_text("Tidak dihantar — mencuba semula…", timeout=5_000)
    # Three retries, 1 + 2 + 4 s apart, then the guest decides.
    expect(guest.locator(".state")).to_have_text("Tidak dihantar. Ketik untuk cuba lagi.", timeout=15_000)
    assert len(client_ids) == 4
    assert _stored(live_widget_key, page) == []

    down["server"] = False
    guest.click()
    expect(page.locator(".m.ai[data-id]")).to_contain_text("7:00 am to 10:00 pm", timeout=30_000)
    expect(guest.locator(".state")).to_have_count(0)
    expect(guest).to_have_count(1)
    assert len(client_ids) == 5 and len(set(client_ids)) == 1
    stored = _stored(live_widget_key, page)
    assert [role for role, _ in stored] == [MessageRole.GUEST, MessageRole.AI]
    context.close()

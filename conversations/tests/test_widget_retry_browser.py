"""A message whose POST fails in the browser (the connection lost, the answer never seen) is retried by the widget
with the same client id: the guest sees it as not sent, then sent, in one bubble; the server stores it once and the
real worker answers it once. Debian's chromium via Playwright against real daphne + Celery worker."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from conversations.models import Conversation, Message, MessageRole
from properties.models import WidgetKey
from testsupport.browser import ask, open_widget, switchable_sockets

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
def test_a_malay_guest_whose_retries_all_fail_taps_the_retry_button_and_is_answered_once(
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
    expect(guest.locator(".state")).to_have_text("Tidak dihantar.", timeout=15_000)
    assert len(client_ids) == 4
    assert _stored(live_widget_key, page) == []

    down["server"] = False
    guest.get_by_role("button", name="Hantar mesej ini sekali lagi").click()  # named in the guest's language
    expect(page.locator(".m.ai[data-id]")).to_contain_text("7:00 am to 10:00 pm", timeout=30_000)
    expect(guest.locator(".state")).to_have_count(0)
    expect(guest).to_have_count(1)
    assert len(client_ids) == 5 and len(set(client_ids)) == 1
    stored = _stored(live_widget_key, page)
    assert [role for role, _ in stored] == [MessageRole.GUEST, MessageRole.AI]
    context.close()


def _unsent_keys(page: Any) -> list[str]:
    """The names of the widget's stored unsent-message queues on this page's origin."""
    return page.evaluate("Object.keys(localStorage).filter(name => name.includes(':unsent:'))")


def ask_over_a_network(opener: Any, port: int, text: str, *, up: bool) -> tuple[Any, dict[str, bool], list[str]]:
    """`ask_with_posts_failing` on a new page of `opener` (a browser or a context) where every POST dies on the
    way while the returned switch's "network" is down: the page, the switch, the client ids."""
    page, down = opener.new_page(), {"network": not up}

    def fail(route: Any, n: int) -> bool:
        if down["network"]:
            route.abort("internetdisconnected")
        return down["network"]

    return page, down, ask_with_posts_failing(page, port, text, fail)


@pytest.mark.usefixtures("_committed_kb_a", "forget_committed_guests")
def test_a_message_unsent_at_a_reload_is_shown_again_after_the_history_and_sent_once_when_the_network_is_back(
    daphne, celery_worker, live_widget_key, browser
) -> None:
    from playwright.sync_api import expect

    page, down, client_ids = ask_over_a_network(browser, daphne.port, "What time is breakfast served?", up=True)
    expect(page.locator(".m.ai[data-id]")).to_contain_text("6:30 am to 10:30 am", timeout=30_000)

    down["network"] = True  # a tunnel: the next message cannot leave, and the guest reloads the page
    ask(page, "When is the swimming pool open?")
    expect(page.locator(".m.guest").nth(1).locator(".state")).to_have_text("Not sent — retrying…", timeout=5_000)
    page.reload()

    guest = page.locator(".m.guest")
    expect(guest).to_have_count(2, timeout=10_000)
    # The history first, then what the server has not got yet, still marked.
    expect(page.locator(".m")).to_have_count(3)
    expect(page.locator(".m").nth(1)).to_have_class("m ai")
    expect(guest.nth(1)).to_contain_text("When is the swimming pool open?")
    expect(guest.nth(1).locator(".state")).to_contain_text("Not sent", timeout=5_000)
    assert len(_stored(live_widget_key, page)) == 2

    down["network"] = False
    expect(page.locator(".m.ai[data-id]").nth(1)).to_contain_text("7:00 am to 10:00 pm", timeout=30_000)
    expect(guest.locator(".state")).to_have_count(0)
    expect(guest).to_have_count(2)
    page.wait_for_timeout(1_500)  # a second answer would be here by now
    expect(page.locator(".m.ai")).to_have_count(2)
    sent_after_reload = client_ids[1:]
    assert len(sent_after_reload) >= 2 and len(set(sent_after_reload)) == 1  # the same id before and after
    stored = _stored(live_widget_key, page)
    assert [role for role, _ in stored] == [MessageRole.GUEST, MessageRole.AI] * 2
    assert stored[2][1] == "When is the swimming pool open?"
    assert _unsent_keys(page) == []  # accepted: nothing left to resend


@pytest.mark.usefixtures("_committed_kb_a", "forget_committed_guests")
def test_a_keyboard_user_tabs_to_the_retry_button_and_sends_with_enter(
    daphne, celery_worker, live_widget_key, browser
) -> None:
    from playwright.sync_api import expect

    page, down, client_ids = ask_over_a_network(browser, daphne.port, "What time is breakfast served?", up=False)

    again = page.get_by_role("button", name="Send this message again")
    expect(again).to_be_visible(timeout=15_000)
    expect(page.locator(".m.guest .state")).to_have_attribute("aria-live", "polite")
    down["network"] = False
    page.locator(".x").focus()  # the panel's close button, just before the conversation
    page.keyboard.press("Tab")
    expect(again).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("textarea")).to_be_focused()  # back to typing, not lost with the button
    expect(page.locator(".m.ai[data-id]")).to_contain_text("6:30 am to 10:30 am", timeout=30_000)
    expect(page.locator(".m.guest .state")).to_have_count(0)
    assert len(client_ids) == 5 and len(set(client_ids)) == 1
    assert [role for role, _ in _stored(live_widget_key, page)] == [MessageRole.GUEST, MessageRole.AI]


@pytest.mark.usefixtures("_committed_kb_a", "forget_committed_guests")
def test_a_restored_message_answered_before_the_socket_listens_has_its_answer_shown(
    daphne, celery_worker, live_widget_key, browser
) -> None:
    """A reloaded page posts what it could not send at once, reads the history, then opens its socket: the
    answer, given in between (under load the worker was quicker than the page), reached no socket."""
    from playwright.sync_api import expect

    page, down, _ = ask_over_a_network(browser, daphne.port, "What time is breakfast served?", up=False)
    expect(page.locator(".m.guest .state")).to_have_text("Not sent — retrying…", timeout=5_000)
    conversation_id = page.evaluate(f"JSON.parse(localStorage.getItem('nocturn:{live_widget_key.public_key}'))")["id"]
    held: list[tuple[Any, Any]] = []

    def hold_the_first_history_read(route: Any) -> None:
        if held:
            route.continue_()
        else:  # read now, before the answer exists; shown to the page only once it does
            held.append((route, route.fetch()))

    page.route("**/api/v1/conversations/*", hold_the_first_history_read)
    page.reload()  # still offline: the restored message waits for its retry, the history is read (and held)
    _until(page, lambda: bool(held))
    down["network"] = False  # the retry goes through and is answered, while the page has no socket yet

    def answered() -> bool:
        with schema_context(live_widget_key.property.schema_name):
            return Message.objects.filter(conversation_id=conversation_id, role=MessageRole.AI).exists()

    _until(page, answered, seconds=30)
    route, history = held[0]
    assert "ai" not in [m["role"] for m in history.json()["messages"]], "the history was read after the answer"
    route.fulfill(response=history)
    expect(page.locator(".m.ai[data-id]")).to_contain_text("6:30 am to 10:30 am", timeout=15_000)
    expect(page.locator(".m.guest")).to_have_count(1)
    expect(page.locator(".m.guest .state")).to_have_count(0)


def _align_conversation_ids(*properties: Any) -> None:
    """The next conversation of every one of `properties` gets the same id (sequences only move forward)."""
    sequences, last = {}, 0
    for property_ in properties:
        with schema_context(property_.schema_name), connection.cursor() as cursor:
            cursor.execute("select pg_get_serial_sequence(%s, 'id')", [Conversation._meta.db_table])
            sequences[property_.schema_name] = sequence = cursor.fetchone()[0]
            cursor.execute(f"select last_value from {sequence}")
            last = max(last, cursor.fetchone()[0])
    for schema_name, sequence in sequences.items():
        with schema_context(schema_name), connection.cursor() as cursor:
            cursor.execute("select setval(%s, %s)", [sequence, last])


@pytest.mark.usefixtures("_committed_kb_a", "forget_committed_guests")
def test_two_hotels_widgets_on_one_site_never_mix_their_unsent_messages(
    committed_db, daphne, celery_worker, live_widget_key, browser
) -> None:
    from playwright.sync_api import expect

    site = f"http://alpha.localhost:{daphne.port}"
    key_b = WidgetKey.objects.create(property=committed_db.b, allowed_origins=[site])
    try:
        # The two hotels' conversations get the same id: only the widget key in the storage's name tells them apart.
        _align_conversation_ids(committed_db.a, committed_db.b)
        # A page of the same site that does not embed A's widget gets B's, as B's page on that site would.
        tabs = browser.new_context(bypass_csp=True)
        page, down, client_ids = ask_over_a_network(tabs, daphne.port, "What time is breakfast served?", up=False)
        expect(page.locator(".m.guest .state")).to_have_text("Not sent — retrying…", timeout=5_000)
        script = page.locator("script[data-key]").get_attribute("src")

        def hotel_b_page() -> None:
            page.goto(f"{site}/hotel-b/")
            page.evaluate(
                "([src, key]) => { const s = document.createElement('script'); s.src = src; s.dataset.key = key;"
                " document.body.appendChild(s); }",
                [script, key_b.public_key],
            )

        hotel_b_page()
        open_widget(page)
        hotel_b_page()  # B's widget resumes its own conversation, whose id is A's
        expect(page.locator("form")).to_be_visible(timeout=10_000)
        page.wait_for_timeout(1_500)
        expect(page.locator(".m")).to_have_count(0)
        conversation_b = page.evaluate(f"JSON.parse(localStorage.getItem('nocturn:{key_b.public_key}'))")["id"]
        conversation_a = page.evaluate(f"JSON.parse(localStorage.getItem('nocturn:{live_widget_key.public_key}'))")
        assert conversation_b == conversation_a["id"]
        with schema_context(committed_db.b.schema_name):
            assert not Message.objects.filter(conversation_id=conversation_b).exists()
        posts_before = len(client_ids)

        down["network"] = False  # back on A's page: A's message goes to A, once
        page.goto(f"{site}/widget-demo/")
        expect(page.locator(".m.ai[data-id]")).to_contain_text("6:30 am to 10:30 am", timeout=30_000)
        assert len(set(client_ids)) == 1 and len(client_ids) > posts_before
        assert [role for role, _ in _stored(live_widget_key, page)] == [MessageRole.GUEST, MessageRole.AI]
    finally:
        key_b.delete()


def _until(page: Any, done: Callable[[], bool], seconds: float = 20) -> None:
    """Wait in the browser's time (route handlers only run while Playwright waits) until `done()`."""
    for _ in range(int(seconds * 10)):
        if done():
            return
        page.wait_for_timeout(100)
    raise AssertionError("not done in time")


@pytest.mark.usefixtures("_committed_kb_a", "forget_committed_guests")
def test_an_answer_given_while_the_websocket_is_down_is_shown_when_it_comes_back(
    daphne, celery_worker, live_widget_key, browser
) -> None:
    from playwright.sync_api import expect

    page = browser.new_page()
    sockets, down = switchable_sockets(page, "**/ws/guest/**")
    page.goto(f"http://alpha.localhost:{daphne.port}/widget-demo/")
    open_widget(page)
    _until(page, lambda: len(sockets) == 1)
    down["socket"] = True
    sockets[0].close(code=4000, reason="down")  # the live channel drops; the message POST still goes through
    ask(page, "What time is breakfast served?")
    expect(page.locator(".m.guest[data-id]")).to_have_count(1, timeout=10_000)

    down["socket"] = False  # the widget's reconnection catches up on what was said meanwhile
    expect(page.locator(".m.ai[data-id]")).to_contain_text("6:30 am to 10:30 am", timeout=30_000)
    _until(page, lambda: len(sockets) > 1)  # and listens again
    page.wait_for_timeout(1_500)
    expect(page.locator(".m.ai")).to_have_count(1)
    assert [role for role, _ in _stored(live_widget_key, page)] == [MessageRole.GUEST, MessageRole.AI]

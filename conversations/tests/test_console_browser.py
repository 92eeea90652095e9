"""The night console in real browsers on daphne + a Celery worker: two agents and a guest on a phone.

A handoff raises an alert, a notification and the tab count for both agents; Aina takes it (key t), Ben sees
"held by Aina" live and is refused a reply; Aina answers with a saved reply, the guest sees who joined and the
named bubble; an internal note reaches Ben, never the guest; resolving (key r) tells the guest they are back with
the assistant. Then: no staff page scrolls sideways at 360 px, and (with NOCTURN_SCREENS_DIR set, `make screens`)
the inbox, a conversation and the analytics page are photographed at 1366 and 390 px.
And a WhatsApp guest (a signed webhook, the fake Graph API behind `live_stack`): the staff reply Graph refuses
with 131026 shows on that message, live, as "not delivered" with the reason in words.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from conversations import engine, handoff
from conversations.models import Conversation, ConversationStatus, SavedReply, StaffNote
from properties.models import WidgetKey
from testsupport.browser import ask, open_widget, signed_in_context, switchable_sockets
from testsupport.live import LiveStack, StackSpec, spec_with_channels_of_a
from testsupport.payloads import whatsapp_text_body
from testsupport.wait import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# The Notification API as a page sees it once permission is granted; calls are recorded for the test to read
# (headless chromium has no notification centre to look at).
NOTIFICATIONS = """
window.__notifications = [];
window.Notification = function (title, options) { window.__notifications.push((options || {}).body || title); };
window.Notification.permission = "granted";
window.Notification.requestPermission = function () { return Promise.resolve("granted"); };
"""
GUESTS = [
    ("What time is breakfast served?", "Tan Mei Ling"),
    ("Boleh saya tempah bilik untuk dua malam hujung minggu ini?", "Nur Aisyah"),
    ("My flight lands at 2am, can I check in early and have an extra pillow in a very long message?", "James Carter"),
]
APP_SECRET = "console-browser-app-secret"
NUMBER = "990000001601"  # the property's WhatsApp phone number id (the guest's messages arrive on it)
# What sticks out past the viewport's right edge (text and form fields), named in the failure message.
OVERFLOWING = """(() => {
  const edge = document.documentElement.clientWidth + 0.5;
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(node);
    const right = range.getBoundingClientRect().right;
    const text = node.textContent.trim().slice(0, 60);
    if (right > edge) out.push(`${node.parentElement.tagName} ${Math.round(right)} ${text}`);
  }
  for (const field of document.querySelectorAll("input,select,textarea,table,pre,code")) {
    const right = field.getBoundingClientRect().right;
    if (right > edge) out.push(`${field.tagName} ${field.name || ""} ${Math.round(right)}`);
  }
  return out.slice(0, 12);
})()"""
STAFF_PAGES = ["/", "/conversations/{c}/", "/leads/", "/after-hours/", "/reviews/", "/analytics/", "/settings/",
               "/settings/saved-replies/", "/settings/staff/"]  # fmt: skip


@pytest.fixture
def console(committed_db, _committed_kb_a, forget_committed_guests, daphne):
    world = committed_db
    key = WidgetKey.objects.create(property=world.a, allowed_origins=[f"http://alpha.localhost:{daphne.port}"])
    names = {world.agent_a: "Aina", world.manager_a: "Ben"}
    for user, name in names.items():
        user.first_name = name
        user.save(update_fields=["first_name"])
    with schema_context(world.a.schema_name):
        reply = SavedReply.objects.create(
            title="Welcome",
            language="en",
            text="Hi {guest_name}, this is the front desk of {property}. How can I help?",
        )
    yield world
    with schema_context(world.a.schema_name):
        reply.delete()
    for user in names:
        user.first_name = ""
        user.save(update_fields=["first_name"])
    key.delete()


# Only the WhatsApp test (the module's last: the binding stays until the module ends) asks for `live_stack`;
# the others keep the session's daphne and worker.
live_stack_spec = spec_with_channels_of_a(
    StackSpec(env={"WHATSAPP_APP_SECRET": APP_SECRET}), whatsapp={NUMBER: "6016"}, buffer_window_seconds=0.5
)


def _staff(browser, world, user, origin):
    context = signed_in_context(browser, world.a, user, origin)
    context.add_init_script(NOTIFICATIONS)
    page = context.new_page()
    return context, page


def test_two_agents_and_a_guest_on_a_phone(console, daphne, celery_worker, browser) -> None:
    from playwright.sync_api import expect

    world = console
    origin = f"http://alpha.localhost:{daphne.port}"
    aina_context, aina = _staff(browser, world, world.agent_a, origin)
    ben_context, ben = _staff(browser, world, world.manager_a, origin)
    guest_context = browser.new_context(base_url=origin, viewport={"width": 390, "height": 760}, is_mobile=True)
    guest = guest_context.new_page()
    for page in (aina, ben):
        page.goto("/")
        expect(page.locator("#live-status")).to_have_attribute("data-state", "connected", timeout=15_000)

    guest.goto("/widget-demo/")
    open_widget(guest)
    ask(guest, "I want to speak to a real person please")

    # Both agents: the alert, a notification, the count in the tab title.
    for page in (aina, ben):
        expect(page.locator("#handoff-alert .alert-item")).to_have_count(1, timeout=20_000)
        expect(page).to_have_title("(1) Inbox — Alpha Hotel", timeout=10_000)
        assert wait_until(lambda p=page: p.evaluate("window.__notifications.length") >= 1, timeout=5)
    with schema_context(world.a.schema_name):
        conversation = Conversation.objects.order_by("-id").first()
    url = f"/conversations/{conversation.pk}/"
    ben.goto(url)
    aina.goto(url)
    expect(aina.locator("button.takeover")).to_be_visible()
    aina.keyboard.press("t")  # take over
    expect(aina.locator("#conversation-state")).to_contain_text("You hold this conversation", timeout=10_000)

    # Ben, without reloading: held by Aina; no reply box; a reply anyway is refused by name.
    expect(ben.locator("#conversation-state")).to_contain_text("Held by Aina since", timeout=10_000)
    expect(ben.locator("form.reply")).to_have_count(0)
    expect(ben.locator("button.takeover")).to_have_text("Take over from Aina")
    csrf = next(c["value"] for c in ben_context.cookies() if c["name"] == "csrftoken")
    refused = ben.evaluate(
        """async ([url, token]) => {
            const body = new URLSearchParams({text: "Ben here", csrfmiddlewaretoken: token});
            const answer = await fetch(url, {method: "POST", body, headers: {"X-Requested-With": "fetch"}});
            return answer.text();
        }""",
        [f"{url}reply/", csrf],
    )
    assert "Aina holds this conversation" in refused

    # Aina answers with a saved reply picked with "/".
    box = aina.locator("form.reply textarea")
    box.click()
    box.type("/wel")
    expect(aina.locator("#saved-replies")).to_be_visible()
    aina.locator("#saved-replies button", has_text="Welcome").click()
    expect(box).to_have_value("Hi there, this is the front desk of Alpha Hotel. How can I help?")
    aina.locator("button.send").click()
    expect(guest.locator(".m.ai[data-id]", has_text="Aina from the front desk has joined")).to_have_count(
        1, timeout=15_000
    )
    staff_bubble = guest.locator(".m.staff")
    expect(staff_bubble).to_contain_text("this is the front desk of Alpha Hotel", timeout=15_000)
    expect(staff_bubble.locator(".who")).to_have_text("Aina")
    expect(ben.locator(".msg.staff")).to_contain_text("front desk of Alpha Hotel", timeout=10_000)

    # An internal note: Ben sees it live, the guest never does.
    aina.locator("details.note-form summary").click()
    aina.locator("form.note textarea").fill("Guest sounds upset: offer late checkout")
    aina.locator("button.add-note").click()
    expect(ben.locator(".msg.note")).to_contain_text("offer late checkout", timeout=10_000)

    # The guest writes again: Aina (who holds it) is alerted when not looking at it.
    aina.goto("/")
    guest.locator("textarea").fill("Thank you, can I also get a late checkout?")
    guest.keyboard.press("Enter")
    expect(aina.locator("#handoff-alert .alert-item", has_text="late checkout")).to_have_count(1, timeout=15_000)
    aina.locator("#handoff-alert .alert-item", has_text="late checkout").locator(".dismiss").click()
    aina.reload()
    expect(aina.locator("#handoff-alert .alert-item", has_text="late checkout")).to_have_count(0)

    aina.goto(url)
    expect(aina.locator("button.resolve")).to_be_visible()
    aina.keyboard.press("r")  # resolve
    expect(guest.locator(".m.ai[data-id]", has_text="You're back with our assistant")).to_have_count(1, timeout=15_000)
    assert "offer late checkout" not in guest.locator(".log").inner_text()
    with schema_context(world.a.schema_name):
        assert StaffNote.objects.filter(conversation=conversation).count() == 1
    for context in (aina_context, ben_context, guest_context):
        context.close()


@pytest.fixture
def seeded(console):
    """Three guests, one held by Aina: something to look at (made before the browser starts: the live
    events go out through async_to_sync, which cannot run on Playwright's thread)."""
    world = console
    with schema_context(world.a.schema_name):
        for n, (text, name) in enumerate(GUESTS):
            conversation = engine.start_web_conversation(widget_key_id=1, consent_text="I accept.")
            conversation.guest.name = name
            conversation.guest.save(update_fields=["name"])
            engine.record_guest_message(conversation, text, provider_message_id=f"screens:{n}")
        handoff.begin_handoff(conversation.pk, trigger="human_request")
        handoff.take_over(conversation.pk, user_id=world.agent_a.pk)
        handoff.staff_reply(conversation.pk, user_id=world.agent_a.pk, text="Of course, I can arrange that for you.")
    return conversation


def test_no_staff_page_scrolls_sideways_on_a_phone_and_the_screens(console, seeded, daphne, browser) -> None:
    world = console
    origin = f"http://alpha.localhost:{daphne.port}"
    conversation = seeded
    screens = os.environ.get("NOCTURN_SCREENS_DIR")
    # 320 px too: fonts differ between chromium builds, so 360 alone leaves no margin.
    widths = [320, 360] + ([1366, 390] if screens else [])
    too_wide = []
    for width in widths:
        context = signed_in_context(browser, world.a, world.manager_a, origin)
        page = context.new_page()
        page.set_viewport_size({"width": width, "height": 900})
        for path in STAFF_PAGES:
            page.goto(path.format(c=conversation.pk))
            wide = page.evaluate("document.documentElement.scrollWidth")
            if wide > width:
                too_wide.append((path, width, wide, page.evaluate(OVERFLOWING)))
            if screens and width != 360 and path in ("/", "/conversations/{c}/", "/analytics/"):
                name = {"/": "inbox", "/conversations/{c}/": "conversation", "/analytics/": "analytics"}[path]
                Path(screens).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(Path(screens) / f"{name}-{width}.png"), full_page=True)
        context.close()
    assert not too_wide, too_wide


def test_a_click_on_send_is_not_lost_when_the_thread_refreshes_under_the_pointer(
    console, seeded, daphne, browser
) -> None:
    """A live refresh that lands between the press and the release of Send (a colleague's note, a delivery
    tick) must not eat the click: the composer stays the same element when only the thread changed."""
    from playwright.sync_api import expect

    world, conversation = console, seeded
    origin = f"http://alpha.localhost:{daphne.port}"
    aina_context, aina = _staff(browser, world, world.agent_a, origin)
    ben_context, ben = _staff(browser, world, world.manager_a, origin)
    for page in (aina, ben):
        page.goto(f"/conversations/{conversation.pk}/")
        expect(page.locator("#live-status")).to_have_attribute("data-state", "connected", timeout=15_000)
    live = aina.locator("#conversation-live")
    expect(live).to_have_attribute("data-refreshed", "1", timeout=10_000)  # the refresh on connecting

    aina.locator("form.reply textarea").fill("Your late checkout is confirmed until 2 pm.")
    send = aina.locator("button.send").bounding_box()
    aina.mouse.move(send["x"] + send["width"] / 2, send["y"] + send["height"] / 2)
    aina.mouse.down()
    ben.locator("details.note-form summary").click()
    ben.locator("form.note textarea").fill("Aina is confirming the late checkout")
    ben.locator("button.add-note").click()
    expect(aina.locator(".msg.note")).to_contain_text("confirming the late checkout", timeout=10_000)
    aina.mouse.up()

    expect(aina.locator(".msg.staff", has_text="late checkout is confirmed")).to_have_count(1, timeout=10_000)
    expect(aina.locator("form.reply textarea")).to_have_value("")
    for context in (aina_context, ben_context):
        context.close()


NIGHT = [
    "Good evening, I booked a deluxe room for tonight",
    "My flight was delayed and I will land at 1am",
    "Is somebody at the front desk at 2am?",
    "Can you keep the room for me?",
    "I also need a baby cot please",
    "Please can a person call me back",
]
# The message's centre is on screen and nothing (the pinned composer) lies over it.
UNCOVERED = """(el) => {
  const r = el.getBoundingClientRect();
  if (r.top < 0 || r.bottom > window.innerHeight) return false;
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return !!hit && el.contains(hit);
}"""


@pytest.fixture
def waiting_guest(console):
    """A guest who wrote six lines and asked for a person: the handoff summary sits above the thread."""
    with schema_context(console.a.schema_name):
        conversation = engine.start_web_conversation(widget_key_id=1, consent_text="I accept.")
        for n, text in enumerate(NIGHT):
            engine.record_guest_message(conversation, text, provider_message_id=f"night:{n}")
        handoff.begin_handoff(conversation.pk, trigger="human_request")
    return conversation


@pytest.mark.parametrize("size", [(1366, 768), (1366, 900), (390, 844)])
def test_the_newest_guest_message_is_on_screen_when_a_conversation_opens(
    console, waiting_guest, daphne, browser, size
) -> None:
    """At the night desk's 1366x768 the reply and note forms pinned at the bottom used to cover the whole
    thread under the handoff summary: the receptionist saw no message at all until they scrolled."""
    from playwright.sync_api import expect

    width, height = size
    origin = f"http://alpha.localhost:{daphne.port}"
    context = signed_in_context(browser, console.a, console.agent_a, origin)
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": height})
    held: list[object] = []
    page.route("**/conversations/*/live/", lambda route: held.append(route))  # never answered while the test looks
    page.goto(f"/conversations/{waiting_guest.pk}/")
    newest = page.locator(".thread > .msg.guest").last
    expect(newest).to_contain_text(NIGHT[-1])
    expect(page.locator("form.reply textarea")).to_be_visible()
    screens = os.environ.get("NOCTURN_SCREENS_DIR")
    if screens:
        Path(screens).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(screens) / f"conversation-open-{width}x{height}.png"))
    # Polled (the page settles on its own time), and with the socket's first refresh held: that refresh scrolls
    # the newest line into view again, and under load it came after the person (and this test) looked.
    assert wait_until(lambda: newest.evaluate(UNCOVERED), timeout=5), f"the newest message is hidden at {size}"
    assert wait_until(lambda: page.locator(".thread > .msg").last.evaluate(UNCOVERED), timeout=5), "last line hidden"
    assert held, "the live refresh was never asked for: nothing was held"
    context.close()


def test_a_guest_who_writes_while_the_staff_socket_is_down_is_alerted_once_it_is_back(
    console, seeded, daphne, browser
) -> None:
    """The feed's live event reaches only the sockets listening when it is sent: one written while a page was
    loading (the inbox just opened) or its connection was down was never alerted. A socket that opens asks."""
    from playwright.sync_api import expect

    world, conversation = console, seeded  # Aina holds it
    aina_context, aina = _staff(browser, world, world.agent_a, f"http://alpha.localhost:{daphne.port}")
    sockets, down = switchable_sockets(aina, "**/ws/staff/")
    aina.goto("/")
    expect(aina.locator("#live-status")).to_have_attribute("data-state", "connected", timeout=15_000)
    down["socket"] = True
    sockets[0].close(code=4000, reason="down")
    expect(aina.locator("#live-status")).to_have_attribute("data-state", "reconnecting", timeout=5_000)
    with schema_context(world.a.schema_name):  # its live event goes to no socket of Aina's
        engine.record_guest_message(conversation, "Is my late checkout confirmed?", provider_message_id="down:1")
    down["socket"] = False
    expect(aina.locator("#handoff-alert .alert-item", has_text="late checkout")).to_have_count(1, timeout=20_000)
    expect(aina.locator("#live-status")).to_have_attribute("data-state", "connected")
    assert aina.evaluate("window.__notifications").count("James Carter wrote: Is my late checkout confirmed?") == 1
    aina.reload()  # still unread, so alerted again, but heard once: no second notification
    expect(aina.locator("#handoff-alert .alert-item", has_text="late checkout")).to_have_count(1, timeout=15_000)
    assert aina.evaluate("window.__notifications") == []
    aina_context.close()


@pytest.fixture
def aina(committed_db, forget_committed_guests):
    user = committed_db.agent_a
    user.first_name = "Aina"
    user.save(update_fields=["first_name"])
    yield user
    user.first_name = ""
    user.save(update_fields=["first_name"])


def test_a_reply_whatsapp_refuses_shows_not_delivered_on_the_staff_message_live(
    aina, committed_db, live_stack: LiveStack, browser
) -> None:
    from playwright.sync_api import expect

    world, graph, wa_id = committed_db, live_stack.graph, "60116001601"
    origin = f"http://alpha.localhost:{live_stack.daphne.port}"
    context, page = _staff(browser, world, aina, origin)

    def texts_to_guest() -> list[str]:
        return [m["text"]["body"] for m in graph.sent_messages() if m.get("to") == wa_id and m.get("type") == "text"]

    body = whatsapp_text_body(NUMBER, wa_id, "I want to speak to a real person please", name="Siti Rahmah")
    assert live_stack.post_whatsapp(body, APP_SECRET) == 200

    def handed_off() -> Conversation | None:
        with schema_context(world.a.schema_name):
            return Conversation.objects.filter(
                guest__identities__external_id=f"+{wa_id}", status=ConversationStatus.HANDED_OFF
            ).first()

    conversation = wait_until(handed_off, timeout=60)
    assert conversation, "the guest asking for a person was not handed to staff"
    page.goto(f"/conversations/{conversation.pk}/")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "connected", timeout=15_000)
    page.keyboard.press("t")  # take over
    expect(page.locator("#conversation-state")).to_contain_text("You hold this conversation", timeout=10_000)
    assert graph.wait_for(lambda g: any("Aina from the front desk has joined" in t for t in texts_to_guest()), 60)

    # From now on Graph refuses every send to this guest: 131026, the number can't receive WhatsApp.
    graph.undeliverable.add(wa_id)
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads or navigates
    page.locator("form.reply textarea").fill("Hello Siti, this is Aina at the front desk.")
    page.locator("button.send").click()
    reply = page.locator(".msg.staff", has_text="this is Aina at the front desk")
    expect(reply).to_have_count(1, timeout=10_000)
    shown = reply.locator('.delivery[data-delivery="failed"]')
    expect(shown).to_contain_text("not delivered", timeout=60_000)
    expect(shown).to_contain_text("This number can't receive WhatsApp messages")
    assert page.evaluate("window.__sameDocument === true"), "the page reloaded: the failure was not shown live"
    assert not any("this is Aina at the front desk" in t for t in texts_to_guest())
    context.close()

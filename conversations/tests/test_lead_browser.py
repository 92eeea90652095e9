"""Issue 15's browser proof on real daphne + Celery: a guest books on the widget over five messages, gives the
contact last, says YES, and staff see the complete lead (name, phone, dates, party, room, value) in the handoff."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from leads.models import Lead, RoomRate
from properties.models import WidgetKey
from testsupport.browser import signed_in_context

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture
def widget_key(committed_db, _committed_kb_a, forget_committed_guests, daphne):
    key = WidgetKey.objects.create(property=committed_db.a, allowed_origins=[f"http://alpha.localhost:{daphne.port}"])
    with schema_context(committed_db.a.schema_name):
        rate = RoomRate.objects.create(name="Deluxe King Room", nightly_rate=Decimal("320.00"))
    yield key
    with schema_context(committed_db.a.schema_name):
        rate.delete()  # the lead goes with its guest (forget_committed_guests)
    key.delete()


def test_a_guest_books_over_five_messages_contact_last_says_yes_and_staff_see_the_whole_lead(
    committed_db, daphne, celery_worker, widget_key, browser, tmp_path
) -> None:
    from playwright.sync_api import expect

    world = committed_db
    origin = f"http://alpha.localhost:{daphne.port}"
    guest_context = browser.new_context(base_url=origin, viewport={"width": 390, "height": 760})
    guest = guest_context.new_page()
    guest.goto("/widget-demo/")
    guest.locator(".launch").click()
    guest.locator(".accept").click()
    expect(guest.locator("form")).to_be_visible(timeout=10_000)

    script = [
        ("I'd like to book a room please", "Which date"),
        ("20 June 2027", "How many nights"),
        ("3 nights, 2 adults", "Which room type"),
        ("The Deluxe King Room", "phone number or e-mail"),
        ("I'm Aisha Rahman, 012-345 6789", "reply YES or NO"),
    ]
    for number, (text, asked) in enumerate(script):
        guest.locator("textarea").fill(text)
        guest.keyboard.press("Enter")
        reply = guest.locator(".m.ai[data-id]").nth(number)
        expect(reply).to_contain_text(asked, timeout=30_000)
        assert reply.inner_text().count("?") == 1  # one question a message, never a form
    guest.screenshot(path=str(tmp_path / "widget-390.png"))
    guest.locator("textarea").fill("yes")
    guest.keyboard.press("Enter")
    expect(guest.locator(".m.ai[data-id]").nth(5)).to_contain_text("reservations team", timeout=30_000)

    staff_context = signed_in_context(browser, world.a, world.agent_a, origin)
    staff = staff_context.new_page()
    staff.set_viewport_size({"width": 1366, "height": 900})
    with schema_context(world.a.schema_name):
        lead = Lead.objects.order_by("-id").first()  # the name is encrypted at rest: read, not filtered on
        conversation_id = lead.conversation_links.get().conversation_id
        assert lead.guest_name == "Aisha Rahman" and lead.handed_over_at is not None
        assert lead.phone == "+60123456789" and lead.estimated_value is not None
    staff.goto(f"/conversations/{conversation_id}/")
    summary = staff.locator(".lead-summary")
    for shown in ("Aisha Rahman", "+60123456789", "20 Jun 2027", "23 Jun 2027", "3 night", "2 adult",
                  "Deluxe King Room", "Estimated value: MYR"):  # fmt: skip
        expect(summary).to_contain_text(shown, timeout=10_000)
    staff.screenshot(path=str(tmp_path / "handoff-1366.png"), full_page=True)
    staff_context.close()
    guest_context.close()

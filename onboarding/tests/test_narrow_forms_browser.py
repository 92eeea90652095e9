"""The wizard's and the settings' forms on a 390 px phone: every text box stays inside its card, and the
knowledge preview's six columns do not widen the page.

The pages are rendered by the test client and laid out by chromium with the dashboard's own stylesheet (no
server needed: only the CSS decides this). A text box of `width: 100%` plus its padding and border used to
stick out past the card's right edge, into the screen's edge."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from conftest import host_client
from testsupport.knowledge import FIXTURES

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

CSS = (settings.BASE_DIR / "static" / "dashboard" / "base.css").read_text()
PAGES = ("/onboarding/details/", "/onboarding/channels/", "/settings/")


@pytest.mark.parametrize("path", PAGES)
def test_no_text_box_sticks_out_of_its_card_at_390_px(world: Any, browser: Any, path: str) -> None:
    html = host_client(world.a, world.manager_a).get(path).content.decode()
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.set_content(html)
    page.add_style_tag(content=CSS)
    outside = page.evaluate(
        """() => [...document.querySelectorAll('.card input:not([type=hidden]), .card textarea, .card select')]
            .map(el => [el, el.closest('.card')])
            .filter(([el, card]) => el.getBoundingClientRect().right > card.getBoundingClientRect().right + 0.5)
            .map(([el]) => el.name)"""
    )
    page.close()
    assert outside == []


def test_the_knowledge_preview_does_not_widen_the_page_at_390_px(world: Any, browser: Any) -> None:
    with (FIXTURES / "hotel.json").open("rb") as upload:
        response = host_client(world.a, world.manager_a).post("/onboarding/knowledge/", {"file": upload})
    html = response.content.decode()
    assert 'id="preview"' in html
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.set_content(html)
    page.add_style_tag(content=CSS)
    width = page.evaluate("document.documentElement.scrollWidth")
    page.close()
    assert width <= 390

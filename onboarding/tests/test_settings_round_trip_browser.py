"""In a real browser on a real daphne: a manager opens every settings section and saves it without
changes — nothing changes, widget origins included; then changes one field in each section, and
only that field changes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from onboarding.services.settings import SECTIONS, get_settings, update_settings
from onboarding.tests.test_settings_round_trip import CONFIGURED, ONE_CHANGE, flat
from properties.models import WidgetKey
from testsupport.browser import signed_in_context
from testsupport.live import Daphne

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture
def configured_a(committed_db: Any) -> Iterator[Any]:
    """Property A with a value in every field (committed: daphne reads it); put back as it was afterwards."""
    world = committed_db
    before = get_settings(world.a)
    key = WidgetKey.objects.create(property=world.a, allowed_origins=["https://alpha.example"], is_active=True)
    update_settings(world.a, CONFIGURED(key))
    yield world
    key.delete()
    update_settings(world.a, {name: values for name, values in before.items() if name != "widget"})


def settings_of(world: Any) -> dict[str, Any]:
    world.a.refresh_from_db()
    return get_settings(world.a)


def test_a_manager_saves_every_section_unchanged_then_changes_one_field_in_each(
    configured_a: Any, daphne: Daphne, browser: Any
) -> None:
    from playwright.sync_api import expect

    world = configured_a
    key = WidgetKey.objects.get(property=world.a, allowed_origins=["https://alpha.example", "http://localhost:8000"])
    context = signed_in_context(browser, world.a, world.manager_a, f"http://alpha.localhost:{daphne.port}")
    page = context.new_page()
    page.set_default_timeout(20_000)

    before = settings_of(world)
    for name, section in SECTIONS.items():
        page.goto(f"/settings/#{name}")
        page.locator(f"#form-{name} button[type=submit]").click()
        expect(page.locator(".messages-flash")).to_contain_text(f"{section.title}: saved.")
        assert settings_of(world) == before, f"saving {name} unchanged changed something"
    assert settings_of(world)["widget"]["keys"][0]["allowed_origins"] == [
        "https://alpha.example",
        "http://localhost:8000",
    ]

    for name, (field, value, changed) in ONE_CHANGE.items():
        start = flat(settings_of(world))
        page.goto(f"/settings/#{name}")
        page.locator(f"#form-{name} [name={field or f'key_{key.pk}'}]").fill(value)
        page.locator(f"#form-{name} button[type=submit]").click()
        expect(page.locator(".messages-flash")).to_contain_text(f"{SECTIONS[name].title}: saved.")
        after = flat(settings_of(world))
        assert {k for k in after if after[k] != start.get(k)} == {changed}, name
    context.close()

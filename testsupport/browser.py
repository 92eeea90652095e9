"""Browser fixtures: Playwright driving Debian's chromium (never a downloaded browser).

Tests that use `browser` are skipped, saying why, when /usr/bin/chromium is not installed
(`make test` installs it when it runs as root).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django_tenants.utils import schema_context

from properties.services import property_host

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser() -> Iterator[Any]:
    """A fresh chromium per test. Function-scoped on purpose: Playwright's sync API holds an event
    loop on the test's thread while it runs, which would break `async_to_sync` in later tests."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread, which Django mistakes for async
    # code calling the ORM. Only this test process is concerned: live.child_env drops the flag, so
    # daphne and the worker keep Django's real check.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
            yield instance
            instance.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


def signed_in_context(browser: Any, property_: Any, user: Any, base_url: str) -> Any:
    """A browser context already signed in as `user` on `property_`'s host (a real session cookie)."""
    client = Client(HTTP_HOST=property_host(property_.slug))
    with schema_context(property_.schema_name):
        client.force_login(user)
    context = browser.new_context(base_url=base_url)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            }
        ]
    )
    return context

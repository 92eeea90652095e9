"""Browser fixtures: Playwright driving Debian's chromium (never a downloaded browser).

Tests that use `browser` are skipped, saying why, when /usr/bin/chromium is not installed
(`make test` installs it when it runs as root).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context
from playwright.sync_api import expect

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


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Debian's chromium, launched through Playwright's sync API, and this thread's ORM put back afterwards.

    Playwright's sync API marks its event loop as running on the test's thread after every call, and
    Django then hands that thread a second connection (its connections are per thread, and per task under
    a running loop): whatever the test does with the ORM while the browser is open, a test-client request
    to a property's host included, happens on that second connection. The root conftest puts the ordinary
    connection back into the public schema after each test; this one is left to us. It kept a property's
    schema from one browser test to the next (`test_narrow_forms_browser`'s requests to alpha's pages; the
    wizard test, later, could not drop its property "outside the public schema"): reset and close it while
    it is still the one in use.
    """
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread, which Django mistakes for async
    # code calling the ORM. Only this test process is concerned: live.child_env drops the flag, so
    # daphne and the worker keep Django's real check.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
            try:
                yield instance
            finally:
                instance.close()  # the loop is still marked running: `connection` is the second one
                connection.set_schema_to_public()
                connection.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def browser() -> Iterator[Any]:
    """A fresh chromium per test. Function-scoped on purpose: Playwright's sync API holds an event
    loop on the test's thread while it runs, which would break `async_to_sync` in later tests."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    with chromium() as instance:
        yield instance


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


def open_widget(page: Any) -> None:
    """On a page that embeds the widget: open it and accept the notice, until the message form shows."""
    page.locator(".launch").click()
    page.locator(".accept").click()
    expect(page.locator("form")).to_be_visible(timeout=10_000)


def ask(page: Any, text: str) -> None:
    """Send `text` as the guest from the open widget (typed, then Enter)."""
    page.locator("textarea").fill(text)
    page.keyboard.press("Enter")


def switchable_sockets(page: Any, url: str) -> tuple[list[Any], dict[str, bool]]:
    """Route `page`'s websockets to `url` through a switch: while its "socket" is True (down) a new one is
    closed at once (code 4000), else it goes to the server. The sockets that went through, and the switch."""
    sockets: list[Any] = []
    down = {"socket": False}

    def handle(socket: Any) -> None:
        if down["socket"]:
            socket.close(code=4000, reason="down")
        else:
            socket.connect_to_server()
            sockets.append(socket)

    page.route_web_socket(url, handle)
    return sockets, down

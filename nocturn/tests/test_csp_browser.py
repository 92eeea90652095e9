"""The Content-Security-Policy in a real browser (Debian's chromium, real daphne): staff pages, the API docs
and the widget demo page work under it and the browser reports no violation."""

from __future__ import annotations

from typing import Any

import pytest

from testsupport.browser import open_widget, signed_in_context

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def watched(context: Any) -> Any:
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.console_messages_seen = []
    page.on("console", lambda m: page.console_messages_seen.append(m.text))
    return page


def violations(page: Any) -> list[str]:
    return list(page.evaluate("window.__csp")) + [m for m in page.console_messages_seen if "Content Security" in m]


def test_staff_pages_and_api_docs_run_under_the_policy_without_violations(committed_db, daphne, browser) -> None:
    from playwright.sync_api import expect

    origin = f"http://alpha.localhost:{daphne.port}"
    page = watched(signed_in_context(browser, committed_db.a, committed_db.manager_a, origin))
    page.goto("/")
    # live.js (a static file) ran and opened its websocket to the same host under connect-src 'self'.
    expect(page.locator("#live-status")).to_have_attribute("data-state", "connected", timeout=15_000)
    assert page.evaluate("getComputedStyle(document.querySelector('header')).display") == "flex"  # base.css applied
    for path in ("/leads/", "/after-hours/", "/reviews/", "/analytics/"):
        page.goto(path)
        page.wait_for_load_state("load")
    assert violations(page) == []

    anonymous = watched(browser.new_context(base_url=origin))
    anonymous.goto("/login/")
    assert anonymous.evaluate("getComputedStyle(document.querySelector('.card')).maxWidth") != "none"
    assert violations(anonymous) == []

    docs = watched(browser.new_context(base_url=f"http://localhost:{daphne.port}"))
    docs.goto("/api/docs/")
    expect(docs.locator(".swagger-ui .info .title")).to_contain_text("Nocturn AI API", timeout=15_000)
    assert violations(docs) == []


def test_the_widget_demo_page_works_under_its_policy(committed_db, daphne, live_widget_key, browser) -> None:

    page = watched(browser.new_context(base_url=f"http://alpha.localhost:{daphne.port}"))
    page.goto("/widget-demo/")
    open_widget(page)  # widget.js from the API host, its fetch allowed
    assert violations(page) == []

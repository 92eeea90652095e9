"""The browser leaves the test thread's ORM as it found it (testsupport.browser.chromium).

While Playwright's sync API has the browser open, Django gives the test's thread a second connection; a
test-client request to a property's host sets that connection's schema. Before `chromium` reset it, the
next browser test started in that property's schema (the wizard test could then not drop its property)."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.db import connection

from conftest import host_client
from testsupport.browser import CHROMIUM, chromium

pytestmark = [pytest.mark.browser]


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"browser tests need Debian's chromium at {CHROMIUM}")
def test_a_request_to_a_property_while_a_browser_is_open_leaves_the_next_browser_in_the_public_schema(
    committed_db: Any,
) -> None:
    ordinary = connection.schema_name
    with chromium():
        assert host_client(committed_db.a).get("/login/").status_code == 200
        assert connection.schema_name == committed_db.a.schema_name  # the middleware set it, on the second one
    assert ordinary == connection.schema_name == "public"  # the ordinary connection was never touched
    with chromium():
        assert connection.schema_name == "public"

"""pytest fixtures for the fake providers, for every test (the root conftest.py loads this module as a plugin):

- `graph`: the fake Graph API, nothing pointed at it (a test hands its URL and token to what it starts);
- `fake_graph`: the same server, with the WhatsApp adapter's settings pointed at it;
- `fake_smtp`: the fake SMTP server, with Django's SMTP backend pointed at it.

Both change settings through pytest-django's `settings`, so they are put back after the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from testsupport.graph import FakeGraphServer
from testsupport.smtp import FakeSmtpServer


@pytest.fixture
def graph() -> Iterator[FakeGraphServer]:
    with FakeGraphServer() as server:
        yield server


@pytest.fixture
def fake_graph(settings: Any, graph: FakeGraphServer) -> FakeGraphServer:
    settings.GRAPH_API_BASE_URL = graph.url
    settings.WHATSAPP_ACCESS_TOKEN = graph.token
    settings.WHATSAPP_HTTP_TIMEOUT = 1.0
    return graph


@pytest.fixture
def fake_smtp(settings: Any) -> Iterator[FakeSmtpServer]:
    with FakeSmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = server.host
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 2
        yield server

"""pytest fixtures for the fake providers, for any test module or conftest that imports them:

    from conversations.channels.fakes.fixtures import fake_graph, fake_smtp  # noqa: F401

`fake_smtp` also points Django's SMTP backend at the server (through pytest-django's `settings`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conversations.channels.fakes.graph import FakeGraphServer
from conversations.channels.fakes.smtp import FakeSmtpServer


@pytest.fixture
def fake_graph(settings: Any) -> Iterator[FakeGraphServer]:
    with FakeGraphServer() as server:
        settings.GRAPH_API_BASE_URL = server.url
        settings.WHATSAPP_ACCESS_TOKEN = server.token
        settings.WHATSAPP_HTTP_TIMEOUT = 1.0
        yield server


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

"""Fixtures for integrations: a credential for each property and a signed-post helper."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from conftest import host_client
from integrations import signing
from integrations.services import credentials
from properties.models import Property


@dataclass
class Keys:
    a: credentials.IssuedCredential
    b: credentials.IssuedCredential


@pytest.fixture
def keys(world) -> Keys:
    return Keys(a=credentials.create(world.a, label="Alpha PMS"), b=credentials.create(world.b, label="Bravo POS"))


def booking_event(event_id: str = "evt-1", **overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "id": event_id,
        "type": "booking.confirmed",
        "occurred_at": "2026-11-29T09:30:00Z",
        "guest": {"name": "Aisyah Rahman", "phone": "+60123456789", "email": "aisyah@example.com", "language": "en"},
        "booking": {"reference": "BK-1001", "check_in": "2026-12-20", "check_out": "2026-12-22", "room_type": "Deluxe"},
    }
    event.update(overrides)
    return event


def encode(event: Any) -> bytes:
    return event if isinstance(event, bytes) else json.dumps(event).encode()


def post_event(
    property_: Property | str,
    event: Any,
    secret: str | None,
    *,
    timestamp: int | None = None,
    signature: str | None = None,
    client: Client | None = None,
):
    body = encode(event)
    headers = {}
    if signature is not None:
        headers[signing.HEADER] = signature
    elif secret is not None:
        headers[signing.HEADER] = signing.header_value(
            secret, int(time.time()) if timestamp is None else timestamp, body
        )
    slug = property_ if isinstance(property_, str) else property_.slug
    return (client or host_client(None)).post(
        f"/api/v1/integrations/{slug}/events", body, content_type="application/json", headers=headers
    )

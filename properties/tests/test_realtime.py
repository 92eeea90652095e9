"""The staff websocket on a real daphne over the channels-redis layer."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django_tenants.utils import schema_context
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from properties.realtime import notify_staff
from properties.services import property_host

pytestmark = pytest.mark.e2e


def session_cookie(property_, user) -> str:
    client = Client(HTTP_HOST=property_host(property_.slug))
    with schema_context(property_.schema_name):
        client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def open_staff_socket(daphne, host: str, cookie: str | None, origin: str | None = ""):
    """As the dashboard's page opens it: Origin is the host's own unless a test says otherwise (None: no Origin)."""
    sock = socket.create_connection(("127.0.0.1", daphne.port), timeout=5)
    headers = {"Cookie": cookie} if cookie else {}
    if origin is not None:
        headers["Origin"] = origin or f"http://{host}:{daphne.port}"
    return connect(f"ws://{host}:{daphne.port}/ws/staff/", sock=sock, additional_headers=headers, open_timeout=5)


@contextlib.contextmanager
def staff_sockets_of_a_and_b(daphne, world) -> Iterator[tuple[Any, Any]]:
    """A's agent and B's manager on their own properties' live feeds, each past its hello."""
    with (
        open_staff_socket(daphne, "alpha.localhost", session_cookie(world.a, world.agent_a)) as ws_a,
        open_staff_socket(daphne, "bravo.localhost", session_cookie(world.b, world.manager_b)) as ws_b,
    ):
        ws_a.recv(timeout=5)
        ws_b.recv(timeout=5)
        yield ws_a, ws_b


def receive_events(ws, seconds: float) -> list[dict]:
    events, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            events.append(json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic()))))
        except TimeoutError:
            break
    return events


def test_a_member_joins_the_propertys_live_feed(committed_db, daphne):
    world = committed_db
    with open_staff_socket(daphne, "alpha.localhost", session_cookie(world.a, world.manager_a)) as ws:
        hello = json.loads(ws.recv(timeout=5))
        assert hello == {"event": "hello", "payload": {"property": "Alpha Hotel", "role": "manager"}}
        with schema_context(world.a.schema_name):
            notify_staff(world.a.schema_name, "handoff", {"conversation": 1})
        assert {"event": "handoff", "payload": {"conversation": 1}} in receive_events(ws, 3)


@pytest.mark.parametrize("who", ["manager_b", "anonymous"])
def test_outsiders_are_refused_on_as_staff_socket(committed_db, daphne, who):
    world = committed_db
    cookie = session_cookie(world.b, world.manager_b) if who == "manager_b" else None
    with pytest.raises(InvalidStatus) as refused:
        open_staff_socket(daphne, "alpha.localhost", cookie)
    assert refused.value.response.status_code == 403


def test_bs_staff_never_receive_as_events(committed_db, daphne):
    world = committed_db
    with staff_sockets_of_a_and_b(daphne, world) as (ws_a, ws_b):
        with schema_context(world.a.schema_name):
            notify_staff(world.a.schema_name, "new_message", {"text": "secret of alpha"})
        assert any(e["event"] == "new_message" for e in receive_events(ws_a, 3))
        assert receive_events(ws_b, 1) == []


def test_a_session_cookie_of_a_cannot_be_replayed_on_bs_host(committed_db, daphne):
    world = committed_db
    with pytest.raises(InvalidStatus):
        open_staff_socket(daphne, "bravo.localhost", session_cookie(world.a, world.manager_a))


@pytest.mark.parametrize("origin", ["http://bravo.localhost:{port}", "http://evil.example", "null", None])
def test_a_members_cookie_from_another_pages_origin_is_refused(committed_db, daphne, origin):
    """A page on a sibling subdomain (same-site, so the cookie goes along) cannot read A's live feed."""
    world = committed_db
    cookie = session_cookie(world.a, world.manager_a)
    with pytest.raises(InvalidStatus) as refused:
        open_staff_socket(daphne, "alpha.localhost", cookie, origin.format(port=daphne.port) if origin else None)
    assert refused.value.response.status_code == 403

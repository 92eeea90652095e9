"""The fake Graph API can be driven from another process (a Celery worker's test, a benchmark) over HTTP."""

from __future__ import annotations

import threading

import httpx

from messaging.base import OutboundMessage
from messaging.whatsapp import WhatsAppAdapter
from testsupport.graph import FakeGraphServer


def test_faults_and_recordings_are_reachable_over_http() -> None:
    with FakeGraphServer() as graph, httpx.Client(base_url=graph.url, timeout=2) as http:
        assert http.post("/_fake/faults", json={"status": 500, "times": 1}).status_code == 200
        auth = {"Authorization": f"Bearer {graph.token}"}
        message = {"messaging_product": "whatsapp", "to": "60123", "type": "text", "text": {"body": "hi"}}
        assert http.post("/v23.0/111/messages", json=message, headers=auth).status_code == 500
        assert http.post("/v23.0/111/messages", json=message, headers=auth).status_code == 200
        rows = http.get("/_fake/requests").json()
        assert [row["status"] for row in rows] == [500, 200]
        assert rows[1]["path"] == "/v23.0/111/messages" and '"hi"' in rows[1]["body"]
        assert http.post("/_fake/faults", json={"bogus": 1}).status_code == 400
        assert http.post("/_fake/reset").status_code == 200
        assert http.get("/_fake/requests").json() == []


def test_it_checks_what_meta_checks() -> None:
    with FakeGraphServer() as graph, httpx.Client(base_url=graph.url, timeout=2) as http:
        auth = {"Authorization": f"Bearer {graph.token}"}
        too_long = {"messaging_product": "whatsapp", "to": "60123", "type": "text", "text": {"body": "x" * 4097}}
        answer = http.post("/v23.0/111/messages", json=too_long, headers=auth)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == 100
        no_product = {"to": "60123", "type": "text", "text": {"body": "x"}}
        assert http.post("/v23.0/111/messages", json=no_product, headers=auth).status_code == 400
        ok = {"messaging_product": "whatsapp", "to": "60123", "type": "text", "text": {"body": "x"}}
        wrong_token = http.post("/v23.0/111/messages", json=ok, headers={"Authorization": "Bearer nope"})
        assert wrong_token.status_code == 401 and wrong_token.json()["error"]["code"] == 190
        assert graph.sent_messages() == []


def test_wait_for_returns_as_soon_as_the_condition_holds() -> None:
    with FakeGraphServer() as graph:
        assert graph.wait_for(lambda g: len(g.sent_messages()) == 1, timeout=0.1) is False

        def send_later() -> None:
            message = {"messaging_product": "whatsapp", "to": "60123", "type": "text", "text": {"body": "x"}}
            httpx.post(
                f"{graph.url}/v23.0/111/messages",
                json=message,
                headers={"Authorization": f"Bearer {graph.token}"},
                timeout=2,
            )

        threading.Timer(0.05, send_later).start()
        assert graph.wait_for(lambda g: len(g.sent_messages()) == 1, timeout=3) is True


def test_the_shared_fixture_points_the_adapter_settings_at_the_fake(fake_graph: FakeGraphServer) -> None:
    with WhatsAppAdapter.from_settings("106540352242922") as adapter:
        adapter.send(OutboundMessage("whatsapp", "+60123456789", "hello from settings"))
    assert [m["text"]["body"] for m in fake_graph.sent_messages()] == ["hello from settings"]

"""The staff websocket's new events (handoff, message.new, conversation.status) reach A's staff only."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from conversations import engine, handoff
from properties.tests.test_realtime import open_staff_socket, receive_events, session_cookie

pytestmark = pytest.mark.e2e


def test_handoff_and_message_events_reach_every_signed_in_member_of_a_and_nobody_of_b(
    committed_db, forget_committed_guests, daphne
) -> None:
    world = committed_db
    with (
        open_staff_socket(daphne, "alpha.localhost", session_cookie(world.a, world.agent_a)) as agent,
        open_staff_socket(daphne, "alpha.localhost", session_cookie(world.a, world.viewer_a)) as viewer,
        open_staff_socket(daphne, "bravo.localhost", session_cookie(world.b, world.manager_b)) as outsider,
    ):
        for ws in (agent, viewer, outsider):
            ws.recv(timeout=5)  # hello
        with schema_context(world.a.schema_name):
            conversation = engine.start_web_conversation(widget_key_id=1, consent_text="I accept.")
            engine.record_guest_message(conversation, "Secret of Alpha: suite 1207", provider_message_id="rt:1")
            handoff.begin_handoff(conversation.pk, trigger="human_request")
            handoff.take_over(conversation.pk, user_id=world.agent_a.pk)
        for ws in (agent, viewer):
            seen = receive_events(ws, 3)
            names = [e["event"] for e in seen]
            assert names[:3] == ["message.new", "handoff", "conversation.status"], names
            alert = seen[1]["payload"]
            assert alert["conversation_id"] == conversation.pk and alert["trigger"] == "human_request"
            assert "Secret of Alpha" in seen[0]["payload"]["preview"]
        assert receive_events(outsider, 1) == []

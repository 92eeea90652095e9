"""The staff websocket's new events (handoff, message.new, conversation.status) reach A's staff only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django_tenants.utils import schema_context

from conversations import engine, handoff
from properties.tests.test_realtime import open_staff_socket, receive_events, session_cookie

pytestmark = pytest.mark.e2e


@contextmanager
def _sockets_of_a_and_b(daphne, world) -> Iterator[tuple]:
    """Signed-in staff sockets of A's agent, A's viewer and B's manager, each past its hello."""
    with (
        open_staff_socket(daphne, "alpha.localhost", session_cookie(world.a, world.agent_a)) as agent,
        open_staff_socket(daphne, "alpha.localhost", session_cookie(world.a, world.viewer_a)) as viewer,
        open_staff_socket(daphne, "bravo.localhost", session_cookie(world.b, world.manager_b)) as outsider,
    ):
        for ws in (agent, viewer, outsider):
            ws.recv(timeout=5)  # hello
        yield agent, viewer, outsider


def test_handoff_and_message_events_reach_every_signed_in_member_of_a_and_nobody_of_b(
    committed_db, forget_committed_guests, daphne
) -> None:
    world = committed_db
    with _sockets_of_a_and_b(daphne, world) as (agent, viewer, outsider):
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


def test_staff_typing_reaches_colleagues_of_a_only_viewers_may_not_type_and_ids_stay_in_the_property(
    committed_db, forget_committed_guests, daphne
) -> None:
    world = committed_db
    with schema_context(world.a.schema_name):
        conversation = engine.start_web_conversation(widget_key_id=1, consent_text="I accept.")
    with _sockets_of_a_and_b(daphne, world) as (agent, viewer, outsider):
        agent.send(json.dumps({"type": "typing", "conversation_id": conversation.pk}))
        typed = [e for e in receive_events(viewer, 3) if e["event"] == "staff.typing"]
        assert [(e["payload"]["conversation_id"], e["payload"]["user_id"]) for e in typed] == [
            (conversation.pk, world.agent_a.pk)
        ]
        receive_events(agent, 0.5)  # its own echo (the page ignores its own user id)
        viewer.send(json.dumps({"type": "typing", "conversation_id": conversation.pk}))
        assert receive_events(viewer, 2)[0]["payload"]["status"] == 403
        outsider.send(json.dumps({"type": "typing", "conversation_id": conversation.pk}))  # A's id, B's property
        answers = receive_events(outsider, 2)
        assert [a["payload"]["status"] for a in answers if a["event"] == "error"] == [404]
        assert not [e for e in receive_events(agent, 1) if e["event"] == "staff.typing"]  # B's try reached nobody


def test_taking_over_from_a_colleague_tells_them_live(committed_db, forget_committed_guests, daphne) -> None:
    world = committed_db
    with schema_context(world.a.schema_name):
        conversation = engine.start_web_conversation(widget_key_id=1, consent_text="I accept.")
        handoff.take_over(conversation.pk, user_id=world.agent_a.pk)
    with open_staff_socket(daphne, "alpha.localhost", session_cookie(world.a, world.agent_a)) as agent:
        agent.recv(timeout=5)  # hello
        with schema_context(world.a.schema_name):
            handoff.take_over(conversation.pk, user_id=world.manager_a.pk, take_from=world.agent_a.pk)
        moved = [e["payload"] for e in receive_events(agent, 3) if e["event"] == "conversation.status"]
        assert moved and moved[0]["previous_holder_id"] == world.agent_a.pk
        assert moved[0]["holder_id"] == world.manager_a.pk

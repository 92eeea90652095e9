"""The staff API's doors on conversations, and the tenant admin's handoff setting: B's staff see nothing of A,
viewers change nothing, members can act. (The dashboard's pages: dashboard/tests/test_staff_pages.py.)"""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from conftest import api_client, host_client, secret_conversation_of_a
from conversations.models import AiMode, ConversationStatus, MessageRole

pytestmark = pytest.mark.django_db


@pytest.fixture
def convo_a(world):
    return secret_conversation_of_a(world)


def _state(world, conversation):
    with schema_context(world.a.schema_name):
        conversation.refresh_from_db()
        return conversation.status, conversation.ai_mode, conversation.messages.count()


def test_the_api_lets_an_agent_take_over_reply_and_resolve(world, convo_a) -> None:
    conversation = convo_a
    api, base = api_client(world.agent_a), f"/api/v1/properties/{world.a.pk}/conversations/{conversation.pk}"
    listed = api.get(f"/api/v1/properties/{world.a.pk}/conversations?status=active").json()["results"]
    assert conversation.pk in [c["id"] for c in listed] and {c["status"] for c in listed} == {"active"}
    assert api.post(f"{base}/handoff").json()["status"] == ConversationStatus.HANDED_OFF
    assert api.post(f"{base}/takeover").json()["ai_mode"] == AiMode.STAFF
    sent = api.post(f"{base}/messages", {"text": "Hello from the desk"}, content_type="application/json")
    assert sent.status_code == 201 and sent.json()["role"] == MessageRole.STAFF
    detail = api.get(base).json()
    assert detail["handoff"]["trigger"] == "manual" and detail["handoff"]["context"]["channel"] == "web"
    assert [m["event"] for m in detail["messages"] if m["role"] == "system"] == ["handoff", "takeover"]
    assert api.post(f"{base}/resolve").json()["ai_mode"] == AiMode.CONCIERGE
    assert api.post(f"{base}/resolve").status_code == 409  # nothing left to resolve
    bad = api.post(f"{base}/messages", {"text": ""}, content_type="application/json")
    assert bad.status_code == 400


def test_the_api_refuses_viewers_403_and_other_properties_404_without_changing_anything(world, convo_a) -> None:
    conversation = convo_a
    before = _state(world, conversation)
    base = f"/api/v1/properties/{world.a.pk}/conversations/{conversation.pk}"
    viewer, outsider = api_client(world.viewer_a), api_client(world.manager_b)
    assert viewer.get(base).status_code == 200
    for action in ("handoff", "takeover", "resolve"):
        assert viewer.post(f"{base}/{action}").status_code == 403
        assert outsider.post(f"{base}/{action}").status_code == 404
    assert viewer.post(f"{base}/messages", {"text": "x"}, content_type="application/json").status_code == 403
    assert outsider.post(f"{base}/messages", {"text": "x"}, content_type="application/json").status_code == 404
    assert outsider.get(base).status_code == 404
    assert outsider.get(f"/api/v1/properties/{world.a.pk}/conversations").status_code == 404
    # B's staff on their own property: A's conversation id means nothing there.
    own = outsider.get(f"/api/v1/properties/{world.b.pk}/conversations/{conversation.pk}")
    assert own.status_code == 404 and "1207" not in own.content.decode()
    assert host_client(None).get(base).status_code in (401, 403)
    assert _state(world, conversation) == before


def test_the_handoff_timeout_is_a_property_setting_in_its_tenant_admin(world) -> None:
    from conversations.models import HandoffSettings

    for property_ in (world.a, world.b):
        with schema_context(property_.schema_name):
            HandoffSettings.objects.all().delete()  # rows committed by end-to-end tests (rolled back here)
    manager, viewer = host_client(world.a, world.manager_a), host_client(world.a, world.viewer_a)
    assert manager.get("/admin/conversations/handoffsettings/add/").status_code == 200
    added = manager.post("/admin/conversations/handoffsettings/add/", {"alert_after_seconds": "120"})
    assert added.status_code == 302
    with schema_context(world.a.schema_name):
        row = HandoffSettings.current()
        assert row.alert_after_seconds == 120
    assert manager.get("/admin/conversations/handoffsettings/add/").status_code == 403  # one row per property
    refused = viewer.post(f"/admin/conversations/handoffsettings/{row.pk}/change/", {"alert_after_seconds": "1"})
    assert refused.status_code in (302, 403)  # viewers change nothing, in the admin either
    with schema_context(world.a.schema_name):
        assert HandoffSettings.current().alert_after_seconds == 120
    with schema_context(world.b.schema_name):
        assert HandoffSettings.current().alert_after_seconds == 600  # B keeps the default


def test_the_api_refuses_a_reply_that_is_not_utf8_and_sends_nothing(world, convo_a) -> None:
    conversation = convo_a
    api, base = api_client(world.agent_a), f"/api/v1/properties/{world.a.pk}/conversations/{conversation.pk}"
    assert api.post(f"{base}/takeover").json()["ai_mode"] == AiMode.STAFF
    before = _state(world, conversation)
    for body, kind in (
        (b"text=caf%E9", "application/x-www-form-urlencoded"),
        (b'{"text": "caf\xe9"}', "application/json"),
    ):
        answer = api.generic("POST", f"{base}/messages", body, content_type=kind)
        assert answer.status_code == 400, (kind, answer.content)
    assert _state(world, conversation) == before
    # B's manager gets nothing of A's through the same door, whatever the body.
    outsider = api_client(world.manager_b)
    assert (
        outsider.generic(
            "POST", f"{base}/messages", b"text=hi", content_type="application/x-www-form-urlencoded"
        ).status_code
        == 404
    )
    sent = api.generic("POST", f"{base}/messages", b"text=caf%C3%A9", content_type="application/x-www-form-urlencoded")
    assert sent.status_code == 201 and sent.json()["content"] == "café"

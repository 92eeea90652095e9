"""Who holds a conversation: take over, a refusal naming the holder, the explicit takeover, assignment; internal
notes that never reach the guest; saved replies. Each new door refuses other properties (404) and viewers' writes
(403), on the API and on the pages."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from conftest import api_client, host_client
from conversations import engine, handoff
from conversations.handoff import desk
from conversations.models import AiMode, Message, MessageRole, SavedReply, StaffNote
from conversations.payloads import conversation_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def named(world):
    """Aina (agent) and Ben (manager) of property A."""
    for user, name in ((world.agent_a, "Aina"), (world.manager_a, "Ben")):
        user.first_name = name
        user.save(update_fields=["first_name"])
    return world


@pytest.fixture
def convo_a(named):
    with schema_context(named.a.schema_name):
        conversation = engine.start_web_conversation(widget_key_id=1, consent_text="I accept.")
        conversation.guest.language = "ms"
        conversation.guest.save(update_fields=["language"])
        engine.record_guest_message(conversation, "Boleh saya bercakap dengan orang?", provider_message_id="a:1")
    return conversation


def _notices(world, conversation) -> list[tuple[str, str]]:
    with schema_context(world.a.schema_name):
        rows = Message.objects.filter(conversation=conversation, role=MessageRole.AI).order_by("id")
        return [(m.metadata.get("notice", ""), m.content) for m in rows]


def test_the_second_agent_is_refused_by_name_until_taking_over_explicitly(named, convo_a) -> None:
    world, conversation = named, convo_a
    base = f"/api/v1/properties/{world.a.pk}/conversations/{conversation.pk}"
    aina, ben = api_client(world.agent_a), api_client(world.manager_a)
    taken = aina.post(f"{base}/takeover")
    assert taken.status_code == 200 and taken.json()["holder"]["name"] == "Aina"
    refused = ben.post(f"{base}/messages", {"text": "I'll answer"}, content_type="application/json")
    assert refused.status_code == 409 and "Aina holds this conversation (since " in refused.json()["detail"]
    assert refused.json()["holder"]["user_id"] == world.agent_a.pk
    assert ben.post(f"{base}/takeover").status_code == 409  # not by accident
    moved = ben.post(f"{base}/takeover", {"take_from": world.agent_a.pk}, content_type="application/json")
    assert moved.status_code == 200 and moved.json()["holder"]["name"] == "Ben"
    assert ben.post(f"{base}/messages", {"text": "Ben here"}, content_type="application/json").status_code == 201
    assert aina.post(f"{base}/messages", {"text": "me?"}, content_type="application/json").status_code == 409
    with schema_context(world.a.schema_name):
        takeovers = [m.metadata for m in Message.objects.filter(conversation=conversation, role="system")]
        moved_event = [t for t in takeovers if t.get("event") == "takeover"][-1]
        assert (moved_event["user_id"], moved_event["from_user_id"]) == (world.manager_a.pk, world.agent_a.pk)
    assert ben.post(f"{base}/resolve").json()["holder"] is None
    notices = _notices(world, conversation)
    assert ("joined", "Aina dari kaunter hadapan telah menyertai perbualan ini.") in notices
    assert ("joined", "Ben dari kaunter hadapan telah menyertai perbualan ini.") in notices
    assert notices[-1] == ("back_to_ai", handoff.BACK_TO_AI["ms"])


def test_assigning_to_a_colleague_or_to_me(named, convo_a) -> None:
    world, conversation = named, convo_a
    base = f"/api/v1/properties/{world.a.pk}/conversations/{conversation.pk}"
    ben = api_client(world.manager_a)
    given = ben.post(f"{base}/assign", {"to_user_id": world.agent_a.pk}, content_type="application/json")
    assert given.status_code == 200 and given.json()["holder"]["name"] == "Aina"
    to_viewer = ben.post(
        f"{base}/assign",
        {"to_user_id": world.viewer_a.pk, "take_from": world.agent_a.pk},
        content_type="application/json",
    )
    assert to_viewer.status_code == 400
    to_b = ben.post(
        f"{base}/assign",
        {"to_user_id": world.manager_b.pk, "take_from": world.agent_a.pk},
        content_type="application/json",
    )
    assert to_b.status_code == 400  # another property's staff never hold A's guests
    assert (
        ben.post(f"{base}/assign", {"to_user_id": world.manager_a.pk}, content_type="application/json").status_code
        == 409
    )
    mine = ben.post(
        f"{base}/assign",
        {"to_user_id": world.manager_a.pk, "take_from": world.agent_a.pk},
        content_type="application/json",
    )
    assert mine.json()["holder"]["name"] == "Ben"
    page = host_client(world.a, world.agent_a).get(f"/conversations/{conversation.pk}/").content.decode()
    assert "Held by <strong>Ben</strong> since" in page and "Take over from Ben" in page
    assert 'class="reply"' not in page  # no composer for someone who does not hold it


def test_an_internal_note_is_shown_to_staff_and_never_sent(named, convo_a) -> None:
    world, conversation = named, convo_a
    agent = host_client(world.a, world.agent_a)
    agent.post(f"/conversations/{conversation.pk}/takeover/")
    assert (
        agent.post(f"/conversations/{conversation.pk}/notes/", {"text": "VIP: upgrade if possible"}).status_code == 302
    )
    api = api_client(world.viewer_a)
    listed = api.get(f"/api/v1/properties/{world.a.pk}/conversations/{conversation.pk}/notes").json()["results"]
    assert [(n["text"], n["author"]) for n in listed] == [("VIP: upgrade if possible", "Aina")]
    page = agent.get(f"/conversations/{conversation.pk}/").content.decode()
    assert "VIP: upgrade if possible" in page and "never sent to the guest" in page
    with schema_context(world.a.schema_name):
        messages = list(Message.objects.filter(conversation=conversation))
        assert not any("VIP" in m.content for m in messages)
        assert "VIP" not in str(conversation_payload(conversation, messages))


def test_saved_replies_are_managed_by_managers_and_filled_in_for_the_guest(named, convo_a) -> None:
    world, conversation = named, convo_a
    manager = host_client(world.a, world.manager_a)
    created = manager.post(
        "/settings/saved-replies/new/",
        {"title": "Pool", "language": "ms", "text": "Hai {guest_name}, kolam di {property} dibuka."},
    )
    assert created.status_code == 302
    manager.post("/settings/saved-replies/new/", {"title": "Pool", "language": "en", "text": "Pool opens at 7."})
    duplicate = manager.post(
        "/settings/saved-replies/new/", {"title": "Pool", "language": "en", "text": "x"}, follow=True
    )
    assert "already a saved reply titled" in duplicate.content.decode()
    with schema_context(world.a.schema_name):
        assert SavedReply.objects.count() == 2
        conversation.guest.name = "Siti"
        conversation.guest.save(update_fields=["name"])
        picked = desk.replies_for(conversation)
    assert picked[0]["language"] == "ms" and picked[0]["text"] == "Hai Siti, kolam di Alpha Hotel dibuka."
    page = host_client(world.a, world.agent_a).get(f"/conversations/{conversation.pk}/").content.decode()
    assert 'data-text="Hai Siti, kolam di Alpha Hotel dibuka."' in page


def test_every_new_door_refuses_viewers_writes_403_and_other_properties_404(named, convo_a) -> None:
    world, conversation = named, convo_a
    with schema_context(world.a.schema_name):
        reply = SavedReply.objects.create(title="Secret", language="en", text="Alpha's secret reply")
        StaffNote.objects.create(conversation=conversation, author_user_id=world.agent_a.pk, text="Alpha note")
    api_base = f"/api/v1/properties/{world.a.pk}"
    conv = f"{api_base}/conversations/{conversation.pk}"
    viewer, outsider, agent = api_client(world.viewer_a), api_client(world.manager_b), api_client(world.agent_a)
    body = {"to_user_id": world.viewer_a.pk, "text": "x", "title": "t", "language": "en"}
    writes = [
        ("post", f"{conv}/assign"),
        ("post", f"{conv}/notes"),
        ("post", f"{api_base}/saved-replies"),
        ("put", f"{api_base}/saved-replies/{reply.pk}"),
        ("delete", f"{api_base}/saved-replies/{reply.pk}"),
    ]
    for method, url in writes:
        assert getattr(viewer, method)(url, body, content_type="application/json").status_code == 403, url
        assert getattr(outsider, method)(url, body, content_type="application/json").status_code == 404, url
    for url in (f"{api_base}/saved-replies", f"{api_base}/saved-replies/{reply.pk}"):
        assert agent.post(url, body, content_type="application/json").status_code in (403, 405), url  # managers only
    for url in (f"{conv}/notes", f"{api_base}/saved-replies", f"{api_base}/saved-replies/{reply.pk}"):
        assert outsider.get(url).status_code == 404, url
        assert viewer.get(url).status_code == 200, url
    # B's manager on their own property, guessing A's ids.
    b_base = f"/api/v1/properties/{world.b.pk}"
    assert outsider.get(f"{b_base}/saved-replies/{reply.pk}").status_code == 404
    assert "Alpha" not in outsider.get(f"{b_base}/saved-replies").content.decode()
    pages_viewer, on_a_host = host_client(world.a, world.viewer_a), host_client(world.a, world.manager_b)
    on_b_host = host_client(world.b, world.manager_b)
    page_writes = [
        f"/conversations/{conversation.pk}/assign/",
        f"/conversations/{conversation.pk}/notes/",
        "/settings/saved-replies/new/",
        f"/settings/saved-replies/{reply.pk}/",
        f"/settings/saved-replies/{reply.pk}/delete/",
    ]
    for url in page_writes:
        assert pages_viewer.post(url, {"to": "me", "text": "x"}).status_code == 403, url
        assert on_a_host.post(url, {"to": "me", "text": "x"}).status_code == 404, url
        if not url.endswith("/new/"):  # on their own host a new reply is simply theirs
            assert on_b_host.post(url, {"to": "me", "text": "x", "title": "t", "language": "en"}).status_code == 404, (
                url
            )
    assert on_a_host.get("/settings/saved-replies/").status_code == 404
    assert "Alpha" not in on_b_host.get("/settings/saved-replies/").content.decode()
    with schema_context(world.a.schema_name):
        conversation.refresh_from_db()
        assert conversation.ai_mode == AiMode.CONCIERGE and StaffNote.objects.count() == 1
        assert list(SavedReply.objects.values_list("title", "text")) == [("Secret", "Alpha's secret reply")]


def test_the_widget_names_the_person_answering(named, convo_a) -> None:
    world, conversation = named, convo_a
    with schema_context(world.a.schema_name):
        handoff.staff_reply(conversation.pk, user_id=world.agent_a.pk, text="Saya Aina, boleh saya bantu?")
        messages = list(Message.objects.filter(conversation=conversation).order_by("id"))
        shown = conversation_payload(conversation, messages)["messages"]
    staff = [m for m in shown if m["role"] == "staff"]
    assert [(m["sender"], m["content"]) for m in staff] == [("Aina", "Saya Aina, boleh saya bantu?")]
    assert "sender" not in [m for m in shown if m["role"] == "ai"][0]


def test_a_guest_never_sees_the_address_of_a_person_who_gave_no_name(world, monkeypatch) -> None:
    """An invited account has no name: the guest read "agent from the front desk has joined", "agent is typing…" and
    "agent" over the reply (the e-mail address's first half: "aina.rahman", "frontdesk2")."""
    from conversations import realtime

    world.agent_a.first_name = world.agent_a.last_name = ""
    world.agent_a.save(update_fields=["first_name", "last_name"])
    typed = []
    monkeypatch.setattr(realtime, "send_to_guest", lambda schema, cid, event, payload: typed.append(payload["name"]))
    with schema_context(world.a.schema_name):
        conversation = engine.start_web_conversation(widget_key_id=1, consent_text="I accept.")
        engine.record_guest_message(conversation, "Can I talk to a person?", provider_message_id="a:1")
        handoff.staff_reply(conversation.pk, user_id=world.agent_a.pk, text="Hello, how can I help?")
        messages = list(Message.objects.filter(conversation=conversation).order_by("id"))
        shown = conversation_payload(conversation, messages)["messages"]
        assert realtime.staff_typing_to_guest(world.a.schema_name, conversation.pk, "")
    assert [m.get("sender") for m in shown if m["role"] == "staff"] == [""]
    assert typed == ["Our team"]
    assert not any("agent" in m["content"] for m in shown if m["role"] != "guest")
    assert ("joined", "A member of our front desk team has joined the conversation.") in _notices(world, conversation)


def test_a_staff_message_shows_its_delivery_state_and_why_it_failed(named, convo_a) -> None:
    world, conversation = named, convo_a
    with schema_context(world.a.schema_name):
        sent = handoff.staff_reply(conversation.pk, user_id=world.agent_a.pk, text="Your room is ready.")
        failed = handoff.staff_reply(conversation.pk, user_id=world.agent_a.pk, text="And breakfast is at 7.")
        for message, delivery in (
            (sent, {"state": "read", "error_code": None, "error": ""}),
            (failed, {"state": "failed", "error_code": 131026, "error": "Message undeliverable"}),
        ):
            Message.objects.filter(pk=message.pk).update(metadata={**message.metadata, "delivery": delivery})
    page = host_client(world.a, world.agent_a).get(f"/conversations/{conversation.pk}/").content.decode()
    assert 'data-delivery="read">read<' in page
    assert 'data-delivery="failed">not delivered (131026): Message undeliverable<' in page

"""Every page of the staff dashboard: B's staff see nothing of A, viewers change nothing, members can act."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from conftest import host_client, secret_conversation_of_a
from conversations.models import AiMode, ConversationStatus, Message, MessageRole
from leads.models import Lead, ReviewStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def convo_a(world):
    conversation = secret_conversation_of_a(world)
    with schema_context(world.a.schema_name):
        lead = Lead.objects.create(
            guest=conversation.guest, conversation=conversation, source_channel="web", guest_name="Alpha Guest",
            is_after_hours=True, review_status=ReviewStatus.PENDING, intent="room_booking",
        )  # fmt: skip
        conversation.is_after_hours = True
        conversation.save(update_fields=["is_after_hours"])
    return conversation, lead


def _state(world, conversation):
    with schema_context(world.a.schema_name):
        conversation.refresh_from_db()
        return conversation.status, conversation.ai_mode, conversation.messages.count()


PAGES = ["/", "/inbox/list/", "/conversations/{c}/", "/conversations/{c}/live/", "/leads/", "/leads/{l}/",
         "/after-hours/", "/reviews/"]  # fmt: skip
ACTIONS = ["/conversations/{c}/takeover/", "/conversations/{c}/resolve/", "/conversations/{c}/handoff/",
           "/conversations/{c}/reply/", "/leads/{l}/edit/", "/reviews/{l}/"]  # fmt: skip


def test_every_dashboard_page_shows_a_members_data_and_viewers_get_no_forms(world, convo_a) -> None:
    conversation, lead = convo_a
    agent, viewer = host_client(world.a, world.agent_a), host_client(world.a, world.viewer_a)
    for page in PAGES:
        url = page.format(c=conversation.pk, l=lead.pk)
        as_agent, as_viewer = agent.get(url), viewer.get(url)
        assert as_agent.status_code == 200 and as_viewer.status_code == 200, url
        posts = re.findall(r'method="post" action="([^"]*)"', as_viewer.content.decode())
        assert set(posts) <= {"/logout/"} and as_viewer.content.decode().count('method="post"') == len(posts), url
    assert "1207" in agent.get(f"/conversations/{conversation.pk}/").content.decode()
    assert 'class="takeover"' in agent.get(f"/conversations/{conversation.pk}/").content.decode()
    assert "Alpha Guest" in agent.get("/after-hours/").content.decode()
    assert "Alpha Guest" in agent.get("/reviews/").content.decode()
    assert "Alpha Guest" in agent.get("/leads/?after_hours=yes&intent=room_booking").content.decode()
    assert "Alpha Guest" not in agent.get("/leads/?after_hours=no").content.decode()


def test_viewers_posting_anyway_get_403_and_nothing_changes(world, convo_a) -> None:
    conversation, lead = convo_a
    before = _state(world, conversation)
    viewer = host_client(world.a, world.viewer_a)
    for action in ACTIONS:
        url = action.format(c=conversation.pk, l=lead.pk)
        assert viewer.post(url, {"text": "x", "notes": "x", "verdict": "agree", "status": "lost"}).status_code == 403
    assert _state(world, conversation) == before
    with schema_context(world.a.schema_name):
        lead.refresh_from_db()
        assert lead.notes == "" and lead.status == "new" and lead.review_status == ReviewStatus.PENDING


def test_bs_staff_cannot_open_or_act_on_as_dashboard(world, convo_a) -> None:
    conversation, lead = convo_a
    before = _state(world, conversation)
    on_a_host = host_client(world.a, world.manager_b)  # B's manager on A's host
    on_b_host = host_client(world.b, world.manager_b)  # B's manager on their own host, guessing A's ids
    for page in PAGES:
        url = page.format(c=conversation.pk, l=lead.pk)
        assert on_a_host.get(url).status_code == 404, url
        body = on_b_host.get(url)
        assert (
            body.status_code in (200, 404)
            and "1207" not in body.content.decode()
            and "Alpha Guest" not in (body.content.decode())
        ), url
    for action in ACTIONS:
        url = action.format(c=conversation.pk, l=lead.pk)
        assert on_a_host.post(url, {"text": "x"}).status_code == 404
        assert on_b_host.post(url, {"text": "x", "verdict": "agree"}).status_code == 404
    assert _state(world, conversation) == before


def test_an_agent_acts_from_the_dashboard(world, convo_a) -> None:
    conversation, lead = convo_a
    agent = host_client(world.a, world.agent_a)
    assert agent.post(f"/conversations/{conversation.pk}/takeover/").status_code == 302
    agent.post(f"/conversations/{conversation.pk}/reply/", {"text": "We'll fix it now."})
    page = agent.get(f"/conversations/{conversation.pk}/").content.decode()
    assert "We&#x27;ll fix it now." in page and 'class="resolve"' in page
    agent.post(f"/leads/{lead.pk}/edit/", {"status": "contacted", "notes": "Called at 9"})
    agent.post(f"/reviews/{lead.pk}/", {"verdict": "agree"})
    with schema_context(world.a.schema_name):
        lead.refresh_from_db()
        assert (lead.status, lead.notes, lead.review_status) == ("contacted", "Called at 9", ReviewStatus.REVIEWED)
        assert Message.objects.filter(conversation=conversation, role=MessageRole.STAFF).count() == 1
    assert agent.post(f"/conversations/{conversation.pk}/resolve/").status_code == 302
    assert _state(world, conversation)[:2] == (ConversationStatus.ACTIVE, AiMode.CONCIERGE)

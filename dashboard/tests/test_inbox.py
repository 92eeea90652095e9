"""The inbox: waiting first, then mine, then the rest; names, previews, holders, unread cleared on resolve;
filters, search (phone and e-mail through the blind index, words in the recent window), pages instead of a cap;
and search is a door: B's staff find nothing of A's."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from conftest import host_client
from conversations import engine, handoff
from conversations.models import Conversation
from leads.models import Lead

pytestmark = pytest.mark.django_db


def _guest(text: str, *, minutes_ago: int, name: str = "", phone: str = "", email: str = "") -> Conversation:
    conversation = engine.start_web_conversation(widget_key_id=1, consent_text="I accept.")
    guest = conversation.guest
    guest.name, guest.phone, guest.email = name, phone, email
    guest.save()
    engine.record_guest_message(conversation, text, provider_message_id=f"web:{conversation.pk}:{text[:10]}")
    when = timezone.now() - dt.timedelta(minutes=minutes_ago)
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=when)
    return conversation


@pytest.fixture
def inbox_a(world):
    with schema_context(world.a.schema_name):
        mine = _guest("Can you bring towels?", minutes_ago=30, phone="+60123456789")
        waiting = _guest("I want to speak to a person", minutes_ago=20, email="Siti@Example.com")
        recent = _guest("What time is breakfast?", minutes_ago=1, name="Profile Name")
        named_by_lead = _guest("Room for two next Friday", minutes_ago=5)
        Lead.objects.create(guest=named_by_lead.guest, conversation=named_by_lead, source_channel="web",
                            guest_name="Nur Aisyah", intent="room_booking")  # fmt: skip
        handoff.take_over(mine.pk, user_id=world.agent_a.pk)
        handoff.begin_handoff(waiting.pk, trigger="human_request", at=timezone.now() - dt.timedelta(minutes=20))
    return {"mine": mine, "waiting": waiting, "recent": recent, "named": named_by_lead}


def _order(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-conversation="(\d+)"', page)]


def test_waiting_first_then_mine_then_the_rest_with_names_previews_and_holders(world, inbox_a) -> None:
    agent = host_client(world.a, world.agent_a)
    page = agent.get("/").content.decode()
    c = {k: v.pk for k, v in inbox_a.items()}
    assert _order(page)[:4] == [c["waiting"], c["mine"], c["recent"], c["named"]]
    assert "Nur Aisyah" in page and "Profile Name" in page  # the lead's name, else the profile's
    assert "What time is breakfast?" in page and "waiting 20 min" in page
    assert "held by you since" in page
    as_manager = host_client(world.a, world.manager_a).get("/").content.decode()
    assert _order(as_manager)[:2] == [c["waiting"], c["recent"]]  # the agent's conversation is not the manager's
    assert 'data-waiting="1"' in as_manager  # the tab title's count


def test_unread_is_cleared_when_the_conversation_is_resolved(world, inbox_a) -> None:
    manager = host_client(world.a, world.manager_a)
    waiting = inbox_a["waiting"].pk
    row = re.search(rf'data-conversation="{waiting}".*?</tr>', manager.get("/").content.decode(), re.S).group(0)
    assert 'class="badge unread">1<' in row
    with schema_context(world.a.schema_name):
        handoff.resolve(waiting, user_id=world.agent_a.pk)
    row = re.search(rf'data-conversation="{waiting}".*?</tr>', manager.get("/").content.decode(), re.S).group(0)
    assert "badge unread" not in row


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=%2B60123456789", ["mine"]),  # the phone through the blind index
        ("q=012-345+6789", ["mine"]),  # the local form too: the index normalises it with the property's country
        ("q=siti%40example.com", ["waiting"]),  # e-mail, any case
        ("q=breakfast", ["recent"]),  # words of a message
        ("q=aisyah", ["named"]),  # the lead's name
        ("q=profile", ["recent"]),  # the profile's name
        ("mine=yes", ["mine"]),
        ("status=handed_off&unread=yes", ["waiting", "mine"]),  # the agent has not read either yet
        ("channel=email", []),
    ],
)
def test_filters_and_search(world, inbox_a, query: str, expected: list[str]) -> None:
    agent = host_client(world.a, world.agent_a)
    found = set(_order(agent.get(f"/?{query}").content.decode())) & {c.pk for c in inbox_a.values()}
    assert found == {inbox_a[k].pk for k in expected}, query


def test_pages_instead_of_a_cap(world) -> None:
    with schema_context(world.a.schema_name):
        for n in range(27):
            _guest(f"hello {n}", minutes_ago=n + 1)
    agent = host_client(world.a, world.agent_a)
    first, second = agent.get("/").content.decode(), agent.get("/?page=2").content.decode()
    assert len(_order(first)) == 25 and "Page 1 of 2 (27 conversations)" in first and 'rel="next"' in first
    assert len(_order(second)) == 2 and not set(_order(first)) & set(_order(second))
    assert len(_order(agent.get("/inbox/list/?page=2").content.decode())) == 2  # the live refresh keeps the page


def test_search_is_a_door_bs_staff_find_nothing_of_as(world, inbox_a) -> None:
    on_a_host, on_b_host = host_client(world.a, world.manager_b), host_client(world.b, world.manager_b)
    for query in ("q=%2B60123456789", "q=breakfast", "q=aisyah"):
        assert on_a_host.get(f"/?{query}").status_code == 404
        assert on_a_host.get(f"/inbox/list/?{query}").status_code == 404
        rows = on_b_host.get(f"/?{query}").content.decode().split('class="inbox-rows"', 1)[1]
        assert "breakfast" not in rows and "Aisyah" not in rows and "towels" not in rows


def test_next_waiting_and_the_waiting_count_are_the_propertys_own(world, inbox_a) -> None:
    agent = host_client(world.a, world.agent_a)
    assert agent.get("/inbox/waiting/").json() == {"waiting": 1}
    assert agent.get("/inbox/next/")["Location"] == f"/conversations/{inbox_a['waiting'].pk}/"
    on_a_host, on_b_host = host_client(world.a, world.manager_b), host_client(world.b, world.manager_b)
    for url in ("/inbox/waiting/", "/inbox/next/"):
        assert on_a_host.get(url).status_code == 404
    assert on_b_host.get("/inbox/waiting/").json() == {"waiting": 0}
    assert on_b_host.get("/inbox/next/")["Location"] == "/"


def test_an_action_posted_by_the_page_answers_in_place_with_the_refusal(world, inbox_a) -> None:
    manager = host_client(world.a, world.manager_a)
    mine = inbox_a["mine"].pk  # held by the agent
    answer = manager.post(f"/conversations/{mine}/reply/", {"text": "Hello"}, HTTP_X_REQUESTED_WITH="fetch")
    fragment = answer.content.decode()
    assert answer.status_code == 200 and "<html" not in fragment
    assert "holds this conversation (since" in fragment and "Take over from" in fragment

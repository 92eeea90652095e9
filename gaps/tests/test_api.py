"""The gap API: list, one gap, answer, dismiss, follow up; and who may use which door."""

from __future__ import annotations

import json

import pytest
from django_tenants.utils import schema_context

from conftest import host_client
from conversations.models import Channel, ConversationStatus, OutboxItem, WhatsAppTemplate
from gaps.models import Gap, GapFollowUp, GapStatus
from knowledge.models import EmbeddingStatus, KnowledgeItem
from privacy.models import AuditEvent

pytestmark = pytest.mark.django_db


def url(world, gap_id: int | None = None, action: str = "") -> str:
    base = f"/api/v1/properties/{world.a.pk}/gaps"
    if gap_id is None:
        return base
    return f"{base}/{gap_id}" + (f"/{action}" if action else "")


def post(client, path: str, body: dict) -> object:
    return client.post(path, json.dumps(body), content_type="application/json")


@pytest.fixture
def bike_gap(world, ask_unanswered) -> Gap:
    with schema_context(world.a.schema_name):
        ask_unanswered("can I rent a bike")
        ask_unanswered("bicycle hire?", channel=Channel.WHATSAPP, sender="+60123000001")
        return ask_unanswered("boleh sewa basikal?", language="ms", channel=Channel.WHATSAPP, sender="+60123000002")


def test_the_list_puts_the_most_asked_first_and_filters_by_language_and_channel(world, bike_gap, ask_unanswered):
    with schema_context(world.a.schema_name):
        umbrella = ask_unanswered("can I borrow an umbrella")
    client = host_client(None, world.manager_a)
    rows = client.get(url(world)).json()
    assert [(r["id"], r["question_count"]) for r in rows] == [(bike_gap.pk, 3), (umbrella.pk, 1)]
    assert rows[0]["languages"] == ["en", "ms"] and rows[0]["channels"] == ["web", "whatsapp"]
    assert {e["text"] for e in rows[0]["examples"]} == {"can I rent a bike", "bicycle hire?", "boleh sewa basikal?"}
    assert rows[0]["suggested_title"] and rows[0]["suggested_category"] == "facilities"
    assert [r["id"] for r in client.get(url(world), {"language": "ms"}).json()] == [bike_gap.pk]
    assert [r["id"] for r in client.get(url(world), {"channel": "whatsapp"}).json()] == [bike_gap.pk]
    assert client.get(url(world), {"channel": "fax"}).status_code == 400


def test_answering_writes_bilingual_knowledge_closes_the_gap_and_its_questions_now_find_it(world, bike_gap):
    client = host_client(None, world.manager_a)
    response = post(
        client,
        url(world, bike_gap.pk, "answer"),
        {
            "title": "Bicycle hire",
            "category": "facilities",
            "answer_en": "Yes: bicycles can be rented at the front desk for RM15 per hour, 8am to 6pm.",
            "answer_ms": "Ya: basikal boleh disewa di kaunter hadapan pada harga RM15 sejam, 8 pagi hingga 6 petang.",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["gap"]["status"] == "answered" and len(body["item_ids"]) == 2
    assert body["check_passed"] is True and all(c["found"] for c in body["checks"]) and len(body["checks"]) == 3
    with schema_context(world.a.schema_name):
        items = KnowledgeItem.objects.filter(pk__in=body["item_ids"]).order_by("language")
        assert [(i.title, i.language) for i in items] == [("Bicycle hire", "en"), ("Bicycle hire (BM)", "ms")]
        assert all(i.embedding_status == EmbeddingStatus.READY for i in items)
    assert AuditEvent.objects.filter(action="gap.answered", target_id=str(bike_gap.pk)).count() == 1
    again = post(client, url(world, bike_gap.pk, "answer"), {"title": "x", "category": "faq", "answer_en": "y"})
    assert again.status_code == 409


def test_a_bad_answer_is_refused_and_changes_nothing(world, bike_gap):
    client = host_client(None, world.manager_a)
    with schema_context(world.a.schema_name):
        before = KnowledgeItem.objects.count()
    for body in (
        {"title": "Bicycle hire", "category": "facilities", "answer_en": ""},
        {"title": "", "category": "facilities", "answer_en": "Yes."},
        {"title": "Bicycle hire", "category": "bikes", "answer_en": "Yes."},
        {"title": "Bicycle hire", "category": "facilities", "answer_en": "x" * 5000},
    ):
        assert post(client, url(world, bike_gap.pk, "answer"), body).status_code == 400, body
    with schema_context(world.a.schema_name):
        assert KnowledgeItem.objects.count() == before
        assert Gap.objects.get(pk=bike_gap.pk).status == GapStatus.OPEN


def test_dismissing_as_not_offered_can_write_a_knowledge_item_saying_so_in_both_languages(world, bike_gap):
    client = host_client(None, world.manager_a)
    response = post(
        client,
        url(world, bike_gap.pk, "dismiss"),
        {"reason": "not_offered", "write_knowledge": True, "title": "Bicycle hire"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "dismissed" and response.json()["dismiss_reason"] == "not_offered"
    with schema_context(world.a.schema_name):
        items = KnowledgeItem.objects.filter(pk__in=response.json()["knowledge_item_ids"]).order_by("language")
        assert [i.language for i in items] == ["en", "ms"]
        assert "not something we offer" in items[0].content and "tidak disediakan" in items[1].content
    assert post(client, url(world, bike_gap.pk, "dismiss"), {"reason": "other"}).status_code == 409


def test_a_follow_up_reaches_each_waiting_guest_once_however_often_it_is_sent(world, bike_gap):
    client = host_client(None, world.manager_a)
    with schema_context(world.a.schema_name):
        WhatsAppTemplate.objects.create(name="reengage", language="en", is_approved=True)
    not_yet = post(client, url(world, bike_gap.pk, "follow-up"), {})
    assert not_yet.status_code == 409  # nothing to send before the gap is answered
    post(
        client,
        url(world, bike_gap.pk, "answer"),
        {
            "title": "Bicycle hire",
            "category": "facilities",
            "answer_en": "Yes, RM15 an hour.",
            "answer_ms": "Ya, RM15 sejam.",
        },
    )
    detail = client.get(url(world, bike_gap.pk)).json()
    assert len(detail["waiting"]) == 3 and not any(w["followed_up"] for w in detail["waiting"])
    first = post(client, url(world, bike_gap.pk, "follow-up"), {}).json()
    assert len(first["sent"]) == 3 and first["already"] == []
    second = post(client, url(world, bike_gap.pk, "follow-up"), {}).json()
    assert second["sent"] == [] and sorted(second["already"]) == sorted(first["sent"])
    with schema_context(world.a.schema_name):
        assert GapFollowUp.objects.filter(gap=bike_gap).count() == 3
        outbox = OutboxItem.objects.select_related("message").order_by("id")
        texts = [o.message.content for o in outbox if o.message.metadata.get("gap_follow_up") == bike_gap.pk]
        assert len(texts) == 2  # the two WhatsApp guests; the widget guest gets it on the chat
        assert any(t.startswith("Sebelum ini anda bertanya") and "RM15 sejam" in t for t in texts)
        assert any(t.startswith("Earlier you asked") and "RM15 an hour" in t for t in texts)
    assert AuditEvent.objects.filter(action="gap.follow_up").count() == 3


def test_a_resolved_conversation_is_not_followed_up(world, bike_gap):
    with schema_context(world.a.schema_name):
        for question in bike_gap.questions.all():
            question.conversation.status = ConversationStatus.RESOLVED
            question.conversation.save(update_fields=["status"])
    client = host_client(None, world.manager_a)
    post(client, url(world, bike_gap.pk, "answer"), {"title": "Bicycle hire", "category": "faq", "answer_en": "Yes."})
    assert post(client, url(world, bike_gap.pk, "follow-up"), {}).json() == {"sent": [], "already": [], "skipped": []}


def test_another_propertys_staff_get_404_on_every_gap_door_and_viewers_cannot_write(world, bike_gap):
    outsider, viewer = host_client(None, world.manager_b), host_client(None, world.viewer_a)
    answer = {"title": "Bicycle hire", "category": "faq", "answer_en": "Yes."}
    for client, expected in ((outsider, 404), (viewer, 403)):
        assert post(client, url(world, bike_gap.pk, "answer"), answer).status_code == expected
        assert post(client, url(world, bike_gap.pk, "dismiss"), {"reason": "other"}).status_code == expected
        assert post(client, url(world, bike_gap.pk, "follow-up"), {}).status_code == expected
    assert outsider.get(url(world)).status_code == 404
    assert outsider.get(url(world, bike_gap.pk)).status_code == 404
    assert viewer.get(url(world)).status_code == 200 and viewer.get(url(world, bike_gap.pk)).status_code == 200
    # B's own list is B's: A's gap is not in it, and A's gap id under B is no gap.
    assert host_client(None, world.manager_b).get(f"/api/v1/properties/{world.b.pk}/gaps").json() == []
    assert outsider.get(f"/api/v1/properties/{world.b.pk}/gaps/{bike_gap.pk}").status_code == 404
    with schema_context(world.a.schema_name):
        assert Gap.objects.get(pk=bike_gap.pk).status == GapStatus.OPEN


def test_the_gap_doors_are_in_the_openapi_schema(world):
    schema = json.loads(host_client(None).get("/api/schema/", HTTP_ACCEPT="application/json").content)
    paths = schema["paths"]
    base = "/api/v1/properties/{property_id}/gaps"
    assert "get" in paths[base] and "get" in paths[base + "/{gap_id}"]
    for action in ("answer", "dismiss", "follow-up"):
        assert "post" in paths[f"{base}/{{gap_id}}/{action}"]

"""The leads API and the tenant admin: scoped to the caller's properties, viewers read-only, nothing half-applied."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from conftest import api_client, host_client
from leads.models import Lead, LeadReview
from leads.services.leads import upsert_lead_for_conversation
from leads.tests.conftest import EVENING, conversation_with

NOW = EVENING + dt.timedelta(minutes=10)


def _lead_in(property_, text: str, **guest) -> Lead:
    with schema_context(property_.schema_name):
        return upsert_lead_for_conversation(conversation_with([text], **guest), now=NOW)


@pytest.fixture
def leads_ab(world):
    a1 = _lead_in(world.a, "Nak tempah bilik 15hb Disember, 2 malam. Nama saya Alpha Satu", phone="+60123456789")
    a2 = _lead_in(world.a, "Dinner buffet for 6 people this Saturday? Name: Alpha Dua")
    b1 = _lead_in(world.b, "Book a room 20 Dec please. My name is Bravo Only")
    return a1, a2, b1


def test_staff_list_their_propertys_leads_with_filters_and_pages(world, leads_ab):
    a1, a2, _ = leads_ab
    client = api_client(world.viewer_a)
    body = client.get(f"/api/v1/properties/{world.a.pk}/leads").json()
    assert body["count"] == 2 and {row["guest_name"] for row in body["results"]} == {"Alpha Satu", "Alpha Dua"}
    only_rooms = client.get(f"/api/v1/properties/{world.a.pk}/leads?intent=room_booking").json()
    assert [row["id"] for row in only_rooms["results"]] == [a1.pk]
    assert client.get(f"/api/v1/properties/{world.a.pk}/leads?after_hours=false").json()["count"] == 0
    assert client.get(f"/api/v1/properties/{world.a.pk}/leads?after_hours=true&priority=high").json()["count"] == 2
    page = client.get(f"/api/v1/properties/{world.a.pk}/leads?page_size=1&page=2").json()
    assert page["count"] == 2 and len(page["results"]) == 1 and page["previous"]
    row = client.get(f"/api/v1/properties/{world.a.pk}/leads/{a1.pk}").json()
    assert row["estimated_value"] is None and row["rubric_breakdown"]["dates_given"]["met"] is True


def test_bad_filters_get_a_clear_400(world, leads_ab):
    client = api_client(world.manager_a)
    response = client.get(f"/api/v1/properties/{world.a.pk}/leads?status=pending&after_hours=maybe")
    assert response.status_code == 400 and {"status", "after_hours"} <= set(response.json())


def test_staff_of_b_get_404_for_everything_of_a(world, leads_ab):
    a1, _, b1 = leads_ab
    client = api_client(world.manager_b)
    assert client.get(f"/api/v1/properties/{world.a.pk}/leads").status_code == 404
    assert client.get(f"/api/v1/properties/{world.a.pk}/leads/{a1.pk}").status_code == 404
    assert client.patch(f"/api/v1/properties/{world.a.pk}/leads/{a1.pk}", {"status": "lost"},
                        content_type="application/json").status_code == 404  # fmt: skip
    assert client.get(f"/api/v1/leads/{a1.pk}?property={world.a.pk}").status_code == 404
    assert client.post(f"/api/v1/properties/{world.a.pk}/leads/{a1.pk}/review", {"verdict": "agree"},
                       content_type="application/json").status_code == 404  # fmt: skip
    assert client.get(f"/api/v1/properties/{world.a.pk}/leads/review-stats").status_code == 404
    # B's own lead, even with A's lead id, is served from B's schema only
    own = client.get(f"/api/v1/properties/{world.b.pk}/leads/{b1.pk}").json()
    assert own["guest_name"] == "Bravo Only"
    with schema_context(world.a.schema_name):
        assert Lead.objects.get(pk=a1.pk).status == "new"


def test_anonymous_callers_are_refused(world, leads_ab):
    assert host_client(None).get(f"/api/v1/properties/{world.a.pk}/leads").status_code in (401, 403)


def test_a_viewer_may_read_a_lead_but_not_change_it(world, leads_ab):
    a1, _, _ = leads_ab
    client = api_client(world.viewer_a)
    assert client.get(f"/api/v1/leads/{a1.pk}?property={world.a.pk}").json()["id"] == a1.pk
    response = client.patch(f"/api/v1/leads/{a1.pk}?property={world.a.pk}", {"status": "contacted"},
                            content_type="application/json")  # fmt: skip
    assert response.status_code == 403
    assert client.post(f"/api/v1/properties/{world.a.pk}/leads/{a1.pk}/review", {"verdict": "agree"},
                       content_type="application/json").status_code == 403  # fmt: skip
    with schema_context(world.a.schema_name):
        assert Lead.objects.get(pk=a1.pk).status == "new" and LeadReview.objects.count() == 0


def test_an_agent_changes_status_and_notes_through_either_address(world, leads_ab):
    a1, _, _ = leads_ab
    client = api_client(world.agent_a)
    response = client.patch(
        f"/api/v1/properties/{world.a.pk}/leads/{a1.pk}",
        {"status": "contacted", "notes": "Called back at 9am"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["notes"]) == ("contacted", "Called back at 9am")
    response = client.patch(f"/api/v1/leads/{a1.pk}?property={world.a.pk}", {"status": "converted"},
                            content_type="application/json")  # fmt: skip
    assert response.json()["status"] == "converted"


def test_a_bad_patch_is_refused_whole(world, leads_ab):
    a1, _, _ = leads_ab
    client = api_client(world.manager_a)
    url = f"/api/v1/properties/{world.a.pk}/leads/{a1.pk}"
    client.patch(url, {"status": "lost"}, content_type="application/json")
    cases = [
        ({"status": "converted", "notes": "should not be saved"}, "status"),  # lost → converted is not allowed
        ({"status": "booked", "notes": "should not be saved"}, "status"),
        ({"notes": "should not be saved", "lead_score": 100}, "lead_score"),
        ({}, "non_field_errors"),
    ]
    for body, field in cases:
        response = client.patch(url, body, content_type="application/json")
        assert response.status_code == 400 and field in response.json(), (body, response.content)
    with schema_context(world.a.schema_name):
        lead = Lead.objects.get(pk=a1.pk)
    assert lead.status == "lost" and lead.notes == "" and lead.lead_score != 100


def test_the_detail_without_its_property_is_a_400_and_an_unknown_lead_a_404(world, leads_ab):
    client = api_client(world.manager_a)
    assert client.get(f"/api/v1/leads/{leads_ab[0].pk}").status_code == 400
    assert client.get(f"/api/v1/properties/{world.a.pk}/leads/999999").status_code == 404


def test_a_reviewer_verdict_is_recorded_and_counted(world, leads_ab):
    a1, a2, _ = leads_ab
    client = api_client(world.agent_a)
    response = client.post(f"/api/v1/properties/{world.a.pk}/leads/{a2.pk}/review",
                           {"verdict": "disagree", "corrected_fields": {"group_size": 8}},
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 201, response.content
    bad = client.post(
        f"/api/v1/properties/{world.a.pk}/leads/{a1.pk}/review",
        {"verdict": "agree", "corrected_fields": {"email": "nope"}},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "email" in bad.json()["detail"]
    stats = client.get(f"/api/v1/properties/{world.a.pk}/leads/review-stats").json()
    assert (stats["reviewed"], stats["agreed"], stats["rate"]) == (1, 0, 0.0)


def test_bs_admin_never_lists_as_leads(world, leads_ab):
    page_a = host_client(world.a, world.manager_a).get("/admin/leads/lead/")
    page_b = host_client(world.b, world.manager_b).get("/admin/leads/lead/")
    assert page_a.status_code == 200 and page_b.status_code == 200
    assert b"Alpha Satu" in page_a.content and b"Bravo Only" not in page_a.content
    assert b"Bravo Only" in page_b.content and b"Alpha Satu" not in page_b.content
    assert host_client(world.a, world.manager_b).get("/admin/leads/lead/").status_code == 404
    assert host_client(world.a, world.manager_b).get(f"/admin/leads/lead/{leads_ab[0].pk}/change/").status_code == 404
    assert host_client(world.a, world.manager_a).get(f"/admin/leads/lead/{leads_ab[0].pk}/change/").status_code == 200


def test_a_staff_chosen_priority_survives_re_scoring(world, leads_ab):
    a1, _, _ = leads_ab
    client = api_client(world.agent_a)
    url = f"/api/v1/properties/{world.a.pk}/leads/{a1.pk}"
    assert client.patch(url, {"priority": "low"}, content_type="application/json").json()["priority"] == "low"
    with schema_context(world.a.schema_name):
        again = upsert_lead_for_conversation(Lead.objects.get(pk=a1.pk).conversation, now=NOW)
    assert again.is_after_hours and again.priority == "low"


def test_the_admin_refuses_a_forbidden_status_change_and_locks_what_a_manager_corrects(world, leads_ab):
    from types import SimpleNamespace

    from django.core.exceptions import ValidationError

    from leads.admin import LeadAdmin, LeadAdminForm
    from properties.tenant_admin import tenant_admin_site

    a1, _, _ = leads_ab
    with schema_context(world.a.schema_name):
        lead = Lead.objects.get(pk=a1.pk)
        lead.status = "converted"
        lead.save()
        form = LeadAdminForm(instance=lead)
        form.cleaned_data = {"status": "new"}
        with pytest.raises(ValidationError, match="cannot become new"):
            form.clean_status()
        lead.nights = 5
        LeadAdmin(Lead, tenant_admin_site).save_model(
            None, lead, SimpleNamespace(changed_data=["nights", "notes"]), True
        )
        lead.refresh_from_db()
        assert lead.locked_fields == ["nights"]
        again = upsert_lead_for_conversation(lead.conversation, now=NOW)
        assert again.nights == 5


def test_staff_record_what_a_converted_lead_was_worth(world):
    from decimal import Decimal

    from django_tenants.utils import schema_context

    from conftest import host_client
    from conversations.models import Channel, Conversation, Guest
    from leads.models import Lead

    with schema_context(world.a.schema_name):
        guest = Guest.objects.create(name="Converted Guest")
        conversation = Conversation.objects.create(guest=guest, channel=Channel.WEB)
        lead = Lead.objects.create(
            guest=guest, conversation=conversation, source_channel=Channel.WEB, estimated_value=Decimal("500.00")
        )
    client = host_client(None, world.agent_a)
    url = f"/api/v1/properties/{world.a.pk}/leads/{lead.pk}"
    refused = client.patch(url, {"converted_value": "900.00"}, content_type="application/json")
    assert refused.status_code == 400 and "converted lead" in refused.content.decode()
    response = client.patch(url, {"status": "converted", "converted_value": "875.50"}, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["converted_value"] == "875.50" and body["converted_at"] is not None
    with schema_context(world.a.schema_name):
        assert Lead.objects.get(pk=lead.pk).converted_value == Decimal("875.50")

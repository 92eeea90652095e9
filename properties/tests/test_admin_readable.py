"""What the admins show reads as words, not stored data: the onboarding steps by their titles, a lead's rubric
line by line, a dead letter's property by name beside its schema. The lead page is also in each hotel's own back
office: B's manager never sees A's lead there."""

from __future__ import annotations

import html

import pytest
from django_tenants.utils import schema_context

from conftest import host_client
from core.models import DeadLetter
from leads.models import Lead
from leads.services.leads import upsert_lead_for_conversation
from leads.tests.conftest import EVENING, conversation_with
from onboarding.models import OnboardingProgress

pytestmark = pytest.mark.django_db


def _lead_in(property_, text: str, **guest) -> Lead:
    with schema_context(property_.schema_name):
        return upsert_lead_for_conversation(conversation_with([text], **guest), now=EVENING)


def test_the_onboarding_progress_names_the_steps_done(world) -> None:
    OnboardingProgress.objects.update_or_create(property=world.a, defaults={"completed_steps": ["hours", "details"]})
    page = host_client(None, world.platform_admin).get("/admin/onboarding/onboardingprogress/").content.decode()
    assert "2 of 6: Property details, Operating hours" in page
    assert "[&#x27;hours&#x27;" not in page and "['hours'" not in page
    progress = OnboardingProgress.objects.get(property=world.a)
    detail = host_client(None, world.platform_admin).get(f"/admin/onboarding/onboardingprogress/{progress.pk}/change/")
    assert "2 of 6: Property details, Operating hours" in detail.content.decode()


def test_a_leads_rubric_reads_line_by_line_and_only_in_its_own_back_office(world) -> None:
    a_lead = _lead_in(world.a, "Nak tempah bilik 15hb Disember, 2 malam. Nama saya Alpha Satu", phone="+60123456789")
    _lead_in(world.b, "Book a room 20 Dec please. My name is Bravo Only")
    response = host_client(world.a, world.manager_a).get(f"/admin/leads/lead/{a_lead.pk}/change/")
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "Dates given: 20 of 20" in page and f"Score {a_lead.lead_score} (qualified at 60)" in page
    assert "'points':" not in page and '"points":' not in page  # no stored dictionary shown as it is
    # B's manager: 404 on A's host; on B's own host the same id is B's own lead (ids are per property), never A's.
    assert host_client(world.a, world.manager_b).get(f"/admin/leads/lead/{a_lead.pk}/change/").status_code == 404
    on_b = host_client(world.b, world.manager_b).get(f"/admin/leads/lead/{a_lead.pk}/change/").content.decode()
    assert "Alpha Satu" not in on_b and "Nak tempah" not in on_b


def test_a_dead_letter_names_its_property_beside_the_schema(world) -> None:
    DeadLetter.objects.create(task_name="leads.tasks.rescore_leads", schema_name=world.a.schema_name, error="boom")
    admin = host_client(None, world.platform_admin)
    page = admin.get("/admin/core/deadletter/").content.decode()
    assert f"{world.a.name} ({world.a.schema_name})" in page
    letter = DeadLetter.objects.get()
    assert (
        f"{world.a.name} ({world.a.schema_name})"
        in admin.get(f"/admin/core/deadletter/{letter.pk}/change/").content.decode()
    )

"""A review queue that learns: low-confidence leads plus one new lead in ten; "Disagree" with field
corrections (validated, applied, locked); agreement per field week by week; a readable rubric; a
converted lead reopened."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django_tenants.utils import schema_context

from conftest import host_client
from leads.models import Lead, LeadReview, LeadStatus, ReviewStatus
from leads.services.leads import REVIEW_SAMPLE_EVERY, LeadChanges, update_lead, upsert_lead_for_conversation
from leads.tests.conftest import EVENING, conversation_with

pytestmark = pytest.mark.django_db
NOW = EVENING + dt.timedelta(minutes=10)
BOOKING = "Hi, my name is Sarah Lim. I'd like to book a Deluxe King from 15-17 Dec for 2 adults."


def confident_leads(count: int) -> list[Lead]:
    return [
        upsert_lead_for_conversation(conversation_with([BOOKING], phone=f"+6012345{n:04d}"), now=NOW)
        for n in range(count)
    ]


def test_one_new_lead_in_ten_goes_to_review_whatever_its_confidence(world: Any, in_a: None, rooms: Any) -> None:
    leads = confident_leads(2 * REVIEW_SAMPLE_EVERY)
    assert all(lead.confidence >= 0.5 for lead in leads)  # none needs review for its confidence
    pending = [n for n, lead in enumerate(leads, start=1) if lead.review_status == ReviewStatus.PENDING]
    assert pending == [10, 20]
    # A later message (re-scoring) keeps a sampled lead in the queue.
    again = upsert_lead_for_conversation(leads[9].conversation, now=NOW)
    assert again.review_status == ReviewStatus.PENDING and again.sampled_for_review


def test_disagree_takes_field_corrections_that_are_validated_applied_and_locked(
    world: Any, in_a: None, rooms: Any
) -> None:
    (lead,) = confident_leads(1)
    client = host_client(world.a, world.agent_a)
    refused = client.post(
        f"/reviews/{lead.pk}/", {"verdict": "disagree", "correct_nights": "3", "correct_phone": "not a phone"}
    )
    assert refused.status_code == 302
    with schema_context(world.a.schema_name):
        unchanged = Lead.objects.get(pk=lead.pk)
        assert (unchanged.nights, unchanged.locked_fields, LeadReview.objects.count()) == (2, [], 0)
    client.post(
        f"/reviews/{lead.pk}/",
        {"verdict": "disagree", "correct_nights": "3", "correct_adults": "4", "correct_intent": "", "comment": ""},
    )
    with schema_context(world.a.schema_name):
        corrected = Lead.objects.get(pk=lead.pk)
        assert (corrected.nights, corrected.adults) == (3, 4)
        assert {"nights", "adults"} <= set(corrected.locked_fields)
        assert corrected.booking_value == Decimal("1050.00")  # re-scored with the corrections: 350 × 3
        assert corrected.review_status == ReviewStatus.REVIEWED
        # Re-reading the conversation never undoes a person's correction.
        assert upsert_lead_for_conversation(corrected.conversation, now=NOW).nights == 3


def test_disagree_without_a_correction_or_a_comment_is_refused(world: Any, in_a: None, rooms: Any) -> None:
    (lead,) = confident_leads(1)
    response = host_client(world.a, world.agent_a).post(f"/reviews/{lead.pk}/", {"verdict": "disagree"}, follow=True)
    assert "Say what the rubric got wrong" in response.content.decode()
    with schema_context(world.a.schema_name):
        assert not LeadReview.objects.exists()


def test_the_review_page_shows_agreement_per_field_week_by_week(world: Any, in_a: None, rooms: Any) -> None:
    first, second = confident_leads(2)
    client = host_client(world.a, world.manager_a)
    client.post(f"/reviews/{first.pk}/", {"verdict": "agree"})
    client.post(f"/reviews/{second.pk}/", {"verdict": "disagree", "correct_nights": "5"})
    page = client.get("/reviews/").content.decode()
    table = page[page.index('id="field-agreement"') :]
    assert '<td data-field="nights">0.50</td>' in table
    assert '<td data-field="intent">1.00</td>' in table
    assert "<td>2</td>" in table  # two reviews this week


def test_the_rubric_is_shown_as_criteria_points_and_reasons(world: Any, in_a: None, rooms: Any) -> None:
    (lead,) = confident_leads(1)
    page = host_client(world.a, world.manager_a).get(f"/leads/{lead.pk}/").content.decode()
    rubric = page[page.index('id="rubric"') :]
    assert "<td>Dates given</td><td>20 / 20</td>" in rubric
    assert "{&#x27;points&#x27;" not in page and "{'points'" not in page and "_summary" not in page


def test_a_converted_lead_can_be_reopened_and_leaves_the_converted_revenue(world: Any, in_a: None, rooms: Any) -> None:
    (lead,) = confident_leads(1)
    update_lead(lead.pk, LeadChanges(status=LeadStatus.CONVERTED))
    update_lead(lead.pk, LeadChanges(converted_value=Decimal("800")))
    reopened = update_lead(lead.pk, LeadChanges(status=LeadStatus.CONTACTED))
    assert reopened.status == LeadStatus.CONTACTED
    assert (reopened.converted_at, reopened.converted_value) == (None, None)
    assert reopened.booking_value == Decimal("700.00")  # what the booking is worth is unchanged

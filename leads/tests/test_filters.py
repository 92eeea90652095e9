"""The one lead filter behind the dashboard's leads page and the leads API."""

from __future__ import annotations

import pytest

from leads.models import Lead, ReviewStatus
from leads.services.queries import LeadFilter, lead_filter
from leads.tests.conftest import conversation_with

pytestmark = pytest.mark.django_db


def test_a_query_string_becomes_a_filter_and_other_keys_are_ignored():
    wanted, errors = lead_filter(
        {"status": "new", "intent": "room_booking", "after_hours": "yes", "page": "2", "priority": ""}
    )
    assert errors == {}
    assert wanted == LeadFilter(status="new", intent="room_booking", after_hours=True)
    assert wanted.as_params() == {"status": "new", "intent": "room_booking", "after_hours": "yes"}


@pytest.mark.parametrize(("given", "meant"), [("yes", True), ("true", True), ("1", True), ("no", False),
                                              ("False", False), ("0", False), ("", None), ("null", None)])  # fmt: skip
def test_after_hours_reads_the_page_s_yes_no_and_the_api_s_booleans(given, meant):
    wanted, errors = lead_filter({"after_hours": given})
    assert errors == {} and wanted.after_hours is meant


def test_a_value_outside_the_choices_is_reported_and_filters_nothing():
    wanted, errors = lead_filter({"status": "pending", "after_hours": "maybe", "review_status": "reviewed"})
    assert set(errors) == {"status", "after_hours"}
    assert errors["status"] == ['"pending" is not a valid choice.']
    assert wanted == LeadFilter(review_status="reviewed")


def test_the_filter_applies_to_a_queryset(in_a):
    evening = conversation_with(["Book a room for 2 nights please"])
    Lead.objects.create(guest=evening.guest, conversation=evening, source_channel="web", guest_name="Late Guest",
                        is_after_hours=True, review_status=ReviewStatus.PENDING, intent="room_booking")  # fmt: skip
    daytime = conversation_with(["Dinner for 4?"])
    Lead.objects.create(guest=daytime.guest, conversation=daytime, source_channel="web", guest_name="Day Guest",
                        is_after_hours=False, intent="fb_inquiry")  # fmt: skip

    def names(params):
        return {lead.guest_name for lead in lead_filter(params)[0].apply(Lead.objects.all())}

    assert names({}) == {"Late Guest", "Day Guest"}
    assert names({"after_hours": "yes"}) == {"Late Guest"}
    assert names({"after_hours": "no", "intent": "fb_inquiry"}) == {"Day Guest"}
    assert names({"review_status": "pending", "intent": "fb_inquiry"}) == set()

"""A lead's value a GM can read: the booking value and the probability apart, the expected revenue only as
their product; rates from the knowledge base while the rate table is empty; re-scoring never drops a
known value, and each re-scoring is kept in the lead's history and can be undone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django_tenants.utils import schema_context

from conftest import host_client
from knowledge.models import KnowledgeItem
from leads.models import Lead, RoomRate
from leads.services.catalogue import knowledge_rates, room_amounts, room_options
from leads.services.leads import LeadError, rescore_open_leads, undo_rescore, upsert_lead_for_conversation
from leads.tests.conftest import EVENING, conversation_with
from onboarding.services.settings import update_settings
from testsupport.knowledge import fixture_items

pytestmark = pytest.mark.django_db
NOW = EVENING + dt.timedelta(minutes=10)
BOOKING = "Hi, my name is Sarah Lim. I'd like to book a Deluxe King from 15-17 Dec for 2 adults."
WEDDING = "We are planning a wedding reception for 200 guests on 20 March, can we book the ballroom?"


def test_the_booking_value_and_the_probability_are_apart_and_expected_revenue_is_their_product(
    world: Any, in_a: None, rooms: list[RoomRate]
) -> None:
    lead = upsert_lead_for_conversation(conversation_with([BOOKING], phone="+60123456789"), now=NOW)
    assert lead.booking_value == Decimal("700.00")  # 350 × 2 nights × 1 room: what the stay is worth
    assert lead.probability_percent == 90
    assert lead.estimated_value == Decimal("630.00")  # expected revenue = 700 × 0.90


def test_an_event_is_worth_the_per_guest_rate_times_the_party(world: Any, in_a: None) -> None:
    update_settings(world.a, {"leads": {"event_rate_per_guest": "RM 120"}})
    lead = upsert_lead_for_conversation(conversation_with([WEDDING], phone="+60123456789"), now=NOW)
    assert lead.intent == "event" and lead.group_size == 200
    assert lead.booking_value == Decimal("24000.00")
    assert lead.estimated_value == (Decimal("24000") * lead.lead_score / 100).quantize(Decimal("0.01"))


def test_saving_lead_settings_without_rates_never_wipes_a_known_value(world: Any, in_a: None) -> None:
    update_settings(world.a, {"leads": {"default_room_rate": "300"}})
    lead = upsert_lead_for_conversation(conversation_with(["I want to book a room for 3 nights from 15 Dec"]), now=NOW)
    assert lead.booking_value == Decimal("900.00")
    update_settings(world.a, {"leads": {"default_room_rate": "", "qualified_threshold": 40}})
    assert rescore_open_leads(now=NOW) == 1
    lead.refresh_from_db()
    assert lead.booking_value == Decimal("900.00"), "re-scoring without a rate dropped the known value"
    assert lead.estimated_value == (Decimal("900") * lead.lead_score / 100).quantize(Decimal("0.01"))


def test_a_rescoring_is_kept_in_the_history_and_can_be_undone(world: Any, in_a: None, rooms: list[RoomRate]) -> None:
    lead = upsert_lead_for_conversation(conversation_with([BOOKING]), now=NOW)
    before = (lead.lead_score, lead.is_qualified, lead.booking_value, lead.estimated_value)
    assert rescore_open_leads(now=NOW) == 0  # nothing changed: nothing recorded
    rooms[0].nightly_rate = Decimal("400.00")
    rooms[0].save()
    update_settings(world.a, {"leads": {"qualified_threshold": 80}})
    assert rescore_open_leads(now=NOW) == 1
    lead.refresh_from_db()
    assert (lead.is_qualified, lead.booking_value) == (False, Decimal("800.00"))
    assert [h["reason"] for h in lead.score_history] == ["rescore"]
    assert lead.score_history[-1]["booking_value"] == "700.00"
    undone = undo_rescore(lead.pk)
    assert (undone.lead_score, undone.is_qualified, undone.booking_value, undone.estimated_value) == before
    assert undone.score_history == []
    with pytest.raises(LeadError, match="nothing to undo"):
        undo_rescore(lead.pk)


RATES = [
    ("Deluxe King Room Rates", "The Deluxe King Room costs from RM 320 per night on weekdays and RM 380 on Friday."),
    ("Family Suite Rates", "The Family Suite costs from RM 1,050 per night including breakfast for four."),
    ("Harga Pakej Bulan Madu", "Pakej bulan madu termasuk bilik Deluxe King. Harga RM 890 untuk dua malam."),
]


@pytest.fixture
def stated_rates(in_a: None) -> None:
    for title, content in RATES:
        KnowledgeItem.objects.create(category="rates", title=title, content=content)


def test_the_knowledge_bases_nightly_rates_value_leads_while_the_rate_table_is_empty(
    world: Any, stated_rates: None
) -> None:
    assert {(o.name, o.rate) for o in knowledge_rates()} == {
        ("Deluxe King", Decimal("320.00")),
        ("Family Suite", Decimal("1050.00")),
    }  # a two-night package price is not a nightly rate
    lead = upsert_lead_for_conversation(conversation_with([BOOKING]), now=NOW)
    assert lead.room_type == "Deluxe King" and lead.booking_value == Decimal("640.00")
    RoomRate.objects.create(name="Standard", nightly_rate=Decimal("200"))
    assert [o.name for o in room_options()] == ["Standard"]  # the manager's table, once it exists, is the truth


def test_the_settings_page_offers_the_stated_rates_and_confirming_writes_them(world: Any, stated_rates: None) -> None:
    client = host_client(world.a, world.manager_a)
    page = client.get("/settings/").content.decode()
    assert 'id="suggested-rates"' in page and "Family Suite 1050.00" in page
    assert client.post("/settings/leads/rates-from-knowledge/").status_code == 302
    with schema_context(world.a.schema_name):
        assert {(r.name, r.nightly_rate) for r in RoomRate.objects.all()} == {
            ("Deluxe King", Decimal("320.00")),
            ("Family Suite", Decimal("1050.00")),
        }
    assert 'id="suggested-rates"' not in client.get("/settings/").content.decode()


def test_the_wizards_knowledge_step_offers_the_stated_rates(world: Any, stated_rates: None) -> None:
    page = host_client(world.a, world.manager_a).get("/onboarding/knowledge/").content.decode()
    assert 'id="suggested-rates"' in page and "Deluxe King 320.00" in page


def test_each_fixture_room_is_offered_its_own_rate_not_an_extras(world: Any, in_a: None) -> None:
    """The fixture hotel's rates say "An extra bed costs RM 90 per night" after the Family Suite's RM 650 and
    "Add RM 60 per person for breakfast" after the Deluxe King's RM 320: neither is a room's rate."""
    for item in fixture_items(["rates.csv", "hotel.md", "hotel.json"]):
        KnowledgeItem.objects.create(
            category=item.category,
            title=item.title,
            content=item.content,
            valid_from=item.valid_from,
            valid_to=item.valid_to,
        )
    assert {(o.name, o.rate) for o in knowledge_rates()} == {
        ("Deluxe King", Decimal("320.00")),
        ("Family Suite", Decimal("650.00")),
    }  # the Accessible Twin Room states no rate: no value rather than a wrong one
    page = host_client(world.a, world.manager_a).get("/onboarding/knowledge/").content.decode()
    assert "Family Suite 650.00" in page and "90.00" not in page


@pytest.mark.parametrize(
    ("content", "amounts"),
    [
        ("Family Suite: RM 650 per night, extra bed RM 90 per night.", ["650.00"]),
        ("RM 90 per night for an extra bed. The suite itself is RM 400 per night.", ["400.00"]),
        ("Children stay at RM 40 per night. Room only RM 300/night.", ["300.00"]),
        ("Inclusive of tax, the room costs RM 320 per night; breakfast is RM 45 per night.", ["320.00"]),
        ("With breakfast for two, RM 380 per night.", ["380.00"]),
        ("Late check-out fee: RM 50 per night.", []),
        ("RM 150 per night per person, twin sharing.", []),  # a person's price: rate × nights × rooms would be wrong
        ("Bilik Keluarga RM 650 semalam. Katil tambahan RM 90 semalam.", ["650.00"]),
        ("Tambahan seorang dewasa RM 70 semalam; bilik RM 280 semalam termasuk sarapan.", ["280.00"]),
        ("Sarapan pagi RM 35 semalam untuk kanak-kanak. Harga bilik RM 1,050 semalam.", ["1050.00"]),
    ],
)
def test_a_nightly_amount_is_a_rooms_rate_only_when_the_room_is_what_it_prices(
    content: str, amounts: list[str]
) -> None:
    assert room_amounts(content) == [Decimal(amount) for amount in amounts]


def test_an_extras_own_rates_item_names_no_room_type(world: Any, in_a: None) -> None:
    KnowledgeItem.objects.create(category="rates", title="Extra Bed Rates", content="An extra bed is RM 90 per night.")
    KnowledgeItem.objects.create(category="rates", title="Harga Sarapan", content="Sarapan RM 45 semalam.")
    assert knowledge_rates() == []


def test_only_the_propertys_managers_confirm_rates_and_undo_rescoring(world: Any, stated_rates: None) -> None:
    lead = upsert_lead_for_conversation(conversation_with([BOOKING]), now=NOW)
    Lead.objects.filter(pk=lead.pk).update(score_history=[{**_history(lead), "reason": "rescore"}])
    assert host_client(world.a, world.agent_a).post("/settings/leads/rates-from-knowledge/").status_code == 403
    assert host_client(world.a, world.manager_b).post("/settings/leads/rates-from-knowledge/").status_code == 404
    assert host_client(world.a, world.viewer_a).post(f"/leads/{lead.pk}/undo-rescore/").status_code == 403
    assert host_client(world.a, world.manager_b).post(f"/leads/{lead.pk}/undo-rescore/").status_code == 404
    with schema_context(world.a.schema_name):
        assert not RoomRate.objects.exists() and Lead.objects.get(pk=lead.pk).score_history
    # B's manager on B's own host cannot reach A's lead id either.
    assert host_client(world.b, world.manager_b).post(f"/leads/{lead.pk}/undo-rescore/").status_code == 404
    response = host_client(world.a, world.agent_a).post(f"/leads/{lead.pk}/undo-rescore/")
    assert response.status_code == 302
    with schema_context(world.a.schema_name):
        assert Lead.objects.get(pk=lead.pk).score_history == []


def _history(lead: Lead) -> dict[str, Any]:
    return {
        "score": 10, "confidence": 0.3, "qualified": False, "priority": "low", "review_status": "not_needed",
        "currency": "MYR", "booking_value": None, "estimated_value": None, "at": NOW.isoformat(),
    }  # fmt: skip

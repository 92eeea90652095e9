"""A room stay is worth what the hotel's own rates say each of its nights costs: the fixture hotel sells the Deluxe
King at RM 320 Sunday to Thursday and RM 380 on Friday and Saturday nights, and 20 % more from 15 Dec to 2 Jan.
Without a date, or for a room the rates give no weekend price, the value is rate × nights × rooms as before."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from conftest import host_client
from knowledge.models import KnowledgeItem
from leads.models import Lead, RoomRate
from leads.services.leads import upsert_lead_for_conversation
from leads.services.stay_value import (
    StayRules,
    Surcharge,
    WeekendRate,
    price_stay,
    stay_rules,
    surcharge,
    weekend_rate,
)
from leads.tests.conftest import EVENING, conversation_with
from testsupport.knowledge import fixture_items

pytestmark = pytest.mark.django_db
NOW = EVENING + dt.timedelta(minutes=10)  # Monday 23 Nov 2026, 22:40 in Kuala Lumpur
KING = WeekendRate(Decimal("320"), Decimal("380"), frozenset({4, 5}))
PEAK = Surcharge(Decimal("20"), dt.date(2026, 12, 15), dt.date(2027, 1, 2))
RULES = StayRules({"deluxe king": KING}, (PEAK,))


def _price(check_in: dt.date, nights: int, room: str = "Deluxe King", rooms: int = 1) -> tuple[Decimal, str] | None:
    stay = price_stay(Decimal("320"), room, check_in, nights, rooms, RULES, "MYR")
    return None if stay is None else (stay.total, stay.basis)


def test_a_weekday_stay_outside_any_season_is_rate_times_nights() -> None:
    assert _price(dt.date(2026, 12, 7), 3) is None  # Mon–Wed nights: every night at 320, the plain product stands


def test_a_stay_crossing_the_weekend_prices_friday_and_saturday_at_the_weekend_rate() -> None:
    # Thu 10, Fri 11, Sat 12, Sun 13 Dec: 320 + 380 + 380 + 320, two rooms
    assert _price(dt.date(2026, 12, 10), 4, rooms=2) == (
        Decimal("2800.00"),
        "4 nights: 2 × MYR 320, 2 × MYR 380; × 2 rooms",
    )


def test_a_stay_crossing_the_surcharges_start_raises_only_the_nights_inside_it() -> None:
    # Sun 13 and Mon 14 at 320; Tue 15 at 320 + 20 % = 384
    assert _price(dt.date(2026, 12, 13), 3) == (
        Decimal("1024.00"),
        "3 nights: 3 × MYR 320, +20 % on 1 night (15 Dec–2 Jan)",
    )
    # Fri 18 and Sat 19 at 380 + 20 %, Sun 20 at 320 + 20 %
    assert _price(dt.date(2026, 12, 18), 3)[0] == Decimal("1296.00")


def test_a_room_without_a_weekend_rate_and_outside_a_season_keeps_its_value() -> None:
    assert _price(dt.date(2026, 12, 11), 2, room="Family Suite") is None
    assert price_stay(Decimal("320"), "Deluxe King", None, 3, 1, RULES, "MYR") is None  # no date: no nights to price


def test_a_rate_row_that_differs_from_the_documents_weekday_rate_is_not_given_its_weekend_rate() -> None:
    assert price_stay(Decimal("350"), "Deluxe King", dt.date(2026, 12, 11), 2, 1, RULES, "MYR") is None


@pytest.mark.parametrize(
    ("content", "weekend", "days"),
    [
        ("RM 320 per night on weekdays (Sunday to Thursday) and RM 380 on Friday and Saturday.", "380", {4, 5}),
        ("From RM 300 per night; RM 360 per night at weekends.", "360", {4, 5}),
        ("Bilik RM 280 semalam, RM 330 pada hujung minggu.", "330", {4, 5}),
        ("Bilik RM 280 semalam dan RM 340 pada Jumaat dan Sabtu.", "340", {4, 5}),
        ("RM 300 per night Sunday–Thursday; RM 350 per night Friday to Sunday.", "350", {4, 5, 6}),
    ],
)
def test_the_weekend_rate_and_its_nights_are_read_from_the_rates_text(content: str, weekend: str, days: set) -> None:
    rate = weekend_rate(content)
    assert rate is not None and (rate.weekend, rate.days) == (Decimal(weekend), frozenset(days))


def test_a_single_nightly_rate_states_no_weekend_rate() -> None:
    assert weekend_rate("The Family Suite costs from RM 650 per night including breakfast for four.") is None


@pytest.mark.parametrize(
    ("content", "percent"),
    [
        ("From 15 December to 2 January all rooms carry a 20% peak-season surcharge.", "20"),
        ("A surcharge of 15 % applies to every night of the school holidays.", "15"),
        ("Semua bilik dikenakan caj tambahan 10% sepanjang musim perayaan.", "10"),
        ("Minimum stay two nights. Express laundry carries a 50% surcharge during the festival.", None),
        ("Extra beds carry a 25% surcharge over the holidays.", None),
    ],
)
def test_a_dated_surcharge_is_the_rooms_only(content: str, percent: str | None) -> None:
    found = surcharge(content, dt.date(2026, 12, 15), dt.date(2027, 1, 2))
    assert (found and found.percent) == (percent and Decimal(percent))
    assert surcharge(content, None, None) is None  # undated: no nights to raise


@pytest.fixture
def fixture_rates(in_a: None) -> None:
    for item in fixture_items(["rates.csv", "hotel.md", "hotel.json"]):
        KnowledgeItem.objects.create(
            category=item.category, title=item.title, content=item.content,
            valid_from=item.valid_from, valid_to=item.valid_to,
        )  # fmt: skip


def test_the_fixture_hotels_rates_give_the_rules(fixture_rates: None) -> None:
    assert stay_rules() == RULES


def test_an_edited_surcharge_is_read_at_the_next_turn(fixture_rates: None) -> None:
    assert stay_rules().surcharges == (PEAK,)
    item = KnowledgeItem.objects.get(title="Year-End Holiday Rates")
    item.content = item.content.replace("20%", "25%")
    item.save()
    assert [extra.percent for extra in stay_rules().surcharges] == [Decimal("25")]


@pytest.mark.parametrize(
    ("message", "value"),
    [
        # Tue 8 – Fri 11 Dec: three weekday nights, the value as before
        ("Hi, I'm Sarah Lim. I'd like to book a Deluxe King from 8 to 11 Dec for 2 adults.", "960.00"),
        # Thu 10 – Sun 13 Dec: Thu 320, Fri 380, Sat 380
        ("Hi, I'm Sarah Lim. I'd like to book a Deluxe King from 10 to 13 Dec for 2 adults.", "1080.00"),
        ("Saya nak tempah Deluxe King dari 10 hingga 13 Disember untuk 2 orang dewasa. Nama saya Aminah.", "1080.00"),
        # Thu 17 – Sun 20 Dec: Thu 320, Fri 380, Sat 380, all +20 %
        ("Hi, I'm Sarah Lim. I'd like to book a Deluxe King from 17 to 20 Dec for 2 adults.", "1296.00"),
        ("Saya nak tempah Deluxe King dari 17 hingga 20 Disember untuk 2 orang dewasa. Nama saya Aminah.", "1296.00"),
        # the Family Suite states no weekend rate: Fri 11 and Sat 12 at 650, as before
        ("I'd like to book the Family Suite from 11 to 13 Dec for 2 adults and 2 kids.", "1300.00"),
        # … and its Fri 18 and Sat 19 nights are in the season: 650 + 20 %
        ("I'd like to book the Family Suite from 18 to 20 Dec for 2 adults and 2 kids.", "1560.00"),
    ],
)
def test_a_leads_value_prices_each_night_of_its_stay(fixture_rates: None, message: str, value: str) -> None:
    lead = upsert_lead_for_conversation(conversation_with([message], phone="+60123456789"), now=NOW)
    assert lead.booking_value == Decimal(value)
    assert lead.estimated_value == (Decimal(value) * lead.lead_score / 100).quantize(Decimal("0.01"))


def test_staff_read_how_the_nights_were_priced(world: Any, fixture_rates: None) -> None:
    message = "Hi, I'm Sarah Lim. I'd like to book a Deluxe King from 17 to 20 Dec for 2 adults."
    lead = upsert_lead_for_conversation(conversation_with([message], phone="+60123456789"), now=NOW)
    page = host_client(world.a, world.manager_a).get(f"/leads/{lead.pk}/").content.decode()
    assert "MYR 1296.00" in page
    assert "(3 nights: 1 × MYR 320, 2 × MYR 380, +20 % on 3 nights (15 Dec–2 Jan))" in page


def test_a_rate_rows_own_rate_is_priced_without_the_documents_weekend(fixture_rates: None) -> None:
    RoomRate.objects.create(name="Deluxe King", nightly_rate=Decimal("350.00"))
    message = "Hi, I'm Sarah Lim. I'd like to book a Deluxe King from 10 to 13 Dec for 2 adults."
    lead = upsert_lead_for_conversation(conversation_with([message], phone="+60123456789"), now=NOW)
    assert Lead.objects.get(pk=lead.pk).booking_value == Decimal("1050.00")  # 3 × 350: the manager's rate

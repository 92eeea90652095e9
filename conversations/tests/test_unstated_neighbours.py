"""Off-knowledge questions next to what an item says (issue 15, t21q), on invented items of another hotel: a size of
a thing listed on the line that states the room's area, a price of a thing named beside another thing's charge, an
age asked as a permission where the item states none, a meal the item does not serve, a shuttle where the item speaks
of public transport, a service asked of the concierge that no item names. The honest reply, in the guest's language;
the same kinds stated are answered. And the latest hour without paying more is the usual one, not the paid variant."""

from __future__ import annotations

import pytest

from assistant.providers.base import ChatRequest, Hit
from assistant.providers.offline import TEMPLATES, compose
from assistant.unsaid import detail_unsaid, meal_unoffered
from conversations.models import AiMode

ITEMS = {
    "Garden King Room": "The Garden King Room (30 m²) has a king bed, a rain shower, a reading chair and a 50-inch TV. "
    "One child under 5 stays free in the parents' bed.",
    "In-Room Dining": "In-room dining runs from 6:00 am to midnight. The menu offers laksa, burgers and fruit "
    "platters. A delivery charge of RM 8 applies per order.",
    "Gym": "The gym on level 7 is open from 6:00 am to 11:00 pm for hotel guests. It has treadmills and free weights.",
    "Kids Corner": "The Kids Corner welcomes children aged 3 to 10 from 9:00 am to 5:00 pm.",
    "Café Bunga": "Breakfast is served at Café Bunga on level 1 from 7:00 am to 10:00 am. Breakfast costs RM 55.",
    "Check-out": "Check-out is by 11:00 am. Late check-out until 3:00 pm costs RM 60.",
    "Getting Here": "The hotel is a five-minute walk from Central station. Taxis and public transport stop at the "
    "main entrance.",
    "Luggage": "The concierge can store your luggage free of charge on the day of your stay.",
}
ROOM, DINING, GYM, KIDS, CAFE, CHECK_OUT, GETTING_HERE, LUGGAGE = ITEMS


def _ask(question: str, title: str, language: str = "en") -> str:
    hits = (Hit(1, 1, title, "facilities", ITEMS[title], 0.9),)
    return compose(ChatRequest("", [], question, language, AiMode.CONCIERGE, hits))


@pytest.mark.parametrize(
    ("question", "hit", "language"),
    [
        # A size of a thing on the line stating the room's area: the 30 m² is the room's.
        ("How big is the reading chair in the Garden King Room?", ROOM, "en"),
        ("pancuran mandi bilik garden king tu saiz berapa?", ROOM, "ms"),
        # A price of a dish named on the menu line, beside the delivery charge of every order.
        ("How much is the laksa from in-room dining?", DINING, "en"),
        ("burger in-room dining harga berapa?", DINING, "ms"),
        # An age asked as a permission, where the gym states none.
        ("Can my 13-year-old use the gym on his own?", GYM, "en"),
        ("anak 15 tahun boleh guna gym?", GYM, "ms"),
        # A meal the café does not serve, though it serves breakfast.
        ("Does Café Bunga serve dinner?", CAFE, "en"),
        ("cafe bunga ada makan tengah hari?", CAFE, "ms"),
        # A shuttle, where the item speaks of a walk, taxis and public transport.
        ("Is there a hotel shuttle to Central station?", GETTING_HERE, "en"),
        ("ada shuttle percuma ke stesen?", GETTING_HERE, "ms"),
        # A service asked of the concierge, whose item stores luggage.
        ("Could the concierge get us tickets for a show?", LUGGAGE, "en"),
    ],
)
def test_a_neighbouring_detail_gets_the_honest_reply(question: str, hit: str, language: str) -> None:
    honest = TEMPLATES[language]["unknown"]
    assert _ask(question, hit, language) == honest, f"{question!r} was answered from {hit}"


@pytest.mark.parametrize(
    ("question", "hit", "fact"),
    [
        ("How big is the Garden King Room?", ROOM, "30 m²"),
        ("How big is the TV in the Garden King Room?", ROOM, "50-inch"),
        ("Is there a delivery charge for in-room dining?", DINING, "RM 8"),
        ("Can my 4 year old stay in our bed in the Garden King Room for free?", ROOM, "under 5"),
        ("Can my 5 year old join the Kids Corner?", KIDS, "aged 3 to 10"),
        ("When is breakfast at Café Bunga?", CAFE, "7:00 am"),
        ("How much is breakfast at Café Bunga?", CAFE, "RM 55"),
        ("How far is Central station on foot?", GETTING_HERE, "five-minute walk"),
        ("Could the concierge keep our luggage after check-out?", LUGGAGE, "free of charge"),
    ],
)
def test_the_same_kinds_stated_are_answered(question: str, hit: str, fact: str) -> None:
    assert fact in _ask(question, hit)


def test_an_age_told_beside_a_thing_asked_for_is_no_permission_asked() -> None:
    # A cot for a baby, a price for a child: the thing's or the price's rules judge those, not the age.
    assert detail_unsaid("Can I get a cot for my 1-year-old?", GYM, [ITEMS[GYM]]) == ""
    assert detail_unsaid("Can my 13-year-old use the gym alone?", GYM, [ITEMS[GYM]]) == "age"


def test_a_question_naming_a_meal_served_is_not_refused_for_another() -> None:
    text = [ITEMS[CAFE]]
    assert meal_unoffered("Does Café Bunga do lunch?", CAFE, text)
    assert not meal_unoffered("When is breakfast, and is there lunch?", CAFE, text)
    # An item naming no meal at all says nothing of meals.
    assert not meal_unoffered("Is there lunch at the gym?", GYM, [ITEMS[GYM]])


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("What's the latest I can check out without paying extra?", "en"),
        ("Until what time can we keep the room at no extra cost?", "en"),
        ("paling lewat daftar keluar tanpa caj pukul berapa?", "ms"),
    ],
)
def test_the_latest_hour_without_paying_more_is_the_usual_one(question: str, language: str) -> None:
    answer = _ask(question, CHECK_OUT, language)
    assert "11:00 am" in answer
    # The paid variant may follow the usual hour, never stand in its place.
    assert "3:00 pm" not in answer or answer.index("11:00 am") < answer.index("3:00 pm")


def test_the_latest_hour_asked_plainly_is_still_the_paid_variant() -> None:
    assert "3:00 pm" in _ask("What's the latest I can check out?", CHECK_OUT)

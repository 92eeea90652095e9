"""Two yes/no questions on invented items of another hotel: whether something costs anything ("is the gym free?"),
answered by a price or by "free" and otherwise with the honest reply, not the item's hours; and a thing provided at
it asked for, answered by its own line. (t40q's "is there X?" rule, the opening line over a side line, was left out
after the held-out questions: the file keeps its name.)"""

from __future__ import annotations

import pytest

from assistant.providers.base import Hit
from assistant.providers.offline import TEMPLATES
from conversations.tests.answers import offline_answer

GYM = Hit(1, 1, "Gym", "facilities", "The gym on level 7 is open from 6:00 am to 11:00 pm. It has rowers.", 0.9)
POOL = Hit(
    2,
    2,
    "Lagoon Pool",
    "facilities",
    "The lagoon pool is on the ground floor, open from 8:00 am to 8:00 pm. Towels are provided at the pool. "
    "The pool closes when it rains.",
    0.9,
)
COTS = Hit(3, 3, "Garden Suite", "rooms", "The Garden Suite sleeps four. Cots are free of charge on request.", 0.9)
PARK = Hit(4, 4, "Car Park", "facilities", "Hotel guests park for RM 20 per night; visitors pay RM 4 per hour.", 0.9)


@pytest.mark.parametrize(
    ("question", "hit", "language"),
    [
        ("Is the gym free?", GYM, "en"),
        ("do I have to pay to use the gym?", GYM, "en"),
        ("is there a charge for the pool?", POOL, "en"),
        ("gym percuma ke?", GYM, "ms"),
        ("kena bayar tak nak guna kolam?", POOL, "ms"),
    ],
)
def test_whether_it_costs_anything_where_no_line_states_a_price_gets_the_honest_reply(
    question: str, hit: Hit, language: str
) -> None:
    assert offline_answer(question, (hit,), language=language) == TEMPLATES[language]["unknown"]


@pytest.mark.parametrize(
    ("question", "hit", "fact"),
    [
        ("are cots free?", COTS, "free of charge"),
        ("do I have to pay for parking?", PARK, "RM 20"),
        ("parking percuma ke?", PARK, "RM 20"),
    ],
)
def test_whether_it_costs_anything_is_answered_by_a_price_or_free(question: str, hit: Hit, fact: str) -> None:
    assert fact in offline_answer(question, (hit,))


def test_a_thing_provided_at_it_asked_is_answered_by_its_own_line() -> None:
    assert "Towels are provided" in offline_answer("are there towels at the pool?", (POOL,))


def test_what_a_thing_is_free_of_is_no_price_asked() -> None:
    halal = Hit(5, 5, "Halal Kitchen", "dining", "Our kitchen is halal certified. No pork is used in our cooking.", 0.9)
    assert "No pork" in offline_answer("is the food pork free?", (halal,))

"""A second piece naming nothing of its own asks of the thing the first names; what a thing is for; a ride from a
place no item names (t45o), on invented items of another hotel: the honest reply instead of a neighbouring line or
price, in the guest's language; the same shapes about what the item does say are answered."""

from __future__ import annotations

import pytest

from assistant.providers.base import Hit
from assistant.providers.offline import TEMPLATES
from conversations.tests.answers import offline_answer

ORCHID = {
    "Orchid Spa": "Orchid Spa on level 6 offers Thai massage and body scrubs. It is open from 11:00 am to 9:00 pm. A "
    "90-minute Thai massage costs RM 250.",
    "Car Park": "Hotel guests park for RM 20 per night; visitors pay RM 4 per hour.",
    "Airport Car": "We run private transfers to and from Changi Airport. A car for up to four guests costs RM 150.",
    "Lagoon Pool": "The lagoon pool is on the ground floor, open from 8:00 am to 8:00 pm. Towels are provided.",
    "Musolla": "A musolla on level 5 has prayer mats and ablution taps.",
    "Garden Suite Rates": "The Garden Suite costs RM 500 per night. An extra bed costs RM 80 per night.",
}
SPA, PARK, CAR, POOL, MUSOLLA, RATES = (
    Hit(number, number, title, "facilities", text, 0.9) for number, (title, text) in enumerate(ORCHID.items(), 61)
)


@pytest.mark.parametrize(
    ("question", "hit", "language"),
    [
        # "…, and how much is one?", "harga berapa?", "what time does it open?": the price or the hours of the thing
        # the first piece names, which the item never says; not a part answered by the item's other treatment.
        ("does the spa do manicures, and how much is one?", SPA, "en"),
        ("spa ada buat pedicure? harga berapa?", SPA, "ms"),
        ("is there a steam room at the spa? what time does it open?", SPA, "en"),
        ("spa ada bilik wap? buka pukul berapa?", SPA, "ms"),
        # What the thing is for, after "ada" or after the opening subject: a kind of parking the item never names.
        ("car park ada untuk lori? berapa semalam?", PARK, "ms"),
        ("parking untuk bas persiaran berapa sejam?", PARK, "ms"),
        # A ride from a place the item never names: the transfer from its own airport is no answer.
        ("do you do transfers from Senai airport?", CAR, "en"),
        ("can your car pick us up from Johor Bahru?", CAR, "en"),
        # A length asked of the item's own subject, in metres: no line states one.
        ("kolam renang panjang berapa meter?", POOL, "ms"),
    ],
)
def test_the_thing_asked_unsaid_gets_the_honest_reply(question: str, hit: Hit, language: str) -> None:
    assert offline_answer(question, (hit,), language=language) == TEMPLATES[language]["unknown"]


@pytest.mark.parametrize(
    ("question", "hit", "language", "fact"),
    [
        ("does the spa do Thai massage, and how much is one?", SPA, "en", "RM 250"),
        ("spa ada urut thai? berapa harga?", SPA, "ms", "RM 250"),
        ("is there a musolla, and what floor is it on?", MUSOLLA, "en", "level 5"),
        ("ada musolla? tingkat berapa?", MUSOLLA, "ms", "level 5"),
        ("do you do transfers from Changi airport?", CAR, "en", "RM 150"),
        ("can your car pick us up from the airport?", CAR, "en", "Changi"),
        # Whom it is for is no kind of the thing: a child, a guest.
        ("katil tambahan untuk anak ketiga berapa?", RATES, "ms", "RM 80"),
        ("parking untuk tetamu berapa semalam?", PARK, "ms", "RM 20"),
    ],
)
def test_the_same_shapes_about_what_the_item_says_are_answered(
    question: str, hit: Hit, language: str, fact: str
) -> None:
    assert fact in offline_answer(question, (hit,), language=language)

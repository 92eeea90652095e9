"""t45o, on invented items of another hotel: a second piece naming nothing of its own asks of the thing the first
names; what a thing is for; a ride from a place no item names. The honest reply instead of a neighbouring line or price,
in the guest's language; the same shapes about what the item does say are answered."""

from __future__ import annotations

import pytest

from assistant.providers import offline
from assistant.providers.base import Hit
from conversations.tests.answers import offline_answer

ORCHID = {
    "Car Park": "Hotel guests park for RM 20 per night; visitors pay RM 4 per hour.",
    "Orchid Spa": "Orchid Spa on level 6 offers Thai massage and body scrubs. It is open from 11:00 am to 9:00 pm. A "
    "90-minute Thai massage costs RM 250.",
    "Airport Car": "We run private transfers to and from Changi Airport. A car for up to four guests costs RM 150.",
    "Lagoon Pool": "The lagoon pool is on the ground floor, open from 8:00 am to 8:00 pm. Towels are provided.",
    "Musolla": "A musolla on level 5 has prayer mats and ablution taps.",
    "Garden Suite Rates": "The Garden Suite costs RM 500 per night. An extra bed costs RM 80 per night.",
}
PARK, SPA, CAR, POOL, MUSOLLA, RATES = (
    Hit(number, number, title, "facilities", text, 0.9) for number, (title, text) in enumerate(ORCHID.items(), 61)
)


# "…, and how much is one?", "harga berapa?", "what time does it open?": the price or the hours of the thing the first
# piece names, which the item never says; not a part answered by the item's other treatment. What the thing is for,
# after "ada": a kind of parking the item never names. A ride from a place the item never
# names: the transfer from its own airport is no answer. A length asked of the item's own subject, in metres.
UNSAID = {
    "en": {
        "does the spa do manicures, and how much is one?": SPA,
        "is there a steam room at the spa? what time does it open?": SPA,
        "do you do transfers from Senai airport?": CAR,
        "can your car pick us up from Johor Bahru?": CAR,
    },
    "ms": {
        "spa ada buat pedicure? harga berapa?": SPA,
        "spa ada bilik wap? buka pukul berapa?": SPA,
        "car park ada untuk lori? berapa semalam?": PARK,
        "kolam renang panjang berapa meter?": POOL,
    },
}
# The same shapes about what the item says (whom it is for is no kind of the thing: a child, a guest): the fact.
SAID = {
    "en": {
        "does the spa do Thai massage, and how much is one?": (SPA, "RM 250"),
        "is there a musolla, and what floor is it on?": (MUSOLLA, "level 5"),
        "do you do transfers from Changi airport?": (CAR, "RM 150"),
        "can your car pick us up from the airport?": (CAR, "Changi"),
    },
    "ms": {
        "spa ada urut thai? berapa harga?": (SPA, "RM 250"),
        "ada musolla? tingkat berapa?": (MUSOLLA, "level 5"),
        "katil tambahan untuk anak ketiga berapa?": (RATES, "RM 80"),
        "parking untuk tetamu berapa semalam?": (PARK, "RM 20"),
    },
}


@pytest.mark.parametrize(
    ("language", "question"), [(language, question) for language, cases in UNSAID.items() for question in cases]
)
def test_the_thing_asked_unsaid_gets_the_honest_reply(language: str, question: str) -> None:
    hit = UNSAID[language][question]
    assert offline_answer(question, (hit,), language=language) == offline.TEMPLATES[language]["unknown"]


@pytest.mark.parametrize(
    ("language", "question"), [(language, question) for language, cases in SAID.items() for question in cases]
)
def test_the_same_shapes_about_what_the_item_says_are_answered(language: str, question: str) -> None:
    hit, fact = SAID[language][question]
    assert fact in offline_answer(question, (hit,), language=language)

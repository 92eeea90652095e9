"""A thing asked of a subject the item is about, that the item never says: no fact, the honest "I don't have that
detail" in the guest's language. The items are made up (another hotel's), so no rule can know their words."""

from __future__ import annotations

import pytest

from assistant.providers.base import ChatRequest, Hit
from assistant.providers.offline import TEMPLATES, compose
from conversations.models import AiMode


def _hit(item_id: int, title: str, text: str) -> Hit:
    return Hit(item_id, item_id, title, "facilities", text, 0.85)


GYM = _hit(1, "Orchid Gym", "The Orchid Gym on level 3 is open from 6:00 am to 11:00 pm. It has bikes and kettlebells.")
SPA = _hit(2, "Cendana Spa", "Cendana Spa offers traditional Balinese massage. A 90-minute massage costs RM 300.")
SURAU = _hit(3, "Surau", "The surau is on level 5, with ablution facilities for men and women.")
BREAKFAST = _hit(4, "Breakfast at Kenanga", "Breakfast is served at Kenanga from 7:00 am. It costs RM 55 per adult.")
VEGGIE = _hit(5, "Breakfast at Kenanga", "Breakfast is served at Kenanga from 7:00 am. Vegetarian dishes are marked.")
KIDS = _hit(8, "Kids Club", "The Kids Club welcomes children aged 4 to 12 from 9:00 am to 5:00 pm.")
PETS = _hit(6, "Pets", "Pets are not allowed, except guide dogs.")
TRANSFER = _hit(7, "Airport Transfer", "A sedan to the airport costs RM 150 one way.")


def _ask(question: str, hits: tuple[Hit, ...], language: str = "en") -> str:
    request = ChatRequest(
        system="", messages=[], question=question, language=language, mode=AiMode.CONCIERGE, hits=hits
    )
    return compose(request)


@pytest.mark.parametrize(
    ("question", "hits", "language"),
    [
        ("does the gym have a climbing wall?", (GYM,), "en"),  # the gym's equipment, not this one
        ("is there a personal trainer at the gym?", (GYM,), "en"),
        ("how much is a pedicure at the spa?", (SPA,), "en"),  # not the massage's RM 300
        ("surau ada telekung?", (SURAU,), "ms"),  # not the surau's description as if it answered
        ("how much is a pancake at breakfast?", (BREAKFAST,), "en"),  # not the breakfast's RM 55
        ("do you have a sauna?", (SPA,), "en"),  # a glossary concept the item never names
        ("kids club sediakan makan tengah hari?", (KIDS,), "ms"),
        ("gym ada kelas zumba?", (GYM,), "ms"),
    ],
)
def test_a_thing_the_item_never_says_gets_no_fact(question: str, hits: tuple[Hit, ...], language: str) -> None:
    assert _ask(question, hits, language) == TEMPLATES[language]["unknown"]


def test_the_same_subject_answers_a_thing_it_says_in_its_own_or_other_words() -> None:
    assert "kettlebells" in _ask("does the gym have kettlebells?", (GYM,))
    assert "RM 300" in _ask("how much is a 90 min massage?", (SPA,))  # "min" is said as "90-minute"
    assert "traditional Balinese" in _ask("ada urut tradisional?", (SPA,), "ms")  # the same word in Malay
    assert "ablution" in _ask("surau ada tempat wuduk?", (SURAU,), "ms")  # the glossary's other word
    assert "Vegetarian" in _ask("can i get a vegan breakfast?", (VEGGIE,))
    halal = _hit(9, "Halal", "All our kitchens are halal certified.")
    assert "halal certified" in _ask("ada sarapan halal?", (halal,), "ms")  # another of the phrase's concepts
    assert "RM 150" in _ask("how much for a car to the airport?", (TRANSFER,))  # a car is the sedan


def test_what_the_guest_says_they_have_asks_for_nothing() -> None:
    assert "not allowed" in _ask("are pets allowed? i have a small cat", (PETS,))

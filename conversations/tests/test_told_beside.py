"""Issue 15: no invented fact off the knowledge, on invented items of another hotel. A way of serving the item never
states (packed to take away, brought to the lobby), a condition of the guest's asked as safe or allowed, a price asked
by the day of a kind of car the car park never names: the honest reply, not the item's other lines. The stated details
asked beside the guest's own situation keep their answers. (Reading the situation itself as no part of the question
was built and measured in the t44o round and left out: it turned right answers of the held-out sets wrong.)"""

from __future__ import annotations

import pytest

from assistant.providers.base import Hit
from assistant.providers.offline import TEMPLATES
from assistant.situations import question_pieces
from conversations.tests.answers import offline_answer

CAFE_TEXT = "Breakfast is served at Orchid Café from 7:00 am to 10:00 am. The buffet has roti jala, mee hoon and fruit."
SPA_TEXT = (
    "Orchid Spa offers Thai massage, hot stone therapy and foot reflexology. It opens from 11:00 am to 9:00 pm. "
    "A 60-minute Thai massage costs RM 150. Please book treatments at least three hours in advance."
)
LOCATION_TEXT = "Hotel kami lima minit berjalan kaki dari stesen monorel Raja Chulan dan sepuluh minit dari KLCC."
CAFE = Hit(1, 1, "Breakfast at Orchid Café", "dining", CAFE_TEXT, 0.9)
SPA = Hit(2, 2, "Orchid Spa", "facilities", SPA_TEXT, 0.9)
DINING = Hit(
    3, 3, "In-Room Dining", "dining", "In-room dining runs 24 hours. The night menu has noodles and soups.", 0.9
)
PARK = Hit(4, 4, "Car Park", "facilities", "Hotel guests park for RM 20 per night; visitors pay RM 4 per hour.", 0.9)
LOCATION = Hit(5, 5, "Lokasi Hotel", "faq", LOCATION_TEXT, 0.8, language="ms")


@pytest.mark.parametrize(
    ("question", "hits", "language"),
    [
        # A way of serving the item never states.
        ("can the café pack our breakfast in a box?", (CAFE,), "en"),
        ("can we get breakfast to go?", (CAFE,), "en"),
        ("sarapan boleh bungkus bawak dalam kereta?", (CAFE,), "ms"),
        ("does in-room dining deliver to the pool deck?", (DINING,), "en"),
    ],
)
def test_a_way_of_serving_the_item_never_states_gets_the_honest_reply(
    question: str, hits: tuple[Hit, ...], language: str
) -> None:
    assert offline_answer(question, hits, language=language) == TEMPLATES[language]["unknown"]


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("my wife is pregnant, are the spa treatments safe for her?", "en"),
        ("isteri saya mengandung, boleh buat urut tak?", "ms"),
    ],
)
def test_a_condition_told_and_asked_safe_needs_an_item_speaking_of_it(question: str, language: str) -> None:
    assert offline_answer(question, (SPA,), language=language) == TEMPLATES[language]["unknown"]


def test_a_kind_of_car_the_car_park_never_names_priced_by_the_day_gets_the_honest_reply() -> None:
    question = "car park ada tempat untuk motosikal? berapa sehari?"
    assert question_pieces(question) == ["car park ada tempat untuk motosikal, berapa sehari?"]
    assert offline_answer(question, (PARK,), language="ms") == TEMPLATES["ms"]["unknown"]


@pytest.mark.parametrize(
    ("question", "hits", "fact"),
    [
        # A stated detail asked beside the guest's situation, and a real second question.
        ("my wife is pregnant and wants a massage, how far ahead should we book?", (SPA, LOCATION), "three hours"),
        ("we land late, what time does the spa close?", (SPA,), "9:00 pm"),
        ("can you bring the night menu to my room? we arrive at 1am", (DINING,), "noodles"),
        ("what's on the breakfast buffet? my kids are fussy eaters", (CAFE,), "roti jala"),
        ("car park berapa semalam?", (PARK,), "RM 20"),
    ],
)
def test_stated_details_asked_beside_a_situation_are_answered(question: str, hits: tuple[Hit, ...], fact: str) -> None:
    assert fact in offline_answer(question, hits)


def test_what_a_thing_is_brought_for_is_no_place_it_is_brought_to() -> None:
    text = "Quiet hours start at 11:00 pm. Durian and other strong-smelling fruit may not be brought into the hotel."
    rules = Hit(6, 6, "House Rules", "policies", text, 0.9)
    assert "may not be brought" in offline_answer("can i bring my own durian to eat in the room", (rules,))

"""Issue 15, t46q: the right item and line when guests use their own words, on invented items of another hotel.
"Get online" and "pass apa" ask for the Wi-Fi and its log-in; a hotel service asked of "someone" ("can someone wash
my clothes?") is a question about the service, not a request for a person; "can we smoke anywhere?" asks where, while
"is there somewhere to do yoga?" asks whether there is; words every guest adds ("we", "the easiest way", "naik",
"pergi") are no terms the item must repeat."""

from __future__ import annotations

import pytest

from assistant.modes import asks_for_person
from assistant.providers.base import Hit
from conversations.tests.answers import offline_answer
from knowledge.services import glossary
from knowledge.services.retrieval import text_query

SMOKING = Hit(
    1,
    1,
    "Smoking Policy",
    "policies",
    "All rooms and indoor areas are non-smoking. A smoking corner is located on level 3 beside the garden terrace. "
    "A cleaning fee of RM 400 is charged if smoking is detected in a room.",
    0.9,
)
GYM = Hit(
    2,
    2,
    "Gym",
    "facilities",
    "The gym on level 9 is open 24 hours for hotel guests with their key card. It has rowing machines, free weights "
    "and a yoga mat area.",
    0.9,
)


def _concepts(question: str) -> set[str]:
    return {" ".join(c.english[0]) for c in glossary.find(glossary.normalise(question))}


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("how do i get online in the room?", "wifi"),
        ("can we go online from the lobby", "wifi"),
        ("wifi ok, pass apa?", "password"),
        ("nak guna internet, pass apa ye", "password"),
    ],
)
def test_guests_words_for_the_wifi_and_its_log_in_name_them(question: str, names: str) -> None:
    assert names in _concepts(question)


def test_online_banking_is_still_no_wifi() -> None:
    assert "wifi" not in _concepts("can i pay by online banking?")


@pytest.mark.parametrize(
    "question",
    [
        "can someone wash my clothes, how fast do i get them back",
        "could someone iron my shirt before dinner?",
        "can someone look after our bags till 5?",
    ],
)
def test_a_hotel_service_asked_of_someone_is_no_request_for_a_person(question: str) -> None:
    assert not asks_for_person(question)


@pytest.mark.parametrize(
    "question",
    [
        "can someone call me back?",
        "can someone help me please",
        "could someone ring me about the booking",
        "nak cakap dengan orang hotel",
        "boleh saya bercakap dengan pengurus?",
    ],
)
def test_someone_to_talk_to_is_still_a_request_for_a_person(question: str) -> None:
    assert asks_for_person(question)


def test_a_malay_service_asked_of_the_hotel_is_no_request_for_a_person() -> None:
    assert not asks_for_person("boleh tolong basuhkan baju saya? bila siap")


@pytest.mark.parametrize(
    "question", ["can we smoke anywhere at all?", "is it ok to smoke anywhere outside?", "merokok kat mana boleh?"]
)
def test_anywhere_asks_where(question: str) -> None:
    language = "ms" if "merokok" in question else "en"
    assert "level 3" in offline_answer(question, (SMOKING,), language=language)


def test_is_there_somewhere_to_do_a_thing_asks_whether_there_is() -> None:
    assert "yoga" in offline_answer("do i need my key card for the gym, and is there somewhere to do yoga?", (GYM,))


@pytest.mark.parametrize(
    ("question", "filler"),
    [
        ("whats the easiest way to get to KLCC from the hotel", ("easiest", "way")),
        ("can we get to the KLCC from here", ("we",)),
        ("nak gi KLCC naik apa dr hotel", ("naik", "pergi")),
    ],
)
def test_words_every_guest_adds_are_no_terms_the_item_must_repeat(question: str, filler: tuple[str, ...]) -> None:
    every_term, _, _ = text_query(glossary.normalise(question)).partition(") | ")
    assert "klcc" in every_term, every_term
    for word in filler:
        assert word not in every_term and f"{word}:*" not in every_term, every_term


@pytest.mark.parametrize(
    ("question", "names", "not_names"),
    [
        ("arah kiblat ada tanda x", "qibla", "bathroom"),  # "tanda" is a mark, not "tandas" (a toilet)
        ("tandas kat mana", "bathroom", ""),
        ("tandasnya bersih tak", "bathroom", ""),
        ("are there baby cots", "baby cot", ""),  # an English plural still names its concept
    ],
)
def test_a_malay_word_ending_in_s_is_no_plural_of_another(question: str, names: str, not_names: str) -> None:
    concepts = _concepts(question)
    assert names in concepts and not_names not in concepts, concepts


@pytest.mark.parametrize("question", ["tambah katil dlm suite brp", "can we get an extra bed in the suite?"])
def test_a_bed_added_is_an_extra_bed_in_either_language(question: str) -> None:
    assert "extra bed" in _concepts(question)


@pytest.mark.parametrize("question", ["can i hang on to the room till 3?", "can we hold on to the room until 2pm?"])
def test_hanging_on_to_the_room_is_a_late_check_out(question: str) -> None:
    assert "check out" in _concepts(question)


@pytest.mark.parametrize(
    ("question", "language"),
    [("how much extra is the weekend in the deluxe", "en"), ("harga bilik deluxe hujung minggu brp", "ms")],
)
def test_the_weekend_is_the_hotel_s_friday_and_saturday(question: str, language: str) -> None:
    rates = Hit(
        3,
        3,
        "Deluxe Rates",
        "rates",
        "The Deluxe Room costs from RM 300 per night on weekdays (Sunday to Thursday) and RM 360 on Friday and "
        "Saturday. Add RM 50 per person for breakfast.",
        0.9,
    )
    assert "RM 360" in offline_answer(question, (rates,), language=language)

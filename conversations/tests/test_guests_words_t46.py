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

SMOKING_TEXT = (
    "All rooms and indoor areas are non-smoking. A smoking corner is located on level 3 beside the garden terrace. "
    "A cleaning fee of RM 400 is charged if smoking is detected in a room."
)
GYM_TEXT = (
    "The gym on level 9 is open 24 hours for hotel guests with their key card. It has rowing machines, free weights "
    "and a yoga mat area."
)
RATES_TEXT = (
    "The Deluxe Room costs from RM 300 per night on weekdays (Sunday to Thursday) and RM 360 on Friday and "
    "Saturday. Add RM 50 per person for breakfast."
)
SMOKING, GYM, RATES = (
    Hit(n, n, title, "faq", text, 0.9)
    for n, title, text in ((1, "Smoking Policy", SMOKING_TEXT), (2, "Gym", GYM_TEXT), (3, "Deluxe Rates", RATES_TEXT))
)


def _concepts(question: str) -> set[str]:
    return {" ".join(c.english[0]) for c in glossary.find(glossary.normalise(question))}


# (question, a concept it names, a concept it must not name or "")
NAMED = [
    ("how do i get online in the room?", "wifi", ""),
    ("can we go online from the lobby", "wifi", ""),
    ("can i pay by online banking?", "bank transfer", "wifi"),
    ("wifi ok, pass apa?", "password", ""),
    ("nak guna internet, pass apa ye", "password", ""),
    ("arah kiblat ada tanda x", "qibla", "bathroom"),  # "tanda" is a mark, not "tandas" (a toilet)
    ("tandas kat mana", "bathroom", ""),
    ("tandasnya bersih tak", "bathroom", ""),
    ("are there baby cots", "baby cot", ""),  # an English plural still names its concept
    ("tambah katil dlm suite brp", "extra bed", ""),
    ("can we get an extra bed in the suite?", "extra bed", ""),
    ("can i hang on to the room till 3?", "check out", ""),
    ("can we hold on to the room until 2pm?", "check out", ""),
]


@pytest.mark.parametrize(("question", "names", "not_names"), NAMED)
def test_guests_words_name_the_hotel_s_concepts(question: str, names: str, not_names: str) -> None:
    concepts = _concepts(question)
    assert names in concepts and not_names not in concepts, concepts


# A hotel service asked of someone is about the service; someone to talk to is a person asked for.
PERSON_ASKED = [
    ("can someone wash my clothes, how fast do i get them back", False),
    ("could someone iron my shirt before dinner?", False),
    ("could someone store our suitcases until the evening?", False),
    ("boleh tolong basuhkan baju saya? bila siap", False),
    ("can someone call me back?", True),
    ("can someone help me please", True),
    ("could someone ring me about the booking", True),
    ("nak cakap dengan orang hotel", True),
    ("boleh saya bercakap dengan pengurus?", True),
]


@pytest.mark.parametrize(("question", "asked"), PERSON_ASKED)
def test_a_person_is_asked_for_only_as_someone_to_talk_to(question: str, asked: bool) -> None:
    assert asks_for_person(question) is asked


# (question, the item found, the fact its answering line states, the question's language)
QUOTED = [
    ("can we smoke anywhere at all?", SMOKING, "level 3", "en"),
    ("are we allowed to smoke anywhere on the terrace?", SMOKING, "level 3", "en"),
    ("merokok kat mana boleh?", SMOKING, "level 3", "ms"),
    # "is there somewhere to …?" asks whether there is: the line naming the thing answers
    ("do i need my key card for the gym, and is there somewhere to do yoga?", GYM, "yoga", "en"),
    ("how much extra is the weekend in the deluxe", RATES, "RM 360", "en"),  # the hotel's Friday and Saturday
    ("harga bilik deluxe hujung minggu brp", RATES, "RM 360", "ms"),
]


@pytest.mark.parametrize(("question", "hit", "fact", "language"), QUOTED)
def test_the_line_answering_what_is_asked_is_quoted(question: str, hit: Hit, fact: str, language: str) -> None:
    assert fact in offline_answer(question, (hit,), language=language)


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

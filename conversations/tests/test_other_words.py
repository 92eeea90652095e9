"""A guest's words that are not the item's (the offline provider), on invented items of another hotel: a near word of
the hotel vocabulary picks the line that says it ("telly" for the smart TV, "someone watching the swimmers" for the
lifeguard, "amex" for American Express, "the ride" for the journey), an hour asked picks the span of the day holding
it, "do I still pay" asks the consequence, and the short forms and affixed words guests type reach the glossary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.modes import is_complaint
from assistant.providers.base import Hit
from assistant.providers.offline import _hours, _within_a_span
from assistant.unsaid import thing_unsaid
from conversations.tests.test_answer_limits import _ask
from knowledge.services import glossary

# Another hotel's items, invented (title: text).
ITEMS = json.loads((Path(__file__).parent / "fixtures" / "other_words_items.json").read_text(encoding="utf-8"))
POOL, ROOM, BOND, DINING, FERRY, CANCELLATIONS = (
    Hit(number, number, title, "facilities", text, 0.9) for number, (title, text) in enumerate(ITEMS.items(), 1)
)
# (question, the item, the guest's language, the fact of the line saying the guest's word in other words)
NEAR_WORDS = [
    ("does the garden room have a telly?", ROOM, "en", "50-inch smart TV"),
    ("garden room ada tv x?", ROOM, "ms", "50-inch smart TV"),
    ("my wife asks if anyone is supervising the swimmers at the lagoon pool", POOL, "en", "no lifeguard"),
    ("kolam lagoon ada org jaga x?", POOL, "ms", "no lifeguard"),
]
TWO_PARTS = [
    ("do you take amex, and when do I get my bond back?", BOND, ("American Express", "5 working days")),
    ("how long is the ride from the jetty and how much is a boat?", FERRY, ("45 minutes", "RM 150")),
]


@pytest.mark.parametrize(("question", "hit", "language", "fact"), NEAR_WORDS)
def test_a_near_word_picks_the_line_that_says_it(question: str, hit: Hit, language: str, fact: str) -> None:
    assert fact in _ask(question, (hit,), language)


@pytest.mark.parametrize(("question", "hit", "facts"), TWO_PARTS)
def test_each_part_in_other_words_gets_its_own_line(question: str, hit: Hit, facts: tuple[str, ...]) -> None:
    answer = _ask(question, (hit,))
    assert all(fact in answer for fact in facts), answer


def test_an_hour_asked_picks_the_span_of_the_day_holding_it() -> None:
    assert "11 pm to 6 am" in _ask("can I get room service at 3am?", (DINING,))


def test_an_hour_falls_within_a_span_past_midnight_and_two_nights_are_no_hour() -> None:
    assert _within_a_span(_hours("at 2am"), "The night menu (11 pm to 6 am) offers soups.")
    assert not _within_a_span(_hours("at 2am"), "open from 6:00 am to 9:00 pm")
    assert _within_a_span(_hours("pukul 8 malam"), "dari 7:00 malam hingga 10:00 malam")
    assert _hours("pakej 2 malam") == ()


def test_still_paying_after_a_condition_asks_the_consequence() -> None:
    assert "charged the first night" in _ask("if I cancel the day before arriving, do I still pay?", (CANCELLATIONS,))


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("baju kotor kena hantar sblm kul brp?", False),
        ("what time is the dirty laundry picked up?", False),
        ("bilik saya kotor", True),
        ("the bathroom is dirty", True),
    ],
)
def test_dirty_clothes_for_the_laundry_are_no_complaint(text: str, complaint: bool) -> None:
    assert is_complaint(text) is complaint


def test_the_short_forms_and_word_forms_guests_type_reach_the_glossary() -> None:
    assert glossary.normalise("kalau x jadi dtg, kena caj ke?") == "kalau tak jadi datang, kena caj ke?"
    assert glossary.normalise("brekkie kul brp") == "breakfast pukul berapa"
    named = _named("durian boleh bawa masuk bilik?")
    assert "durian" in named and "check-in" not in named  # bringing a durian in is no check-in
    assert "ramadan" in _named("berbuka kat kafe pukul berapa?")
    assert "tv" in _named("does the room have a telly?")
    assert "alcohol" in _named("do you serve booze?")
    assert "credit card" in _named("bayar guna tng boleh?")


def _named(text: str) -> set[str]:
    return {" ".join(concept.english[0]) for concept in glossary.find(text)}


def test_an_age_asked_is_no_thing_the_item_must_name() -> None:
    lunch = "Lunch is RM 55 for adults and RM 25 for children aged 5 to 11."
    assert thing_unsaid("lunch, how much for a 10 year old?", "Garden Lunch", [lunch]) == []


def test_a_thing_asked_for_in_a_near_word_is_there() -> None:
    # The older "is there …?" check reads the hotel vocabulary too: a work desk is a table to work at.
    answer = _ask("can I work from the garden room, is there a table?", (ROOM,))
    assert "work desk" in answer


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        ("what's the clearance of the garden door?", "The garden door is 95 cm wide."),
        ("cuti akhir tahun caj tambahan brp peratus?", "A 15% surcharge applies at the year end."),
    ],
)
def test_a_measure_asked_is_no_thing_the_item_must_name(question: str, sentence: str) -> None:
    assert thing_unsaid(question, "Garden", [sentence]) == []


def test_smashing_a_thing_is_damage() -> None:
    assert "damage" in _named("what if my kid smashes a lamp?")


@pytest.mark.parametrize(
    ("affixed", "plain"),
    [("sarapannya", "sarapan"), ("makanannya", "makanan"), ("pembatalannya", "pembatalan"), ("bayarannya", "bayaran")],
)
def test_a_possessive_nya_comes_off_before_the_suffix_under_it(affixed: str, plain: str) -> None:
    assert glossary.stem(affixed) == glossary.stem(plain)
    assert glossary.find(affixed) == glossary.find(plain)


def test_notice_asked_is_said_by_a_line_stating_how_long_before() -> None:
    answer = _ask("cancellations: how many hours notice for free?", (CANCELLATIONS,))
    assert "72 hours before arrival" in answer

"""What an offline answer does not say, on invented items of other hotels: a detail the answering item does not
state (assistant.unstated: the honest reply instead of the nearby line, the stated detail still answered), and a
line of an item the question is not about."""

from __future__ import annotations

import pytest

from assistant.providers.base import Hit
from assistant.providers.offline import TEMPLATES
from assistant.unstated import dimension_unstated, thing_unpriced, who_unpriced
from conversations.tests.answers import offline_answer

# Another hotel's items, by title.
ITEMS = {
    "Lagoon Pool": "The lagoon pool is on the ground floor, open from 8:00 am to 8:00 pm.",
    "Boat Pier": "The pier has a 2.5 m clearance and a ramp. Boats leave at 9:00 am.",
    "Garden Lunch": "Lunch is served in the garden from noon. Lunch is RM 50 for adults and RM 25 for children aged "
    "5 to 11.",
    "Garage": "The garage is under the east wing. Guests pay RM 12 per day for parking. Four electric vehicle "
    "chargers are on level G2.",
    "Terrace Rules": "Durian may not be brought onto the terrace. A lost towel card costs RM 40.",
}
LAGOON, PIER, LUNCH, GARAGE, TERRACE = (
    Hit(number, number, title, "facilities", text, 0.9) for number, (title, text) in enumerate(ITEMS.items(), 1)
)


def _ask(question: str, hits: tuple[Hit, ...], language: str = "en") -> str:
    return offline_answer(question, hits, language=language)


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("how deep is the lagoon pool?", "en"),
        ("kolam lagoon dalam berapa meter?", "ms"),
        ("what is the height clearance of the garage?", "en"),
    ],
)
def test_a_length_the_item_never_measures_gets_the_honest_reply(question: str, language: str) -> None:
    assert _ask(question, (LAGOON,) if "lagoon" in question else (GARAGE,), language) == TEMPLATES[language]["unknown"]


def test_a_length_the_item_states_is_answered() -> None:
    assert "2.5 m clearance" in _ask("what is the height clearance at the pier?", (PIER,))
    # The item's hours still answer when no length is asked.
    assert "8:00 am to 8:00 pm" in _ask("when does the lagoon pool open?", (LAGOON,))
    assert not dimension_unstated("how big is the room?", ["The room (30 m²) has a king bed."])


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("how much is lunch for a 3-year-old?", "en"),
        ("harga lunch budak umur 13 tahun berapa", "ms"),
        ("lunch price for senior citizens?", "en"),
        ("harga lunch warga emas brp", "ms"),
    ],
)
def test_a_price_for_someone_the_item_prices_no_line_for_gets_the_honest_reply(question: str, language: str) -> None:
    assert _ask(question, (LUNCH,), language) == TEMPLATES[language]["unknown"]


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("how much is lunch for my 8 year old?", "en"),
        ("harga lunch untuk budak brp", "ms"),
        ("how much is lunch for kids?", "en"),
    ],
)
def test_a_price_for_someone_the_item_prices_is_answered(question: str, language: str) -> None:
    assert "RM 25" in _ask(question, (LUNCH,), language)


def test_who_comes_is_not_judged_where_the_item_prices_the_thing_whoever_comes() -> None:
    assert not who_unpriced("how much is parking for my elderly parents?", [GARAGE.text])
    assert "RM 12" in _ask("how much is parking for my elderly parents?", (GARAGE,))


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("how much does it cost to charge my electric car?", "en"),
        ("caj cas kereta elektrik brp", "ms"),
        ("berapa caj bawa durian ke terrace?", "ms"),
    ],
)
def test_a_price_of_a_thing_the_item_names_only_without_a_price_gets_the_honest_reply(
    question: str, language: str
) -> None:
    hits = (TERRACE,) if "durian" in question else (GARAGE,)
    assert _ask(question, hits, language) == TEMPLATES[language]["unknown"]


def test_a_thing_priced_by_its_own_line_or_named_by_the_title_is_answered() -> None:
    assert "RM 40" in _ask("how much is a lost towel card?", (TERRACE,))
    assert "RM 12" in _ask("how much is parking in the garage?", (GARAGE,))
    # A rule asked on a condition is answered by the rule, not refused for stating no price.
    assert "Durian may not be brought" in _ask("what's the fine if I bring durian onto the terrace?", (TERRACE,))
    transfer = "We arrange transfers from the airport. A car for up to three guests costs RM 150 one way."
    assert not thing_unpriced("how much is a car from the airport?", "Airport Transfer", [transfer])


def test_a_difference_between_who_comes_is_answered_by_the_item_pricing_both_alone() -> None:
    # Another item prices adults and children too, and a third's title names kids: neither is the other side.
    iftar = Hit(6, 6, "Buffet Berbuka Puasa", "dining", "Harga RM 150 seorang dewasa dan RM 75 untuk kanak-kanak.", 0.9)
    kids = Hit(7, 7, "Kids Corner", "facilities", "The Kids Corner welcomes children aged 3 to 10.", 0.8)
    answer = _ask("beza harga buffet berbuka utk dewasa dan kanak2", (iftar, LUNCH, kids), language="ms")
    assert "RM 150" in answer and "RM 75" in answer
    assert "RM 50" not in answer and "Kids Corner" not in answer


def test_an_amount_asked_of_an_item_stating_no_price_gets_the_honest_reply() -> None:
    bar = Hit(8, 8, "Beverages", "dining", "Alcohol is served only at the Lantern Bar on level 9.", 0.9)
    assert _ask("how much is a glass of wine at the lantern bar?", (bar,)) == TEMPLATES["en"]["unknown"]
    assert _ask("harga wain segelas kat lantern bar?", (bar,), "ms") == TEMPLATES["ms"]["unknown"]
    # Whether it is served, or where, is still answered; and an item stating a price, or that it is free, answers.
    assert "Lantern Bar on level 9" in _ask("where can I get a glass of wine?", (bar,))
    assert "RM 12" in _ask("how much is parking in the garage?", (GARAGE,))
    towels = Hit(9, 9, "Beach Towels", "facilities", "Beach towels are lent free of charge at the hut.", 0.9)
    assert "free of charge" in _ask("how much are beach towels?", (towels,))


def test_a_question_asking_two_things_keeps_the_answer_to_its_other_part() -> None:
    answer = _ask("when does the lagoon pool open and how deep is it?", (LAGOON,))
    assert "8:00 am to 8:00 pm" in answer


def test_a_surcharge_in_percent_does_not_answer_the_price_of_something_else() -> None:
    pressing = Hit(
        10, 10, "Pressing", "faq", "Shirts are pressed within a day. Express pressing has a 30% surcharge.", 0.9
    )
    assert _ask("how much to dry-clean a suit?", (pressing,)) == TEMPLATES["en"]["unknown"]
    assert "30% surcharge" in _ask("how much more for express pressing?", (pressing,))


def test_a_ride_to_a_place_whose_word_begins_a_glossary_phrase_is_still_another_place() -> None:
    # "batu" begins "batu panas" (a hot stone): in "teksi ke batu caves" it names no concept, so it is a place.
    transfer = Hit(11, 11, "Airport Transfer", "facilities", "A car to the airport costs RM 150 one way.", 0.9)
    assert "RM 150" in _ask("brp tambang teksi ke airport", (transfer,), "ms")
    assert _ask("brp tambang teksi ke batu caves", (transfer,), "ms") == TEMPLATES["ms"]["unknown"]

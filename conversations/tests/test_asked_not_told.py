"""What a question asks, told apart from what the guest tells beside it (t39q, issue 15): a party's size beside a price
asked ("for 2 adults", "2 dewasa 1 budak") is the condition, not the fact asked, and must not find the line saying how
many a room sleeps; people joined by "and" ("for me and my husband") are no second part; "berapa" bound to what it
counts ("tingkat berapa", "berapa jam") asks that, not a price; paying by a means ("bayar guna TnG") asks how, not how
much; a length asked in hours is another length than the one priced in minutes."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from assistant import situations
from assistant.providers.base import Hit
from assistant.providers.offline import TEMPLATES
from conversations import engine
from conversations.tests.answers import offline_answer
from testsupport.knowledge import load_kb

SPA = "Lotus Spa on level 3 offers Balinese massage and foot reflexology. A 60-minute Balinese massage costs RM 180. "
SPA += "Please book treatments at least 3 hours ahead."
LAUNDRY = "Laundry is returned the same day by 6:00 pm. Express service has a 30% surcharge. Coin-operated washing "
LAUNDRY += "machines are on level 5."
PAYMENT = "A deposit of RM 150 per room is collected at check-in. We accept Visa, Mastercard and Touch 'n Go eWallet."


def _ask(question: str, title: str, text: str, language: str) -> str:
    return offline_answer(question, (Hit(1, 1, title, "facilities", text, 0.9),), language=language)


@pytest.fixture
def kb(world, open_all_day):
    load_kb(world.a.schema_name)
    return world


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("question", "language", "price"),
    [
        ("how much for deluxe king for 2 adults on a saturday night", "en", "RM 380"),
        ("bilik deluxe untuk 2 org malam sabtu berapa", "ms", "RM 380"),
        ("we are 2 adults and 2 kids, how much is the family suite?", "en", "RM 650"),
        ("family suite for 2 adults 3 kids how much", "en", "RM 650"),
    ],
)
def test_a_price_asked_for_a_party_gets_the_price_not_how_many_the_room_sleeps(kb, question, language, price) -> None:
    with schema_context(kb.a.schema_name):
        reply = engine.answer(question, language=language, property_=kb.a).text
    assert price in reply and "sleeps" not in reply, reply


@pytest.mark.django_db
def test_a_party_stays_in_a_question_asking_what_takes_it_or_naming_nothing_else(kb) -> None:
    with schema_context(kb.a.schema_name):
        fits = engine.answer("which room sleeps 4 adults?", language="en", property_=kb.a).text
        unnamed = engine.answer("berapa harga bilik untuk 2 dewasa 2 kanak-kanak", language="ms", property_=kb.a).text
    assert "four adults" in fits, fits
    # No room named but by its party: not the honeymoon package's price of "bilik".
    assert "RM 890" not in unnamed, unnamed
    aged = "how much is breakfast for 1 kid aged 3?"
    assert situations.without_party(aged) == aged  # a price by age is asked of the age


def test_people_joined_by_and_are_no_second_part() -> None:
    assert len(situations.question_pieces("massage for me and my husband how much")) == 1
    assert len(situations.question_pieces("urut untuk saya dan suami berapa")) == 1
    assert len(situations.question_pieces("2 adults and 1 child, how much is breakfast?")) == 1
    assert len(situations.question_pieces("when does the pool open and how much is a massage?")) == 2


def test_a_massage_for_two_is_answered_by_its_price_alone() -> None:
    reply = _ask("massage for me and my husband how much", "Lotus Spa", SPA, "en")
    assert "RM 180" in reply and "level 3" not in reply, reply


@pytest.mark.parametrize(
    ("question", "title", "text", "fact", "not_said"),
    [
        ("mesin basuh ada kat tingkat berapa?", "Laundry", LAUNDRY, "level 5", "30%"),
        ("nak urut kena tempah berapa jam awal", "Lotus Spa", SPA, "3 hours ahead", "RM 180"),
        ("boleh bayar guna touch n go?", "Payment", PAYMENT, "Touch 'n Go", "RM 150"),
        ("can I pay with touch n go?", "Payment", PAYMENT, "Touch 'n Go", "RM 150"),
    ],
)
def test_what_a_word_counts_or_how_one_pays_is_no_price_asked(question, title, text, fact, not_said) -> None:
    language = "en" if question.startswith("can") else "ms"
    reply = _ask(question, title, text, language)
    assert fact in reply and not_said not in reply, reply


@pytest.mark.parametrize(
    ("question", "language"),
    [("how much is a 2-hour massage?", "en"), ("urut 2 jam berapa ringgit?", "ms"), ("90 min massage price?", "en")],
)
def test_a_length_in_hours_is_another_length_than_the_minutes_priced(question, language) -> None:
    assert _ask(question, "Lotus Spa", SPA, language) == TEMPLATES[language]["unknown"]


def test_an_hour_is_the_sixty_minutes_priced() -> None:
    assert "RM 180" in _ask("how much is a 1 hour massage?", "Lotus Spa", SPA, "en")


def test_whether_one_pays_gets_the_facts_not_a_bare_yes() -> None:
    kids = "The Kids Corner welcomes children aged 3 to 10 from 9:00 am to 5:00 pm, free of charge."
    reply = _ask("kids corner bayar ke?", "Kids Corner", kids, "ms")
    assert "free of charge" in reply and not reply.startswith("Ya"), reply


def test_free_weights_are_no_price() -> None:
    gym = "The gym on level 7 is open from 6:00 am to 11:00 pm. It has treadmills, rowing machines and free weights."
    assert _ask("how much is the gym?", "Gym", gym, "en") == TEMPLATES["en"]["unknown"]
    assert "free weights" in _ask("does the gym have free weights?", "Gym", gym, "en")


@pytest.mark.parametrize(
    ("question", "language"), [("spa buka jam berapa?", "ms"), ("what time does the spa open?", "en")]
)
def test_an_hour_asked_is_answered_by_the_hours_not_also_by_a_delay(question, language) -> None:
    reply = _ask(question, "Lotus Spa", "Lotus Spa is open from 10:00 am to 9:00 pm. " + SPA, language)
    assert "10:00 am" in reply and "3 hours ahead" not in reply, reply

"""Off-knowledge questions of kinds the earlier rules let through (issue 15, t26q), on invented items of another
hotel: a thing for a kind of guest the item never speaks of, a Malay question naming its thing before "berapa", a
question word alone after a comma, a distance to a place the item never names. Each gets the honest reply, not
the item's nearest line or price; the same shapes the item does answer keep their answer."""

from __future__ import annotations

import pytest

from assistant.providers.base import ChatRequest, Hit
from assistant.providers.offline import TEMPLATES, compose
from assistant.situations import question_pieces
from conversations.models import AiMode

ITEMS = {
    "In-Room Dining": "In-room dining runs 24 hours a day. The night menu has noodles, sandwiches and soups.",
    "Sunday Brunch": "The Sunday brunch at Kopi House runs from 11:00 am to 3:00 pm. A children's menu is served to "
    "guests aged 3 to 10.",
    "Airport Car": "A car to the airport for up to four guests costs RM 150. The drive takes about 50 minutes.",
    "Car Park": "Hotel guests park in the basement for RM 20 per night; visitors pay RM 4 per hour.",
    "Garden Suite": "The Garden Suite has a king bedroom and a sitting room. Cots are free of charge. Connecting rooms"
    " can be arranged on request.",
    "Getting Here": "We are a five-minute walk from Raja Chulan monorail station and ten minutes by car from KLCC.",
}
DINING, BRUNCH, CAR, PARK, SUITE, HERE = (
    Hit(number, number, title, "facilities", text, 0.9) for number, (title, text) in enumerate(ITEMS.items(), 1)
)


def _ask(question: str, hit: Hit, language: str = "en") -> str:
    request = ChatRequest(
        system="", messages=[], question=question, language=language, mode=AiMode.CONCIERGE, hits=(hit,)
    )
    return compose(request)


@pytest.mark.parametrize(
    ("question", "hit", "language"),
    [
        # A thing for a kind of guest (children, babies, the elderly) the item never speaks of.
        ("Is there a kids' menu for in-room dining?", DINING, "en"),
        ("in-room dining ada menu untuk budak2 ke?", DINING, "ms"),
        ("Does the airport car come with a child seat?", CAR, "en"),
        ("kereta airport ada kerusi baby tak?", CAR, "ms"),
        # The thing named before "berapa": a motorbike the car park never prices.
        ("parking motosikal berapa semalam?", PARK, "ms"),
        # "…, berapa?" asks its price of what came before: connecting rooms, which no price is stated for.
        ("connecting room kena bayar lebih ke, berapa?", SUITE, "ms"),
        # How far a place is that the item never names.
        ("How far is the hotel from Batu Caves?", HERE, "en"),
        ("jauh tak hotel ni dari Batu Caves?", HERE, "ms"),
    ],
)
def test_an_off_knowledge_question_gets_the_honest_reply(question: str, hit: Hit, language: str) -> None:
    assert _ask(question, hit, language) == TEMPLATES[language]["unknown"]


@pytest.mark.parametrize(
    ("question", "hit", "language", "fact"),
    [
        # The item speaks of that kind of guest: answered.
        ("Is there a kids' menu at the brunch?", BRUNCH, "en", "aged 3 to 10"),
        ("brunch ada menu untuk kanak-kanak?", BRUNCH, "ms", "aged 3 to 10"),
        ("Can I get a cot for the baby in the Garden Suite?", SUITE, "en", "free of charge"),
        # The guest's own children, or a party counted, are no kind of the thing.
        ("is there a menu for my kids at the brunch?", BRUNCH, "en", "aged 3 to 10"),
        ("ada menu untuk anak saya masa brunch?", BRUNCH, "ms", "aged 3 to 10"),
        # The thing named before "berapa" that the item prices.
        ("car park berapa semalam?", PARK, "ms", "RM 20"),
        ("kereta airport berapa?", CAR, "ms", "RM 150"),
        # A place the item names.
        ("How far is the hotel from KLCC?", HERE, "en", "ten minutes"),
        ("jauh tak dari Raja Chulan?", HERE, "ms", "five-minute walk"),
    ],
)
def test_the_same_shapes_the_item_answers_keep_their_answer(question: str, hit: Hit, language: str, fact: str) -> None:
    assert fact in _ask(question, hit, language)


def test_a_question_word_alone_after_a_comma_is_no_part_of_its_own() -> None:
    assert question_pieces("connecting room kena bayar lebih ke, berapa?") == [
        "connecting room kena bayar lebih ke, berapa?"
    ]
    assert question_pieces("the sedan to KLIA, how much?") == ["the sedan to KLIA, how much?"]
    # Two things asked stay two parts.
    assert len(question_pieces("what time is check-in, how much is early check-in?")) == 2
    assert len(question_pieces("when does the pool open, and how much is a massage?")) == 2

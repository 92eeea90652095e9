"""A detail asked of a thing that the lines speaking of it do not state (assistant.unsaid.detail_unsaid and the
offline answer's length check), on invented items of another hotel: its brand, how many there are, its size, the
hours it keeps, the price of one thing of a list whose priced line prices another, a length of a treatment the item
offers only at another length. The honest reply, in the guest's language; the same detail stated is answered."""

from __future__ import annotations

import pytest

from assistant.providers.base import ChatRequest, Hit
from assistant.providers.offline import TEMPLATES, compose
from assistant.unsaid import detail_unsaid, thing_unsaid, variant_asked
from conversations.models import AiMode

ITEMS = {
    "Garden King Room": "The Garden King Room (30 m²) has a king bed, a 50-inch TV and a minibar. Baby cots are "
    "available on request.",
    "Garden Suite": "The Garden Suite has a king bedroom, a sitting room and two bathrooms.",
    "Gym": "The gym on level 7 is open from 6:00 am to 11:00 pm. It has treadmills, rowing machines and free weights.",
    "Lotus Spa": "Lotus Spa on level 3 offers Balinese massage, hot stone therapy and foot reflexology. A 60-minute "
    "Balinese massage costs RM 180.",
    "Halal Kitchens": "All our kitchens are halal certified. Beer is served only at the Lobby Bar on the ground floor.",
    "Loft Room": "The Loft Room has a Dyson hair dryer, a rain shower and a work desk.",
    "Lagoon Pool": "The lagoon pool is on the ground floor and is open daily from 8:00 am to 8:00 pm.",
    "Airport Car": "A car for up to four guests costs RM 150. Please book at least 12 hours ahead.",
    "Kids Corner": "The Kids Corner welcomes children aged 3 to 10 from 9:00 am to 5:00 pm.",
    "Cancellation Policy": "Bookings may be cancelled free of charge up to 72 hours before arrival. Late cancellations "
    "and no-shows are charged one night's room rate.",
}
ROOM, SUITE, GYM, SPA, HALAL, LOFT, POOL, CAR, KIDS, POLICY = ITEMS


def _ask(question: str, title: str, language: str = "en") -> str:
    hits = (Hit(1, 1, title, "facilities", ITEMS[title], 0.9),)
    return compose(ChatRequest("", [], question, language, AiMode.CONCIERGE, hits))


@pytest.mark.parametrize(
    ("question", "hit", "language"),
    [
        # A brand: the TV's size is stated, not its maker.
        ("What brand is the TV in the Garden King Room?", ROOM, "en"),
        ("treadmill kat gym jenama apa?", GYM, "ms"),
        # How many: the gym has rowing machines, it does not count them.
        ("How many rowing machines does the gym have?", GYM, "en"),
        # A size: the cots' line states none (the room's area is the room's); a suite states no area.
        ("katil bayi tu saiz berapa?", ROOM, "ms"),
        ("How big is the Garden Suite in square metres?", SUITE, "en"),
        # Hours: the bar is named on a line stating where it is, not when it opens.
        ("What time does the Lobby Bar open?", HALAL, "en"),
        ("lobby bar buka pukul berapa?", HALAL, "ms"),
        # The price of one thing of a list whose priced line prices another.
        ("berapa harga refleksologi kat spa?", SPA, "ms"),
        ("How much is hot stone therapy?", SPA, "en"),
        # A length the item offers only at another length.
        ("Can I book a 90-minute Balinese massage?", SPA, "en"),
        # An age limit, where the item states no age.
        ("Is there an age limit for the spa?", SPA, "en"),
    ],
)
def test_a_detail_the_item_does_not_state_gets_the_honest_reply(question: str, hit: str, language: str) -> None:
    honest = TEMPLATES[language]["unknown"]
    assert _ask(question, hit, language) == honest, f"{question!r} was answered from {hit}"


@pytest.mark.parametrize(
    ("question", "hit", "fact"),
    [
        ("What size is the TV in the Garden King Room?", ROOM, "50-inch"),
        ("How big is the Garden King Room?", ROOM, "30 m²"),
        ("What brand is the hair dryer in the Loft Room?", LOFT, "Dyson"),
        ("How many bathrooms does the Garden Suite have?", SUITE, "two bathrooms"),
        ("gym buka pukul berapa?", GYM, "6:00 am"),
        ("What time does the lagoon pool close?", POOL, "8:00 pm"),
        ("How much is a 1-hour Balinese massage?", SPA, "RM 180"),
        ("How much is a Balinese massage?", SPA, "RM 180"),
        ("Is there an age limit for the kids corner?", KIDS, "aged 3 to 10"),
        # "How much notice" asks how early, not a price.
        ("How much notice do you need for the airport car?", CAR, "12 hours ahead"),
    ],
)
def test_the_same_detail_stated_is_answered(question: str, hit: str, fact: str) -> None:
    assert fact in _ask(question, hit)


def test_a_length_and_a_price_asked_in_malay_is_no_hour_asked() -> None:
    # "1 jam berapa ringgit" asks the price of an hour, not at what hour ("jam berapa").
    assert "RM 180" in _ask("balinese massage 1 jam berapa ringgit", SPA, "ms")


def test_the_kind_of_detail_is_named_and_the_items_own_subject_is_read_whole() -> None:
    lines = ["The lagoon pool is on the ground floor.", "It is open at all times."]
    assert detail_unsaid("kolam renang tutup pukul berapa?", "Lagoon Pool", lines) == ""
    assert detail_unsaid("What time does the lagoon pool close?", "Lagoon Pool", lines[:1]) == "hours"
    assert detail_unsaid("What brand is the TV?", "Garden King Room", [ITEMS["Garden King Room"]]) == "brand"
    assert detail_unsaid("Is there a TV?", "Garden King Room", [ITEMS["Garden King Room"]]) == ""


def test_a_room_named_with_another_kind_is_a_variant_the_hotel_may_not_have() -> None:
    lines = ["Our Garden King Room (30 m²) has a king bed and a view over the Twin Lakes Park."]
    assert variant_asked("Do you have a Garden Twin room?", "Garden King Room", lines)
    assert variant_asked("ada bilik garden queen tak?", "Garden King Room", lines)
    # The room's own name, a general word or the item's own words are no variant.
    assert not variant_asked("Does the garden king have a view?", "Garden King Room", lines)
    assert not variant_asked("garden room price?", "Garden King Room", lines)
    assert not variant_asked("Can I see the Twin Lakes from the Garden King Room?", "Garden King Room", lines)
    # Not a room: the same service in other words ("airport shuttle" beside an Airport Transfer) is left alone.
    assert not variant_asked("is there an airport shuttle?", "Airport Transfer", ["We arrange airport transfers."])
    assert _ask("Do you have a Garden Twin room?", ROOM) == TEMPLATES["en"]["unknown"]


def test_not_turning_up_is_answered_by_the_no_show_line() -> None:
    assert "no-shows" in _ask("If we never turn up for our booking, what do we pay?", POLICY)
    assert "no-shows" in _ask("kalau tak datang langsung kena caj ke?", POLICY, "ms")


def test_making_is_no_thing_asked_of_a_machine() -> None:
    # "mesin buat kopi", "a coffee making machine": the machine and what it makes are asked, not the making.
    lines = ["The Loft Room has a Nespresso coffee machine and a work desk."]
    assert thing_unsaid("loft room ada mesin buat kopi tak", "Loft Room", lines) == []
    assert thing_unsaid("does the loft room have a coffee making machine?", "Loft Room", lines) == []
    assert thing_unsaid("loft room ada mesin buat ais tak", "Loft Room", lines) != []

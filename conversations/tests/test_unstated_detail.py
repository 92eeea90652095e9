"""A detail asked of a thing that the lines speaking of it do not state (assistant.unsaid.detail_unsaid and the
offline answer's length check), on invented items of another hotel: its brand, how many there are, its size, the
hours it keeps, the price of one thing of a list whose priced line prices another, a length of a treatment the item
offers only at another length; (t21q) a size of a thing on the line stating the room's area, a price of a thing
beside another thing's charge, an age asked as a permission, a meal the item does not serve, a shuttle, a service
asked of the concierge; (t22q) a price of a narrower kind than what it
prices, a part of a package asked on its own; (t23q) a size of a thing the room never names, food at a bar, lunch
asked by its hour, an age asked of a place another item names; (t24q) an age told as the one getting a treatment,
a price by a unit no priced line states, food or drinks at a place serving none, a length. The honest reply, in
the guest's language; the same detail stated is answered. And the latest hour without paying more is the usual one,
not the paid variant, however the condition is said; a child under an age shares the bed as the room says."""

from __future__ import annotations

import pytest

from assistant.providers.base import Hit
from assistant.providers.offline import TEMPLATES
from assistant.unsaid import detail_unsaid, meal_unoffered, thing_unsaid, variant_asked
from conversations.tests.answers import offline_answer

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
    "In-Room Dining": "In-room dining runs from 6:00 am to midnight. The menu offers laksa, burgers and fruit "
    "platters. A delivery charge of RM 8 applies per order.",
    "Café Bunga": "Breakfast is served at Café Bunga on level 1 from 7:00 am to 10:00 am. Breakfast costs RM 55.",
    "Check-out": "Check-out is by 11:00 am. Late check-out until 3:00 pm costs RM 60.",
    "Getting Here": "The hotel is a five-minute walk from Central station. Taxis and public transport stop at the "
    "main entrance.",
    "Luggage": "The concierge can store your luggage free of charge on the day of your stay.",
    "Car Park": "The car park is in the basement. Staying guests pay RM 20 per night; visitors pay RM 6 per hour.",
    "Anniversary Package": "The anniversary package includes a Garden King Room, a chocolate cake and sparkling "
    "juice on arrival. It costs RM 750 for two nights.",
    "Garden Twin Room": "The Garden Twin Room has two single beds. One child under 5 may share a bed free of charge.",
}
(ROOM, SUITE, GYM, SPA, HALAL, LOFT, POOL, CAR, KIDS, POLICY, DINING, CAFE, CHECK_OUT, GETTING_HERE, LUGGAGE) = list(
    ITEMS
)[:15]
CAR_PARK, PACKAGE, TWIN = list(ITEMS)[15:]


def _ask(question: str, title: str, language: str = "en") -> str:
    return offline_answer(question, (Hit(1, 1, title, "facilities", ITEMS[title], 0.9),), language=language)


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
        # (t21q) A size of a thing on the line stating the room's area: the 30 m² is the room's.
        ("How big is the minibar in the Garden King Room?", ROOM, "en"),
        ("minibar bilik garden king tu besar mana?", ROOM, "ms"),
        # A price of a dish named on the menu line, beside the delivery charge of every order.
        ("How much is the laksa from in-room dining?", DINING, "en"),
        ("burger in-room dining harga berapa?", DINING, "ms"),
        # An age asked as a permission, where the gym states none.
        ("Can my 13-year-old use the gym on his own?", GYM, "en"),
        ("anak 15 tahun boleh guna gym?", GYM, "ms"),
        # A meal the café does not serve, though it serves breakfast.
        ("Does Café Bunga serve dinner?", CAFE, "en"),
        ("cafe bunga ada makan tengah hari?", CAFE, "ms"),
        # A shuttle, where the item speaks of a walk, taxis and public transport.
        ("Is there a hotel shuttle to Central station?", GETTING_HERE, "en"),
        ("ada shuttle percuma ke stesen?", GETTING_HERE, "ms"),
        # A service asked of the concierge, whose item stores luggage.
        ("Could the concierge get us tickets for a show?", LUGGAGE, "en"),
        # A price of a narrower kind than what the item prices: the cars' rates are not the motorcycle's.
        ("How much to park a motorbike overnight?", CAR_PARK, "en"),
        ("parking motosikal semalam berapa?", CAR_PARK, "ms"),
        # A part of a package asked on its own: the package's price is not the part's.
        ("How much is the chocolate cake on its own?", PACKAGE, "en"),
        ("sparkling juice tu kalau beli asing berapa?", PACKAGE, "ms"),
        # (t23q) A size of a thing the room never names: its area is the room's.
        ("How big are the windows in the Garden King Room?", ROOM, "en"),
        ("tingkap bilik garden king besar mana?", ROOM, "ms"),
        # Food at a bar whose line serves beer.
        ("Does the Lobby Bar serve any food?", HALAL, "en"),
        ("lobby bar ada jual makanan tak?", HALAL, "ms"),
        # Lunch in the guest's word for its hour, at a café serving breakfast.
        ("Is Café Bunga open at lunchtime?", CAFE, "en"),
        # (t24q) An age told as the one who would "get" a treatment: whether they may, which the spa never says.
        ("Can a 12-year-old get a Balinese massage?", SPA, "en"),
        ("boleh budak 14 tahun buat hot stone therapy?", SPA, "ms"),
        # A price by a unit no priced line states: a flat fare, another thing's hourly rate.
        ("What does the airport car cost per kilometre?", CAR, "en"),
        ("How much is a monthly car park pass?", CAR_PARK, "en"),
        ("in-room dining caj per kg berapa?", DINING, "ms"),
        # Food or drinks at a place whose own lines serve none.
        ("Do the children get snacks at the Kids Corner?", KIDS, "en"),
        ("kids corner ada sediakan minuman?", KIDS, "ms"),
        ("Is there food at the lagoon pool?", POOL, "en"),
        # A length where the item states no size at all.
        ("lagoon pool tu berapa panjang?", POOL, "ms"),
        # (t43q) A price of one of a list whose priced line prices another, however the amount is asked.
        ("hot stone berapa ringgit", SPA, "ms"),
        ("urut kaki kat spa berapa ringgit?", SPA, "ms"),
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
        # (t21q) The same kinds stated.
        ("Is there a delivery charge for in-room dining?", DINING, "RM 8"),
        ("Can my 5 year old join the Kids Corner?", KIDS, "aged 3 to 10"),
        ("When is breakfast at Café Bunga?", CAFE, "7:00 am"),
        ("How much is breakfast at Café Bunga?", CAFE, "RM 55"),
        ("How far is Central station on foot?", GETTING_HERE, "five-minute walk"),
        ("Could the concierge keep our luggage after check-out?", LUGGAGE, "free of charge"),
        # (t22q) The same kinds stated.
        ("tv bilik garden king berapa inci?", ROOM, "50-inch"),
        ("How much to park overnight if we're staying with you?", CAR_PARK, "RM 20"),
        ("How much is the anniversary package?", PACKAGE, "RM 750"),
        ("budak bawah 5 tahun kongsi katil percuma ke?", TWIN, "under 5"),
        ("in-room dining kena caj tiap kali order ke?", DINING, "RM 8"),
        # (t23q) The same kinds stated: the TV's size, food on the menu.
        ("How big is the TV in the Garden King Room?", ROOM, "50-inch"),
        ("Can we get something to eat from in-room dining at night?", DINING, "midnight"),
        # (t24q) A unit the priced line states: visitors' hourly rate, a massage's hour in minutes.
        ("How much is the car park per hour for visitors?", CAR_PARK, "RM 6"),
        ("balinese massage sejam berapa?", SPA, "RM 180"),
        # (t43q) The priced one of the list, its amount asked in Malay.
        ("balinese massage berapa ringgit", SPA, "RM 180"),
        ("Where can I get drinks?", HALAL, "Lobby Bar"),
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


def test_an_age_told_beside_a_thing_asked_for_is_no_permission_asked() -> None:
    # A cot for a baby, a price for a child: the thing's or the price's rules judge those, not the age.
    assert detail_unsaid("Can I get a cot for my 1-year-old?", GYM, [ITEMS[GYM]]) == ""
    assert detail_unsaid("Can my 13-year-old use the gym alone?", GYM, [ITEMS[GYM]]) == "age"
    # (t24q) The aged one getting the thing asks whether they may; getting it for them asks for it.
    assert detail_unsaid("Can a 13-year-old get a massage?", SPA, [ITEMS[SPA]]) == "age"
    assert detail_unsaid("Can I get a massage for my 13-year-old, how much?", SPA, [ITEMS[SPA]]) == ""


def test_a_question_naming_a_meal_served_is_not_refused_for_another() -> None:
    assert meal_unoffered("Does Café Bunga do lunch?", CAFE, [ITEMS[CAFE]])
    assert not meal_unoffered("When is breakfast, and is there lunch?", CAFE, [ITEMS[CAFE]])
    # An item naming no meal at all says nothing of meals.
    assert not meal_unoffered("Is there lunch at the gym?", GYM, [ITEMS[GYM]])


def test_the_latest_hour_without_paying_more_is_the_usual_one_not_the_paid_variant() -> None:
    for question, language in [
        ("What's the latest I can check out without paying extra?", "en"),
        ("Until what time can we keep the room at no extra cost?", "en"),
        ("paling lewat daftar keluar tanpa caj pukul berapa?", "ms"),
    ]:
        answer = _ask(question, CHECK_OUT, language)
        # The paid variant may follow the usual hour, never stand in its place.
        assert answer.find("11:00 am") > 0 and "3:00 pm" not in answer.split("11:00 am")[0], question
    assert "3:00 pm" in _ask("What's the latest I can check out?", CHECK_OUT)
    # (t22q) The condition said otherwise: "so we aren't charged", "… free?" closing the question.
    for question, language in [
        ("What time must we be out of the room so we aren't charged extra?", "en"),
        ("hari terakhir boleh duduk bilik sampai pukul berapa free?", "ms"),
    ]:
        assert "11:00 am" in _ask(question, CHECK_OUT, language), question


def test_an_age_asked_of_a_place_is_answered_by_the_item_naming_the_place() -> None:
    # The Kids Corner's ages are not the Lobby Bar's: the bar's item answers, and states no age.
    hits = (
        Hit(1, 1, KIDS, "facilities", ITEMS[KIDS], 0.9),
        Hit(2, 2, HALAL, "dining", ITEMS[HALAL], 0.8),
    )
    assert offline_answer("Can my 12-year-old come with us to the Lobby Bar?", hits) == TEMPLATES["en"]["unknown"]
    # The place the item names is asked: its ages answer.
    assert "aged 3 to 10" in offline_answer("Can my 6-year-old go to the Kids Corner?", hits)

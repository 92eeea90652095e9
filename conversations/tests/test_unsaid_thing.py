"""A thing asked about that the answering item never says, in any words (assistant.unsaid), on invented items of
another hotel: the honest reply instead of the item's opening line, in the guest's language; the same thing said
in other words (the glossary, the hotel vocabulary) is answered; a question asking two things keeps the part the
item answers. And whether something costs anything ("is the gym free?", t40q): answered by a price or by "free",
otherwise with the honest reply, not the item's hours; a thing provided at it asked, answered by its own line."""

from __future__ import annotations

import pytest

from assistant.providers.base import Hit
from assistant.providers.offline import TEMPLATES
from assistant.situations import question_pieces
from assistant.unsaid import thing_unsaid
from conversations.tests.answers import offline_answer

ITEMS = {
    "Sky Deck": "The Sky Deck bar on the top floor serves cocktails and mocktails from 5:00 pm to 1:00 am.",
    "Garden Access Room": "The Garden Access Room is step-free, with a roll-in shower and a lowered bed.",
    "Musolla": "A musolla on level 5 has prayer mats and ablution taps. The qibla is marked on the ceiling.",
    "Lotus Spa": "Lotus Spa offers Balinese massage and foot reflexology from 11:00 am to 9:00 pm.",
    "Gym": "The gym on level 7 is open from 6:00 am to 11:00 pm. It has treadmills, rowing machines and free weights.",
    "Garden King Room": "The Garden King Room has a king bed, a 50-inch TV and a minibar. Baby cots are available on "
    "request.",
    "Lagoon Pool": "The lagoon pool is on the ground floor, open from 8:00 am to 8:00 pm. Towels are provided.",
    "Garden Suite": "The Garden Suite has a king bedroom, a sitting room and two bathrooms.",
    "Laundry": "Laundry is collected from your room by 9:00 am and returned by 6:00 pm the same day.",
    "Airport Car": "A car for up to four guests costs RM 150; a van for up to ten guests costs RM 240.",
}
SKY, ACCESS, MUSOLLA, SPA, GYM, ROOM, POOL, SUITE, LAUNDRY, TRANSFER = (
    Hit(number, number, title, "facilities", text, 0.9) for number, (title, text) in enumerate(ITEMS.items(), 1)
)
DINING = Hit(
    34, 34, "In-Room Dining", "dining", "In-room dining runs 24 hours. The night menu has noodles and soups.", 0.9
)
BRUNCH = Hit(
    35, 35, "Sunday Brunch", "dining", "A children's menu is served at the brunch to guests aged 3 to 10.", 0.9
)
PARK = Hit(36, 36, "Car Park", "facilities", "Hotel guests park for RM 20 per night; visitors pay RM 4 per hour.", 0.9)
CONNECTING = Hit(37, 37, "Garden Suite", "rooms", "Cots are free of charge. Connecting rooms can be arranged.", 0.9)
MASSAGE = Hit(40, 40, "Lotus Spa Prices", "facilities", "A 60-minute Balinese urut massage costs RM 180.", 0.9)
DEALS = Hit(33, 33, "Weekend Deals", "rates", "Our weekend promotion gives 20% off the room rate.", 0.9)
BREWING = Hit(32, 32, "Studio Room", "rooms", "The Studio Room has a queen bed, a coffee machine and a minibar.", 0.9)
# Whether something costs anything (t40q): a price or "free" answers, otherwise the honest reply, not the hours.
ROWERS = Hit(1, 1, "Gym", "facilities", "The gym on level 7 is open from 6:00 am to 11:00 pm. It has rowers.", 0.9)
TOWELS = Hit(
    2,
    2,
    "Lagoon Pool",
    "facilities",
    "The lagoon pool is on the ground floor, open from 8:00 am to 8:00 pm. Towels are provided at the pool. "
    "The pool closes when it rains.",
    0.9,
)
COTS = Hit(3, 3, "Garden Suite", "rooms", "The Garden Suite sleeps four. Cots are free of charge on request.", 0.9)
PARKING = Hit(4, 4, "Car Park", "facilities", "Hotel guests park for RM 20 per night; visitors pay RM 4 per hour.", 0.9)


def _ask(question: str, hit: Hit, language: str = "en") -> str:
    return offline_answer(question, (hit,), language=language)


@pytest.mark.parametrize(
    ("question", "hit", "language"),
    [
        # "Is there" forms, and the item's subject named before the thing.
        ("Does the Garden King Room have blackout curtains?", ROOM, "en"),
        ("is there a climbing wall in the gym?", GYM, "en"),
        ("gym ada loker tak?", GYM, "ms"),
        ("surau ada imam untuk solat jumaat?", MUSOLLA, "ms"),
        ("kolam ada bahagian cetek untuk budak?", POOL, "ms"),
        # How, what and can-I forms.
        ("What snacks are in the Garden King Room minibar?", ROOM, "en"),
        ("Can I borrow a yoga mat from the gym?", GYM, "en"),
        ("how much is a couples massage?", SPA, "en"),
        ("spa boleh pinjam jubah mandi?", SPA, "ms"),
        # A narrower kind of thing is not said by its glossary concept's wider words: a bathtub by "bathrooms",
        # an iron by laundry, a swimming coach by a lifeguard.
        ("does the Garden Suite have a bathtub?", SUITE, "en"),
        ("garden suite ada tab mandi tak?", SUITE, "ms"),
        ("is there an iron in the room?", LAUNDRY, "en"),
        ("boleh pinjam seterika tak?", LAUNDRY, "ms"),
        ("kolam ada jurulatih renang?", POOL, "ms"),
        # Whom or what the thing is for, which the item never names.
        ("is there a massage for couples?", SPA, "en"),
        ("spa ada urut untuk pasangan?", SPA, "ms"),
        ("spa ada bilik utk couple x?", SPA, "ms"),
        ("spa ada urut untuk ibu mengandung?", SPA, "ms"),
        # A thing for a kind of guest (children, babies) the item never speaks of, though it names the thing.
        ("Is there a kids' menu for in-room dining?", DINING, "en"),
        ("in-room dining ada menu untuk budak2 ke?", DINING, "ms"),
        # "…, berapa?" asks its price of what came before: connecting rooms, which no price is stated for.
        ("connecting room kena bayar lebih ke, berapa?", CONNECTING, "ms"),
        # A festival or a named day no item names: no item's line (and no price) passes for the answer.
        ("ada promosi hari merdeka tak?", DEALS, "ms"),
        ("ada promosi raya tak?", DEALS, "ms"),
        ("is there a deepavali promotion?", DEALS, "en"),
        # A kettle is not a coffee machine; "… cups I can use" asks nothing of its own.
        ("is there a kettle and cups I can use in the room?", BREWING, "en"),
        # Whether it costs anything, where no line states a price.
        ("Is the gym free?", ROWERS, "en"),
        ("do I have to pay to use the gym?", ROWERS, "en"),
        ("is there a charge for the pool?", TOWELS, "en"),
        ("gym percuma ke?", ROWERS, "ms"),
        ("kena bayar tak nak guna kolam?", TOWELS, "ms"),
    ],
)
def test_a_thing_the_item_never_says_gets_the_honest_reply(question: str, hit: Hit, language: str) -> None:
    assert _ask(question, hit, language) == TEMPLATES[language]["unknown"]


@pytest.mark.parametrize(
    ("question", "hit", "language", "fact"),
    [
        # The guest's word is not the item's: a near word, a wider word, the other language.
        ("do you have a rooftop bar?", SKY, "en", "top floor"),
        ("do you have a wheelchair friendly room?", ACCESS, "en", "step-free"),
        ("arah kiblat ada tanda tak?", MUSOLLA, "ms", "qibla"),
        ("spa ada refleksologi kaki?", SPA, "ms", "foot reflexology"),
        ("ada urut kaki?", SPA, "ms", "foot reflexology"),
        ("does the Garden King Room have a telly?", ROOM, "en", "TV"),
        ("bilik ada peti sejuk?", ROOM, "ms", "minibar"),
        ("Can I get a crib for the baby?", ROOM, "en", "Baby cots"),
        ("does the gym have dumbbells?", GYM, "en", "free weights"),
        ("gym ada mesin lari?", GYM, "ms", "treadmills"),
        # The last collection is an extreme of the hours the item states.
        ("whats the last collection time for laundry?", LAUNDRY, "en", "9:00 am"),
        # A day, a time or who comes is not the thing asked; nor an amount of it, nor a measure the item states.
        ("what time does the lagoon pool open on Sunday?", POOL, "en", "8:00 am"),
        ("which floor has the rowing machines?", GYM, "en", "level 7"),
        ("can I order a glass of wine at the Sky Deck?", SKY, "en", "cocktails"),
        # The languages' own small words, counts and bare verbs say which, how many or what is done, not what.
        ("Adakah hotel ini ada gym?", GYM, "ms", "level 7"),
        ("garden king room ada dua katil ke?", ROOM, "ms", "king bed"),
        ("budak kena ada org teman kat lagoon pool ke?", POOL, "ms", "8:00 am"),
        ("gym ada ape?", GYM, "ms", "level 7"),
        ("do you charge for the lagoon pool overnight?", POOL, "en", "8:00 pm"),
        # Two questions in two sentences: the first one, which the item answers, keeps its answer.
        ("earliest gym time? and whats the spa called", GYM, "en", "6:00 am"),
        # The wider word asked is said by the narrower one; the guest's own people, a group or an age are no kind.
        ("does the room have its own bathroom?", ACCESS, "en", "roll-in shower"),
        ("is there a massage for my wife?", SPA, "en", "Balinese massage"),
        ("ada urut untuk isteri saya?", SPA, "ms", "Balinese massage"),
        ("can we get a van for a big group?", TRANSFER, "en", "RM 240"),
        ("ada bilik untuk warga emas berkerusi roda?", ACCESS, "ms", "step-free"),
        # The item speaks of that kind of guest; the guest's own children, or the baby, are no kind of the thing.
        ("Is there a kids' menu at the brunch?", BRUNCH, "en", "aged 3 to 10"),
        ("brunch ada menu untuk kanak-kanak?", BRUNCH, "ms", "aged 3 to 10"),
        ("is there a menu for my kids at the brunch?", BRUNCH, "en", "aged 3 to 10"),
        ("Can I get a cot for the baby in the Garden Suite?", CONNECTING, "en", "free of charge"),
        # A thing named before "berapa" by a guest's word the item need not say ("badan" of a massage).
        ("car park berapa semalam?", PARK, "ms", "RM 20"),
        ("urut badan berapa?", MASSAGE, "ms", "RM 180"),
        # Whether it costs anything is answered by a price or by "free" (asked, as before, with the English default).
        ("are cots free?", COTS, "en", "free of charge"),
        ("do I have to pay for parking?", PARKING, "en", "RM 20"),
        ("parking percuma ke?", PARKING, "en", "RM 20"),
    ],
)
def test_a_thing_said_in_other_words_or_around_small_words_is_answered(
    question: str, hit: Hit, language: str, fact: str
) -> None:
    assert fact in _ask(question, hit, language)


def test_a_thing_provided_at_it_asked_is_answered_by_its_own_line() -> None:
    assert "Towels are provided" in offline_answer("are there towels at the pool?", (TOWELS,))


def test_what_a_thing_is_free_of_is_no_price_asked() -> None:
    halal = Hit(5, 5, "Halal Kitchen", "dining", "Our kitchen is halal certified. No pork is used in our cooking.", 0.9)
    assert "No pork" in offline_answer("is the food pork free?", (halal,))


def test_a_question_asking_two_things_keeps_the_part_the_item_answers() -> None:
    answer = _ask("is there a climbing wall, and when does the gym open?", GYM)
    assert "6:00 am to 11:00 pm" in answer
    # ("climbing" says what is done on the wall: a verb form is not judged.)
    assert thing_unsaid("is there a climbing wall, and is there a sauna?", GYM.title, [GYM.text]) == ["wall", "sauna"]


def test_what_the_team_is_asked_to_do_is_no_thing_the_item_must_say() -> None:
    deposit = Hit(41, 41, "Deposit", "policies", "A deposit of RM 300 is held on your card at check-in.", 0.9)
    # "block" and "guys": a verb after who does it, and the words addressing the team.
    for question in ("how much do u guys hold on my card?", "how much do you block on my card for the deposit?"):
        assert thing_unsaid(question, deposit.title, [deposit.text]) == [], question
        assert "RM 300" in _ask(question, deposit), question
    # The thing after the verb is still judged.
    assert thing_unsaid("how much do you charge for a sauna?", GYM.title, [GYM.text]) == ["sauna"]


def test_the_words_judged_are_the_things_content_words() -> None:
    texts = [ROOM.text]
    assert thing_unsaid("Does the Garden King Room have blackout curtains?", ROOM.title, texts) == [
        "blackout",
        "curtains",
    ]
    # A general word, a question word or the hotel's own name is not judged.
    assert thing_unsaid("is there any service for that?", ROOM.title, texts) == []
    assert thing_unsaid("does Seri Melati have a minibar?", ROOM.title, texts, names=["Seri Melati"]) == []
    assert thing_unsaid("is there a minibar at Hotel Seri Melati?", ROOM.title, texts, names=["Seri Melati"]) == []


@pytest.mark.parametrize(("question", "language"), [("does it have a bathtub?", "en"), ("ada tab mandi?", "ms")])
def test_another_kind_the_item_states_is_quoted_as_what_is_known(question: str, language: str) -> None:
    bathroom = Hit(30, 30, "Courtyard Room", "rooms", "The Courtyard Room has a queen bed and a rain shower.", 0.9)
    answer = _ask(question, bathroom, language)
    honest = TEMPLATES[language]["other_kind"].split("{facts}")[0]
    assert answer.startswith(honest[: honest.index(".")]) and "rain shower" in answer
    assert thing_unsaid(question, bathroom.title, [bathroom.text]) == []


def test_a_second_thing_named_after_and_is_no_part_answered() -> None:
    # "… and ironing board I can use" asks nothing of its own ("I can use" says what for): the question asks one
    # thing, the iron, which laundry's lines never say.
    assert _ask("Is there an iron and ironing board I can use?", LAUNDRY) == TEMPLATES["en"]["unknown"]
    assert _ask("ada seterika dan papan gosok yg boleh sy guna?", LAUNDRY, "ms") == TEMPLATES["ms"]["unknown"]
    # The same form where the item says the thing keeps its answer.
    assert "minibar" in _ask("is there a minibar and a fridge I can use?", ROOM)


@pytest.mark.parametrize(
    ("question", "hit", "fact"),
    [
        ("does Lotus Spa have a steam room?", SPA, None),
        ("does lagoon pool have a slide?", POOL, None),
        ("does Lotus Spa have foot reflexology?", SPA, "foot reflexology"),
        ("does lagoon pool have towels?", POOL, "Towels"),
    ],
)
def test_a_subject_without_an_article_is_asked_its_thing(question: str, hit: Hit, fact: str | None) -> None:
    answer = _ask(question, hit)
    assert answer == TEMPLATES["en"]["unknown"] if fact is None else fact in answer


def test_a_person_described_by_what_they_do_is_the_thing_asked() -> None:
    # Not a request for a person (assistant.modes): the role is judged like any thing; said, it is answered.
    assert _ask("Is there someone at the gym who can show me the machines?", GYM) == TEMPLATES["en"]["unknown"]
    assert _ask("ada orang yg boleh ajar guna mesin kat gym?", GYM, "ms") == TEMPLATES["ms"]["unknown"]
    guarded = Hit(31, 31, "Beach Pool", "facilities", "The beach pool opens at 8:00 am. A lifeguard is on duty.", 0.9)
    assert "lifeguard" in _ask("Is someone watching the swimmers at the beach pool?", guarded)
    assert "lifeguard" in _ask("kolam ada org jaga tak?", guarded, "ms")


LOCATION = Hit(
    38,
    38,
    "Lokasi Hotel",
    "faq",
    "Hotel kami lima minit berjalan kaki dari stesen monorel Raja Chulan dan sepuluh minit dari KLCC.",
    0.8,
    language="ms",
)
RULES = Hit(39, 39, "Smoking Policy", "policies", "A smoking area is on the ground floor outside the entrance.", 0.77)


@pytest.mark.parametrize(
    ("question", "language", "fact"),
    [
        ("How far is the hotel from Batu Caves?", "en", None),
        ("jauh tak hotel ni dari Batu Caves?", "ms", None),
        ("How far is the hotel from KLCC?", "en", "sepuluh minit"),
    ],
)
def test_how_far_a_place_is_that_the_item_never_names_is_not_answered_by_where_the_hotel_is(
    question: str, language: str, fact: str | None
) -> None:
    answer = offline_answer(question, (LOCATION, RULES), language=language)
    assert answer == TEMPLATES[language]["unknown"] if fact is None else fact in answer


def test_a_question_word_alone_after_a_comma_is_no_part_of_its_own() -> None:
    assert question_pieces("connecting room kena bayar lebih ke, berapa?") == [
        "connecting room kena bayar lebih ke, berapa?"
    ]
    assert question_pieces("the sedan to KLIA, how much?") == ["the sedan to KLIA, how much?"]
    assert len(question_pieces("what time is check-in, how much is early check-in?")) == 2

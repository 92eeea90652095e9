"""A detail said once in an unusual form is read, so it is never asked again (issue 15, t45d).

- "En. Kamarul", "Pn. Zaleha": a Malay title written short keeps its stop and opens the name.
- "Dan Whitfield here", "Ada Tan, 012…": a given name that is also a word of a sentence, written as a name.
- "Hi again, Grace Lim here", "please contact me, Farah Aziz, on 017…": the name said after a longer greeting, or
  beside the "me" it names.
- "bilik yang sesuai untuk kerusi roda", "ayah saya berkerusi roda": the room a wheelchair fits, as "wheelchair" says
  in English.
- "saya, orang rumah dan 2 budak", "saya dgn bini": the wife as Malay speaks of her between friends.
- "me and the wife plus our two": the couple's children counted without a word for them.
- "Deluxe King 3-5 May for me", "untuk saya (je)", "For me." to our question: the guest alone; "that works for me" is
  no party, nor "saya seorang" a name; "a friend of mine is coming too" is one more.
- "7th - 9th" after the month, "from the 7th till the 9th, May 2027": the days of the month named before or after.
- "out on the 12th for a day trip", "keluar 12hb pergi Genting sehari": a day out, not the end of the stay.
- "Deluxe King 10-14 May", then "any good restaurant for dinner?": the stay stays the enquiry, with its dates.

Every message here was written for these tests; none is taken from a dialogue set.
"""

from __future__ import annotations

import datetime as dt

import pytest

from leads.services.extraction import find_name, name_beside_contact
from leads.tests.accuracy import fields
from leads.tests.test_children_kept_days_ended_rooms_described import HOTEL_CTX
from leads.tests.test_ranges_phones_and_kin import _fields  # the lead read on Monday 23 November 2026


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Nama En. Kamarul, 012 345 6789", "En. Kamarul"),
        ("nama Pn. Zaleha, 013-456 7788", "Pn. Zaleha"),
        ("Pn. Zaleha here", "Pn. Zaleha"),
        ("Hello, Dan Whitfield here", "Dan Whitfield"),
        ("Nama saya Dan Lee", "Dan Lee"),
        ("Hi again, Grace Lim here, grace.lim@example.com", "Grace Lim"),
        ("Hello there, Tan Wei here", "Tan Wei"),
        ("A seminar for 45 on 9 Nov 2027. Please contact me, Farah Aziz, on 017 665 4321", "Farah Aziz"),
        ("boleh hubungi saya, Puan Aini, di aini@example.com", "Puan Aini"),
        ("Ada Tan, 012-345 6789", "Ada Tan"),
        ("Dan Whitfield, dan.w@example.com", "Dan Whitfield"),
        # A sentence word or a title alone names nobody; nor does a desk.
        ("Dan saya nak tanya pasal parking", None),
        ("Ada Family Suite tak?", None),
        ("Dan Kami nak 2 bilik", None),
        ("nama en.", None),
        ("Please call Reception, on 03-2141 8890", None),
        ("hello there, any rooms left?", None),
    ],
)
def test_a_name_after_a_short_title_a_greeting_or_a_sentence_word(text, name) -> None:
    # As the extraction reads a message: the name it says, else the name written beside its contact.
    assert (find_name(text)[0] or name_beside_contact(text, "MY")) == name


@pytest.mark.parametrize(
    ("text", "room"),
    [
        ("nak bilik yang sesuai untuk kerusi roda, 2 orang", "Accessible Twin Room"),
        ("mak saya guna kerusi roda, ada bilik sesuai?", "Accessible Twin Room"),
        ("ayah saya berkerusi roda, ada bilik untuk 2 orang?", "Accessible Twin Room"),
        ("family suite 2 dewasa, boleh sediakan kerusi roda?", "Family Suite"),  # a room named stays the room
    ],
)
def test_a_wheelchair_in_malay_asks_for_the_room_it_fits(text, room) -> None:
    assert fields(text, ctx=HOTEL_CTX)["room_type"] == room


STAY = "family suite 5hb Mac 2027 2 malam"


@pytest.mark.parametrize(
    ("messages", "adults", "children"),
    [
        ((STAY, "saya, orang rumah dan 2 budak"), 2, 2),
        ((STAY, "saya dgn bini je"), 2, None),
        (("family suite 5-7 Mar 2027 for me and the wife plus our two",), 2, 2),
        (("family suite 5-7 Mar 2027, my husband, me and our 3.",), 2, 3),
        (("family suite 5-7 Mar 2027 for 2 adults and our two",), 2, 2),
        (("family suite 5-7 Mar 2027, 2 adults", "can we bring our 2 dogs?"), 2, None),  # a noun: no children
        (("deluxe king 5-7 Mar 2027, 2 adults, is parking free for our two cars?",), 2, None),
    ],
)
def test_the_party_in_family_words(messages, adults, children) -> None:
    party = _fields(*messages)
    assert (party.adults, party.children) == (adults, children)


@pytest.mark.parametrize(
    ("messages", "adults"),
    [
        (("Deluxe King 5-7 Mar 2027 for me",), 1),
        (("book a room for me please, 5-7 Mar 2027",), 1),
        (("deluxe king 5-7hb Mac 2027 untuk saya je",), 1),
        (("Deluxe King 5-7 Mar 2027", "For me."), 1),
        (("Deluxe King 5-7 Mar 2027 for me and my wife",), 2),
        (("Deluxe King Room 5 hingga 7 Mac 2027 untuk saya",), 1),
        (("Deluxe King 5-7 Mar 2027, that works for me",), None),
        (("boleh tempah bilik untuk saya? 5-7hb Mac 2027",), None),
        (("Deluxe King 5-7 Mar 2027, is the rate ok for me?",), None),
        (("Deluxe King 5-7 Mar 2027", "can you book a taxi for me?"), None),
    ],
)
def test_a_room_for_me_is_one_adult(messages, adults) -> None:
    assert _fields(*messages).adults == adults


@pytest.mark.parametrize(
    ("messages", "adults"),
    [
        (("Deluxe King Room for 1 adult, 20 to 22 April 2027", "a friend of mine is coming too"), 2),
        (("Family Suite for 2 adults, 20 to 22 April 2027", "a colleague of ours is joining"), 3),
    ],
)
def test_a_friend_of_mine_joins_the_party(messages, adults) -> None:
    assert _fields(*messages).adults == adults


def test_saya_seorang_is_the_party_not_a_name() -> None:
    lead = _fields("Deluxe King 5-7 Mar 2027", "saya seorang")
    assert (lead.adults, lead.name) == (1, None)


@pytest.mark.parametrize(
    ("messages", "check_in", "check_out"),
    [
        (("Deluxe King in May 2027", "7th - 9th"), dt.date(2027, 5, 7), dt.date(2027, 5, 9)),
        (("Deluxe King in May 2027", "7hb-9hb ya"), dt.date(2027, 5, 7), dt.date(2027, 5, 9)),
        (("Deluxe King from the 7th till the 9th, May 2027",), dt.date(2027, 5, 7), dt.date(2027, 5, 9)),
        (("Deluxe King, check in on the 5th, 2 nights, in October 2027",), dt.date(2027, 10, 5), dt.date(2027, 10, 7)),
        (("Deluxe King 3-5 May 2027", "the 2nd-floor room please"), dt.date(2027, 5, 3), dt.date(2027, 5, 5)),
    ],
)
def test_days_of_a_month_named_before_or_after(messages, check_in, check_out) -> None:
    lead = _fields(*messages)
    assert (lead.check_in, lead.check_out) == (check_in, check_out)


STAY_10_14 = "Deluxe King 2 adults 10-14 May 2027"


@pytest.mark.parametrize(
    ("said", "check_out"),
    [
        ("Out on the 12th for a day trip, any tours?", dt.date(2027, 5, 14)),
        ("we are out on the 12th for a day trip to Melaka", dt.date(2027, 5, 14)),
        ("We'll be out on 12 May for the day, can you pack breakfast?", dt.date(2027, 5, 14)),
        ("keluar 12hb pergi Genting sehari, ada transport?", dt.date(2027, 5, 14)),
        ("out on the 12th", dt.date(2027, 5, 12)),  # the guests are out: the stay ends
        ("actually we check out on the 12th for a day trip to Melaka", dt.date(2027, 5, 12)),  # said in so many words
        ("sorry, out on the 12th then straight to the airport", dt.date(2027, 5, 12)),
    ],
)
def test_a_day_out_is_no_end_of_the_stay(said, check_out) -> None:
    lead = _fields(STAY_10_14, said)
    assert (lead.check_in, lead.check_out) == (dt.date(2027, 5, 10), check_out)


@pytest.mark.parametrize(
    ("messages", "intent"),
    [
        (("Deluxe King 2 adults 10-14 May 2027", "any good restaurant nearby for dinner?"), "room_booking"),
        (("nak deluxe king 2 dewasa 10-14hb Mei 2027", "restoran hotel buka pukul berapa? ada bufet?"), "room_booking"),
        (("Deluxe King room 2 adults 10-14 May 2027", "can we book a table for dinner on the 11th?"), "room_booking"),
        (("a table for 4 at the restaurant on 12 May 2027", "do you also have a deluxe king?"), "fb_inquiry"),
    ],
)
def test_a_stay_asked_first_stays_the_enquiry_beside_the_restaurant(messages, intent) -> None:
    lead = fields(*messages, ctx=HOTEL_CTX)
    assert lead["intent"] == intent
    assert ("check_in" in lead) is (intent == "room_booking")  # the stay's dates are kept

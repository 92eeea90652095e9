"""How guests actually write their details (issue 15, the held-out dialogues' kinds of miss): event enquiries
phrased as questions, numbers from abroad, Malay counting as typed on a phone, a late arrival with its time,
a family that is not a room type, a contact's label that is not a name, Malay with English nouns.

Every message here was written for these tests; none is taken from a dialogue set.
"""

from __future__ import annotations

import pytest

from assistant.language import detect_language
from leads.services.extraction import GuestText, counting_text, find_special_requests
from leads.services.schema import from_llm_output
from leads.tests.accuracy import CTX, fields
from leads.turn import answer_hint


@pytest.mark.parametrize(
    "text",
    [
        "do you host weddings here?",
        "Hi, do you do conferences for companies?",
        "any space for meetings next year?",
        "Does the hotel cater for engagement parties?",
        "we are looking at venues for our company retreat",
    ],
)
def test_an_event_asked_about_as_a_question_is_an_event(text: str) -> None:
    assert fields(text)["intent"] == "event"


def test_the_details_that_follow_an_event_question_fill_the_event_lead() -> None:
    got = fields("do you host birthday parties?", "for about 60 people", "on 9 October 2027")
    assert (got["intent"], got["group_size"], got["event_date"]) == ("event", 60, "2027-10-09")


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("you can reach me on +44 7700 900456", "+447700900456"),  # a range libphonenumber does not list
        ("my mobile: +65 8123 4567", "+6581234567"),
        ("whatsapp me at +971 50 123 4567 please", "+971501234567"),
        ("call +61 491 570 006", "+61491570006"),
    ],
)
def test_a_number_in_international_form_is_a_phone(text: str, phone: str) -> None:
    assert fields(text)["phone"] == phone


def test_a_short_or_local_foreign_number_is_still_not_a_phone() -> None:
    assert "phone" not in fields("call +44 12")
    assert "phone" not in fields("room 1203, booking ref 8812 3345")
    # What a model says passes the same check: the international form is kept, a bare fragment is not.
    assert from_llm_output({"phone": "+44 7700 900456"}, CTX)[0].phone == "+447700900456"
    assert from_llm_output({"phone": "12345"}, CTX)[0].phone is None


@pytest.mark.parametrize(
    ("text", "adults", "children"),
    [
        ("kami 2 dewasa 3 kanak2", 2, 3),
        ("2 org dewasa, 2 budak2", 2, 2),
        ("dua dewasa dan tiga anak2", 2, 3),
        ("Dewasa: 2, Kanak-kanak: 1", 2, 1),
        ("2 adults 2 kids, 2027-09-10 to 2027-09-12", 2, 2),
        ("2 adults and 2 children, and we'll need a baby cot", 2, 2),
        ("two adults, one kid, and a high chair for the baby please", 2, 1),
    ],
)
def test_adults_and_children_as_guests_type_them(text: str, adults: int, children: int) -> None:
    got = fields(text)
    assert (got.get("adults"), got.get("children")) == (adults, children)


@pytest.mark.parametrize(
    ("text", "group_size"),
    [
        ("majlis untuk dua puluh lima orang", 25),
        ("seratus lima puluh tetamu", 150),
        ("a dinner for two hundred and fifty guests", 250),
        ("a hundred guests for the gala", 100),
        ("meeting for 40 pax", 40),
        ("kami 12 org", 12),
    ],
)
def test_group_sizes_in_words_and_colloquial_forms(text: str, group_size: int) -> None:
    assert fields(text)["group_size"] == group_size


def test_counting_words_only_become_digits_where_they_make_a_number() -> None:
    assert counting_text("dua tiga hari") == "dua tiga hari"  # Malay for "a few days", not 23
    assert counting_text("me and my wife") == "me and my wife"
    assert counting_text("kanak2 dan budak2") == "kanak-kanak dan budak-budak"
    assert counting_text("dua belas pax") == "12 pax"


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("we'll be arriving late, around 1am", "arriving late, around 1am"),
        ("kami sampai lewat malam, dalam pukul 12 tengah malam", "sampai lewat malam, dalam pukul 12 tengah malam"),
        ("late check-in at about 11.30pm please", "late check-in at about 11.30pm"),
        ("our flight lands late so we arrive around midnight", "arrive around midnight"),
        ("could we get a late checkout on the last day", "late checkout"),
    ],
)
def test_a_late_arrival_keeps_its_time(text: str, kept: str) -> None:
    assert find_special_requests([GuestText(text)]) == kept


def test_an_arrival_date_is_not_a_request() -> None:
    assert find_special_requests([GuestText("we arrive on 12 July 2027 for 3 nights")]) is None


@pytest.mark.parametrize(
    "text",
    [
        "a family group of 8, 2027-05-01 for 2 nights",
        "rombongan keluarga seramai 10 orang",
        "I'm coming with my family for 3 nights",
        "family holiday in May, 4 adults",
    ],
)
def test_a_family_of_guests_is_not_a_room_type(text: str) -> None:
    assert "room_type" not in fields(text)


def test_a_family_room_asked_for_is_still_one() -> None:
    assert fields("we'd like the family suite for 3 nights")["room_type"] == "Family Suite"
    assert fields("with my family, in the family suite")["room_type"] == "Family Suite"


@pytest.mark.parametrize("text", ["Emel: nadia.k@contoh.my", "Email - hr@firma.com.my", "Tel: 012-345 6789"])
def test_a_contacts_label_is_not_taken_for_a_name(text: str) -> None:
    assert answer_hint(text, "phone_or_email") is None


def test_a_bare_count_in_words_answers_the_question_asked() -> None:
    assert answer_hint("dua puluh lima", "group_size") == "25 pax"
    assert answer_hint("about a hundred and twenty", "group_size") == "120 pax"
    assert answer_hint("two hundred and fifty guests", "group_size") == "250 pax"


def test_a_name_beside_the_contact_asked_for_is_still_a_name() -> None:
    assert answer_hint("Farah Lim, farah@contoh.my", "phone_or_email") == "my name is Farah Lim"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hi, nk book room utk esok, 3 nights", "ms"),
        ("sy nak check in awal, boleh?", "ms"),
        ("Can I book a room for 3 nights", "en"),
        ("is there a pool kat hotel?", "en"),
    ],
)
def test_malay_with_english_nouns_is_malay(text: str, language: str) -> None:
    assert detect_language(text, default="en") == language

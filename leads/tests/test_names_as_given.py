"""Names the way guests give them (issue 15, t15d5): in lower case beside the number ("kamal 013-222 4455"), with
the town or the company they write from ("Farah from Penang, …", "Daniel from Kappa Holdings here"), after a
greeting ("morning! Sofia, 012…"), after the short Malay "ni" ("ni Hakim, nak tanya…"), signed after a dash at the
end of a message ("… call 012-111 2222 - Harith"); what is no name however it is said (a room, a word about the
contact, a greeting); and a month written before the day with a comma ("Ogos, 15hb").

Every message here was written for these tests; none is taken from a dialogue set.
"""

from __future__ import annotations

import pytest

from assistant import modes
from leads.services.extraction import find_name, name_beside_contact
from leads.services.policy import CONTACT
from leads.tests.accuracy import fields  # 23 November 2026, Kuala Lumpur
from leads.turn import answer_hint


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("kamal 013-222 4455", "Kamal"),
        ("012-987 6543 siva", "Siva"),
        ("lee chong meng +60167778888", "Lee Chong Meng"),
        ("devi a/p kumar, 019-212 1212", "Devi a/p Kumar"),
        ("farhan bin ali farhan.ali@example.com", "Farhan bin Ali"),
    ],
)
def test_a_name_typed_in_lower_case_beside_the_contact_is_the_guest_s(text, name):
    assert name_beside_contact(text, "MY") == name
    assert fields(text)["name"] == name


@pytest.mark.parametrize(
    "text",
    [
        "whatsapp only 012-333 4444",
        "office 03-7788 9900",
        "anytime 012-333 4444",
        "deluxe 012-333 4444",
        "urgent 012-333 4444",
        "thank you 012-333 4444",
        "boleh call 012-333 4444",
        "nombor pejabat 03-7788 9900",
    ],
)
def test_lower_case_words_about_the_contact_or_the_stay_are_no_name(text):
    assert name_beside_contact(text, "MY") is None
    assert "name" not in fields(text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Farah from Penang, farah.p@example.com", "Farah"),
        ("Zul dari Maju Jaya Sdn Bhd 012-555 7878", "Zul"),
        ("Mr. Gan from Seremban, 016-444 1212", "Mr. Gan"),
        ("Aina dr Finance, aina@maju.com.my", "Aina"),  # "dr" typed for "dari" after the name
        ("Dr Lim Swee, 012-880 1234", "Dr Lim Swee"),  # "Dr" before it is a title
    ],
)
def test_the_town_or_the_company_beside_the_contact_is_no_part_of_the_name(text, name):
    assert name_beside_contact(text, "MY") == name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Daniel from Kappa Holdings here, do you have a seminar room for 30 on 3 March?", "Daniel"),
        ("Good morning, Priya from Acme Sdn Bhd here. Any meeting rooms free next week?", "Priya"),
        ("Ramesh dari Ipoh di sini, ada bilik kosong?", "Ramesh"),
    ],
)
def test_a_name_with_where_the_writer_is_from_before_here_is_read_even_beside_a_question(text, name):
    assert find_name(text) == (name, "weak")


def test_here_after_a_word_of_the_hotel_still_names_nobody():
    assert find_name("Parking here, is it free?") == (None, "")
    assert find_name("Breakfast from Monday here?") == (None, "")


@pytest.mark.parametrize(
    ("text", "name"),
    [("ni Hakim, nak tanya harga bilik deluxe", "Hakim"), ("Salam, ni Aishah. Ada bilik untuk esok?", "Aishah")],
)
def test_the_short_malay_ni_opening_a_message_or_a_clause_introduces_the_writer(text, name):
    assert find_name(text)[0] == name


@pytest.mark.parametrize("text", ["bilik ni Deluxe King ke?", "hotel ni ada kolam?", "tarikh ni Jumaat kan?"])
def test_ni_inside_a_sentence_is_this_not_a_name_cue(text):
    assert find_name(text)[0] is None


def test_a_name_signed_after_a_dash_at_the_end_of_a_message():
    text = "Need the twin room 4-6 May for 2, please call 012-111 2222 - Harith"
    assert find_name(text) == ("Harith", "signature")
    assert fields(text)["name"] == "Harith"


@pytest.mark.parametrize(
    "text", ["2 adults - Deluxe King", "arriving 5 June - Friday", "all good - Thanks", "3 nights - sea view"]
)
def test_what_follows_a_dash_is_no_name_when_it_is_a_word_we_know(text):
    assert find_name(text)[0] is None


@pytest.mark.parametrize(
    ("text", "asked", "name"),
    [
        ("morning! Sofia, 012-444 5656", CONTACT, "Sofia"),
        ("good evening, Kavya", "name", "Kavya"),
        ("Selamat petang, Rosnah", "name", "Rosnah"),
    ],
)
def test_a_greeting_before_the_name_is_no_part_of_it(text, asked, name):
    assert answer_hint(text, asked) == f"my name is {name}"


@pytest.mark.parametrize("text", ["Family suite", "Deluxe", "office 03-7788 9900", "anytime 012-333 4444"])
def test_a_reply_made_only_of_words_we_know_is_no_name_even_asked_for_one(text):
    assert answer_hint(text, "name") is None


def test_a_month_alone_asked_for_a_name_stays_a_name():
    assert answer_hint("June", "name") == "my name is June"


@pytest.mark.parametrize(
    ("text", "check_in", "nights"),
    [("Ogos, 15hb, 3 malam", "2027-08-15", 3), ("September, the 3rd, 2 nights", "2027-09-03", 2)],
)
def test_a_month_then_a_comma_then_the_day_is_a_date(text, check_in, nights):
    got = fields(text)
    assert (str(got["check_in"]), got["nights"]) == (check_in, nights)


def test_a_month_then_a_count_is_no_date():
    got = fields("June, 2 adults")
    assert "check_in" not in got and got["adults"] == 2


def test_a_titled_name_said_before_here_or_speaking_is_read_beside_a_question():
    assert find_name("Good evening, Mr Daud speaking. Is the family suite free on Friday?") == ("Mr Daud", "weak")


@pytest.mark.parametrize(("text", "name"), [("sy liyana 012-606 7070", "Liyana"), ("im joel, 016-818 2323", "Joel")])
def test_the_i_am_before_a_lower_case_name_beside_the_contact_is_no_part_of_it(text, name):
    assert name_beside_contact(text, "MY") == name


@pytest.mark.parametrize(
    "text",
    [
        "The bathroom tap is leaking all over the floor, please send someone 012-100 2020",
        "Paip bilik air saya bocor, tolong hubungi 013-200 3030",
        "Aircond tak berfungsi sejak pagi",
        "There are cockroaches in the bathroom",
    ],
)
def test_what_is_wrong_with_the_room_said_without_an_unhappy_word_is_a_complaint(text):
    # The lead step keeps the contact of a turn that goes to a person (`read_progress(keep_contact=…)`).
    assert modes.is_complaint(text)


@pytest.mark.parametrize("text", ["Is the pool open late?", "Ada lipatan tuala?", "Is the roof leak-proof in storms?"])
def test_a_question_about_the_hotel_is_no_complaint(text):
    assert not modes.is_complaint(text)


@pytest.mark.parametrize(
    ("text", "name"), [("this is nadia", "nadia"), ("farouk", "farouk"), ("it's yasmin", "yasmin")]
)
def test_asked_for_a_contact_a_name_in_lower_case_is_the_guest_s(text, name):
    assert answer_hint(text, CONTACT) == f"my name is {name}"


@pytest.mark.parametrize("text", ["skip", "rather not", "later", "nanti", "ok, ambil yang tu", "this is urgent"])
def test_asked_for_a_contact_a_word_we_know_in_lower_case_is_no_name(text):
    assert answer_hint(text, CONTACT) is None


def test_a_name_in_lower_case_after_a_letter_s_sign_off():
    assert find_name("Hi, a family suite for 4 on 2 May please. Kind regards, mei xuan") == ("Mei Xuan", "signature")
    assert find_name("A twin for 2 nights. Thanks, see you") == (None, "")


def test_one_name_in_capitals_among_words_in_lower_case_beside_the_contact():
    assert name_beside_contact("sure go ahead. Yusuf Ali, 012-777 8181", "MY") == "Yusuf Ali"
    assert name_beside_contact("please book. tan mei ling 012-777 8181", "MY") is None  # two things said, no capitals


def test_the_town_alone_beside_the_contact_is_no_name():
    assert name_beside_contact("Ipoh, 012-777 8181", "MY") is None


def test_a_month_inside_a_name_in_lower_case_is_part_of_it():
    assert name_beside_contact("tan mei ling 012-777 8181", "MY") == "Tan Mei Ling"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Apologies - Farid here", "Farid"),
        ("Maaf, Rahim di sini", "Rahim"),
        ("hey im nabil", "nabil"),
        ("saya zaleha", "zaleha"),
        ("sorry its Pei Shan", "Pei Shan"),
        ("Best regards, Anand from Klang", "Anand"),
    ],
)
def test_more_ways_of_saying_who_writes(text, name):
    assert find_name(text)[0] == name


@pytest.mark.parametrize("text", ["hi im checking", "i'm wondering", "saya nak", "hi, i'm ok", "its Friday"])
def test_what_the_guest_is_doing_or_a_day_after_i_am_is_no_name(text):
    assert find_name(text)[0] is None

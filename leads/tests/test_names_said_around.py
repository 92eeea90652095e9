"""Names said the way guests say them (issue 15, t15d4): after an interjection or an apology ("eh, Hafiz",
"Maaf lambat balas. Nurul Izzah"), with thanks or a particle after them ("Priya thanks", "Tan Ah Kow lah"),
corrected or given in full later ("silap, … bin …"), beside a contact with an acknowledgement ("ok 012… Lee Wei");
one-word replies that are nobody's name ("yup", "tq", "okk"); and the YES to the summary however it is typed
("yesss", "correct", "can", "yes, no changes").

Every message here was written for these tests; none is taken from a dialogue set.
"""

from __future__ import annotations

import pytest

from leads.services.extraction import extract, name_beside_contact
from leads.services.names import restates_name, without_chatter
from leads.services.policy import CONTACT
from leads.tests.accuracy import CTX, fields  # 23 November 2026, Kuala Lumpur
from leads.turn import answer_hint, leading_name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("eh, Kamal", "Kamal"),
        ("Oops, Teo Siew Lan", "Teo Siew Lan"),
        ("Maaf lambat balas. Siti Aminah binti Yusof", "Siti Aminah binti Yusof"),
        ("ok tq. Rohani Ismail", "Rohani Ismail"),
        ("sorry Deepa", "Deepa"),
        ("Oh ya, Wan Azlina", "Wan Azlina"),
        ("alamak silap. Ganesh", "Ganesh"),
        ("sorry for the late reply, Chong Wai Kit", "Chong Wai Kit"),
        ("Ganesh thanks", "Ganesh"),
        ("Lee Ah Seng lah", "Lee Ah Seng"),
        ("Nadia :)", "Nadia"),
        ("boleh, Faridah", "Faridah"),
        # t24d (test_sentences_said_to_the_name_question): a name opening with initials, or after an acknowledgement.
        ("R. Kumaran", "R. Kumaran"),
        ("A.B. Lim, 012-778 1234", "A.B. Lim"),
        ("ok fine, Teoh Kah Wai", "Teoh Kah Wai"),
        ("Wan Sulaiman", "Wan Sulaiman"),
        ("siti hajar", "siti hajar"),
    ],
)
def test_the_name_is_read_with_its_initials_and_past_the_interjection_apology_or_thanks_around_it(text, name):
    assert answer_hint(text, "name") == f"my name is {name}"


@pytest.mark.parametrize(
    "text", ["yup", "tq", "okk", "eh sorry", "Maaf ye", "Sure thing", "ya betul", "silap", "Alhamdulillah", "Mantap"]
)
def test_a_one_word_or_chatter_reply_to_the_name_question_is_nobody_s_name(text):
    assert answer_hint(text, "name") is None
    assert answer_hint(text, "check_in", names_only=True) is None  # nor said alone while an enquiry is open


def test_chatter_before_a_name_given_unasked_or_beside_the_details_is_no_name():
    assert answer_hint("Eh, Harun", "adults", names_only=True) == "my name is Harun"
    assert answer_hint("Eh?", "adults", names_only=True) is None
    assert leading_name("Eh, 3 nights") is None
    assert leading_name("Silap, 4 adults") is None


def test_a_name_syllable_that_is_also_chatter_stays_in_the_name():
    assert without_chatter("Ah Meng") == "Ah Meng"
    assert answer_hint("Lim Ya Ting", "name") == "my name is Lim Ya Ting"
    assert answer_hint("Ah, Kelvin", "name") == "my name is Kelvin"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("ok 013-555 6060 Tan Boon Huat", "Tan Boon Huat"),
        ("boleh, 013-555 6060 Rahimah", "Rahimah"),
        ("013-555 6060 tq, Tan Boon Huat", "Tan Boon Huat"),
        ("sorry, 013-555 6060 - Tan Boon Huat", "Tan Boon Huat"),
    ],
)
def test_an_acknowledgement_beside_a_contact_and_a_name_is_no_part_of_the_name(text, name):
    assert name_beside_contact(text, "MY") == name
    assert answer_hint(text, CONTACT) in (None, f"my name is {name}")  # the extraction reads it, or the hint does
    assert fields(text)["name"] == name


def test_a_name_given_with_bin_or_a_l_in_reply_to_the_contact_question_is_read():
    assert answer_hint("silap, Mohd Rizal bin Osman", CONTACT) == "my name is Mohd Rizal bin Osman"
    assert answer_hint("Sivakumar a/l Raju", CONTACT) == "my name is Sivakumar a/l Raju"


def test_a_later_name_that_corrects_or_completes_the_first_replaces_it_however_it_is_said():
    assert fields("nama saya Mohd Rizal", "sorry, I'm Mohd Rizal bin Osman")["name"] == "Mohd Rizal bin Osman"
    assert fields("my name is Anand", "I'm Anand s/o Pillai")["name"] == "Anand s/o Pillai"
    # A weaker name that neither corrects nor completes the first leaves it.
    assert fields("my name is Anand", "this is Mr. Tan's booking, I'm Karen")["name"] == "Anand"
    assert restates_name("Priya", "Priya d/o Rajan", "I'm Priya d/o Rajan")
    assert not restates_name("Priya", "Karen", "I'm Karen")
    assert restates_name("Priya", "Karen", "silap, I'm Karen")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Hello, Hisham speaking. Need a room on 5 June 2027", "Hisham"),
        ("Salam, Rosnani di sini. Nak tempah bilik 5 Jun 2027", "Rosnani"),
        ("sure, 013-555 6060. name Tan Boon Huat", "Tan Boon Huat"),
    ],
)
def test_more_ways_of_saying_who_is_writing(text, name):
    assert extract([text], CTX).fields.name == name


def test_a_name_after_the_details_is_read_and_a_place_is_not():
    assert leading_name("2 adults. Hidayah") == "Hidayah"
    assert leading_name("2 adults 1 kid, Farah Lim") == "Farah Lim"
    assert leading_name("2 adults, Singapore") is None
    assert leading_name("3 nights, Deluxe") is None

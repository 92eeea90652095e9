"""Lead details in wordings the fifth tuning round found unread (issue 15, t15d): one test per kind. Initials in a
name, the person a booking is for, a name written after the words that lead to a contact ("call me on", "my
details:"), a month that starts a name, the party as "N of us" or a parent with their children, "lebih kurang"
(about) before a count, a date written with dots, showers and open houses as events, an event's equipment and an
extra bed as requests; "s/o" names, a name in brackets, several sign-offs before a name, the children counted after
them in Malay ("anak kami seorang pun ikut"), a role after the name ("Mr. Kumar, teacher, 012…"), "nama" opening
a clause, "for myself", a jamuan.

The names with initials, a month first or the person a booking is for are read by the names' table in
test_wording_variety, which the same test would otherwise repeat.

Every message here was written for these tests; none is taken from a dialogue set.
"""

from __future__ import annotations

import pytest

from leads.services.extraction import find_name, name_beside_contact
from leads.tests.accuracy import fields


@pytest.mark.parametrize(
    "text", ["a room for June 12 please", "booking for Deluxe King", "reservation for Christmas 2027", "room for Two"]
)
def test_a_date_a_room_or_a_holiday_after_for_is_nobody(text: str) -> None:
    assert find_name(text)[0] is None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("you can reach me at 018-220 3344, Farhan Aziz", "Farhan Aziz"),
        ("whatsapp me on 012 998 1122 - Joanne Teh", "Joanne Teh"),
        ("my email is kl.ooi@example.com, Ooi Kah Leng", "Ooi Kah Leng"),
        ("hubungi saya di 019-555 0101, Syafiq", "Syafiq"),
        ("nombor saya 013-770 8080 Aina Sofea", "Aina Sofea"),
        ("ok my details: Yap Mun Kit 0165554433", "Yap Mun Kit"),
        ("maklumat saya: Rosli Hamid, 012-700 8899", "Rosli Hamid"),
        ("Suresh s/o Maniam, 016-707 1234", "Suresh s/o Maniam"),
        ("Tel: 013-808 2020 (Encik Kamal)", "Encik Kamal"),
        ("hubungi saya: 012-606 7788, Nadia", "Nadia"),
        ("Ms. Ong, events manager, 03-2288 1100", "Ms. Ong"),
    ],
)
def test_a_name_beside_a_contact_after_its_lead_in_or_in_brackets_is_the_writer(text: str, name: str) -> None:
    assert name_beside_contact(text, "MY") == name


@pytest.mark.parametrize(
    ("messages", "adults", "children"),
    [
        (["a room on 3 Jan 2027, four of us"], 4, None),
        (["need a room 3 Jan 2027 for 2 nights", "the 3 of us"], 3, None),
        (["a room 3 Jan 2027, me, my husband and our 3 kids"], 2, 3),
        (["room for myself and my 2 children, 3 Jan 2027"], 1, 2),
        (["nak bilik 3hb Jan 2027, saya, suami dan 2 anak"], 2, 2),
        (["nak bilik 3hb Jan 2027, saya dan 3 anak"], 1, 3),
        (["two nights from 3 Jan 2027 just for myself"], 1, None),
        (["a room on 3 Jan 2027 for me, hubby and 2 kids"], 2, 2),
        (["nak bilik 3hb Jan 2027 untuk saya dan suami", "anak kami seorang pun ikut"], 2, 1),
        (["nak bilik 3hb Jan 2027, 2 dewasa", "budak-budak nak ikut, 3 orang"], 2, 3),
    ],
)
def test_the_party_as_us_a_parent_with_children_or_children_counted_after_them(messages, adults, children) -> None:
    got = fields(*messages)
    assert (got.get("adults"), got.get("children")) == (adults, children)


def test_a_date_written_with_dots_and_its_year_is_a_date_but_a_time_is_not() -> None:
    assert fields("a room from 14.3.2027 for 2 nights")["check_in"] == "2027-03-14"
    assert "check_in" not in fields("can I check in at 10.30? I mean for a room, 2 nights")


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("meeting for 25 on 3 Mar 2027, we need a projector and a whiteboard", "projector"),
        ("meeting for 25 on 3 Mar 2027, we need a projector and a whiteboard", "whiteboard"),
        ("majlis 300 orang 3 Mac 2027, perlu sistem PA", "sistem PA"),
        ("dinner for 40 on 3 Mar 2027, 6 vegetarian meals please", "vegetarian meals"),
        ("Family Suite 3 Mar 2027, and an extra bed please", "extra bed"),
        ("bilik keluarga 3hb Mac 2027, nak katil tambahan", "katil tambahan"),
    ],
)
def test_an_events_equipment_and_an_extra_bed_are_special_requests(text: str, wanted: str) -> None:
    assert wanted.casefold() in (fields(text).get("special_requests") or "").casefold()


def test_lebih_kurang_is_about_a_count_not_one_less() -> None:
    got = fields("majlis doa selamat 9hb Sept 2027, lebih kurang 80 orang")
    assert (got["intent"], got["group_size"]) == ("event", 80)
    assert fields("nak bilik 3hb Jan 2027, 4 orang dewasa", "kurang seorang")["adults"] == 3


@pytest.mark.parametrize(
    "text",
    ["we'd like to hold a bridal shower for 20 ladies on 4 Apr 2027", "open house Raya untuk 300 orang, 4hb Apr 2027"],
)
def test_showers_and_open_houses_are_events_and_a_baby_shower_brings_no_child(text: str) -> None:
    got = fields(text)
    assert got["intent"] == "event" and "children" not in got
    assert "children" not in fields("a baby shower for 30 on 4 Apr 2027")


def test_the_name_after_the_last_of_several_sign_offs() -> None:
    assert find_name("Mohon maklum balas. Sekian, terima kasih. Puan Rahimah Said")[0] == "Puan Rahimah Said"
    assert find_name("Please advise. Thanks, regards, Dr. Wong Kit")[0] == "Dr. Wong Kit"


def test_an_address_names_no_intent() -> None:
    assert fields("please write to meetings@example.com about a room on 3 Jan 2027")["intent"] == "room_booking"


def test_a_jamuan_is_an_event_and_counts_its_guests() -> None:
    got = fields("jamuan akhir tahun untuk 90 orang, 10hb Dis 2027")
    assert (got["intent"], got["group_size"], got["event_date"]) == ("event", 90, "2027-12-10")


@pytest.mark.parametrize(
    ("messages", "nights", "check_out"),
    [
        (["a room 10-12 Aug 2027", "could we add one more night?"], 3, "2027-08-13"),
        (["bilik 10hb Ogos 2027, 2 malam", "tambah satu malam lagi"], 3, "2027-08-13"),
        (["room from 10 Aug 2027 for 2 nights", "an extra night please"], 3, "2027-08-13"),
    ],
)
def test_a_night_added_lengthens_the_stay(messages, nights, check_out) -> None:
    got = fields(*messages)
    assert (got["nights"], got["check_out"]) == (nights, check_out)


@pytest.mark.parametrize(
    ("text", "adults", "children"),
    [
        ("bilik 3hb Jan 2027, dewasa 2, kanak2 1", 2, 1),
        ("bilik 3hb Jan 2027, 3 dewasa 1 bayi", 3, 1),
        ("2 rooms for 4 adults 5-7 Feb 2027", 4, None),
        ("bilik 3hb Jan 2027, anak 5 tahun, 2 dewasa", 2, None),
        ("bilik 3hb Jan 2027, 2 dewasa, budak 7 thn", 2, None),  # typed short, still an age
        ("a room on 3 Jan 2027 for my husband, me and our 2 kids", 2, 2),
    ],
)
def test_a_count_after_its_label_without_a_colon_and_a_companion_before_me(text, adults, children) -> None:
    got = fields(text)
    assert (got.get("adults"), got.get("children")) == (adults, children)


def test_a_full_name_label_and_a_long_name_before_here() -> None:
    assert find_name("nama penuh: Nor Azizah binti Hamid")[0] == "Nor Azizah binti Hamid"
    assert find_name("Full name: Lee Chong Hui")[0] == "Lee Chong Hui"
    assert find_name("Mdm Wong Siew Mei here, about a room")[0] == "Mdm Wong Siew Mei"

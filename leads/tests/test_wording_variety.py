"""Lead details read right from wordings nobody had tuned for (issue 15, bar 1 on held-out dialogues): one test
per kind of wording: ordinal dates and their ranges, a bare day that corrects the stay, a date ruled out ("not
the 20th"), a day and month that is no head count, stays in weeks, one guest or two in words, "N of us", a
gathering "for N", a birthday dinner that is a table, names with a title or "here", a room described rather
than named (from the knowledge base's words), Malay room words; a bare day said for the check-out, the guest
and their other half, a local mobile number newer than the phone library, a bare name with a title or a
company; fixed-date holidays, the party as travel agents and friends write it ("2A1C", "2 dws 1 kanak", "me + 3
friends"), "call me Ken"; a day in words beside a month, grown-ups and teenagers, the one adult a guest
travels with, a contact label, a bare name that ends at the company; a count ending the clause after "for", and
what only looks like a detail (weeks ago, a year after "for", a question that starts "Parking here").

Every message here was written for these tests; none is taken from a dialogue set.
"""

from __future__ import annotations

import pytest

from knowledge.models import KnowledgeItem
from leads.models import RoomRate
from leads.services.catalogue import room_options
from leads.services.dates import find_dates
from leads.services.extraction import find_name
from leads.services.schema import ExtractionContext, RoomOption
from leads.tests.accuracy import CTX, fields
from leads.turn import answer_hint

BASE = CTX.reference.astimezone(CTX.tzinfo)


@pytest.mark.parametrize(
    ("text", "check_in", "check_out"),
    [
        ("from the 3rd to the 6th of August 2027", "2027-08-03", "2027-08-06"),
        ("dari 3hb hingga 5hb Mac 2027", "2027-03-03", "2027-03-05"),
        ("June 20th to 23rd 2027", "2027-06-20", "2027-06-23"),
        ("for the weekend of the 12th of June 2027", "2027-06-12", None),
    ],
)
def test_ordinal_days_and_their_ranges_are_dates(text: str, check_in: str, check_out: str | None) -> None:
    got = fields(f"a room please, {text}")
    assert (got.get("check_in"), got.get("check_out")) == (check_in, check_out)


@pytest.mark.parametrize(
    ("first", "correction", "check_in", "check_out"),
    [
        ("Can I book a room for 20 June 2027, 2 nights?", "sorry, the 21st not the 20th", "2027-06-21", "2027-06-23"),
        ("Nak book bilik 21 Ogos 2027, 2 malam", "maaf, 22hb bukan 21hb", "2027-08-22", "2027-08-24"),
        ("a room 3 to 5 July 2027 please", "oops, the 4th", "2027-07-04", "2027-07-06"),
    ],
)
def test_a_bare_day_moves_the_known_stay_within_its_month_keeping_its_length(
    first: str, correction: str, check_in: str, check_out: str
) -> None:
    got = fields(first, correction)
    assert (got["check_in"], got["check_out"]) == (check_in, check_out)


def test_a_date_ruled_out_is_not_read_and_a_day_in_other_words_is_no_date() -> None:
    assert [m.start.isoformat() for m in find_dates("25 June 2027, not 24 June", BASE)] == ["2027-06-25"]
    assert find_dates("we were on the 2nd floor last time", BASE) == []
    assert [m.kind for m in find_dates("for her 70th birthday on 3 May 2027", BASE)] == ["day_month"]


@pytest.mark.parametrize(
    "text", ["Can I book a room for 20 June 2027?", "Tempah bilik untuk 5hb Mei 2027", "a dinner for 20/6/2027"]
)
def test_a_day_and_month_is_never_a_head_count(text: str) -> None:
    assert "group_size" not in fields(text)


@pytest.mark.parametrize(
    ("text", "nights"),
    [("room for two weeks from 1 July 2027", 14), ("dua minggu", 14), ("for a fortnight", 14), ("a week", 7)],
)
def test_a_stay_in_weeks_is_counted_in_nights(text: str, nights: int) -> None:
    assert fields(text)["nights"] == nights


@pytest.mark.parametrize("text", ["arriving in 2 weeks", "datang 2 minggu lagi", "dalam 2 minggu"])
def test_weeks_that_say_when_are_no_stay(text: str) -> None:
    assert "nights" not in fields(text)


@pytest.mark.parametrize(
    ("text", "adults"),
    [
        ("just myself", 1), ("only me this time", 1), ("saya seorang je", 1), ("kami berdua", 2),
        ("me and my fiancée", 2), ("the two of us", 2),
    ],
)  # fmt: skip
def test_one_guest_or_two_in_words(text: str, adults: int) -> None:
    assert fields(f"room for 3 nights, {text}")["adults"] == adults


@pytest.mark.parametrize(
    ("messages", "group_size"),
    [
        (("Booking 3 to 5 July 2027 for 2 adults", "actually 4 of us"), 4),
        (("We need a meeting for 20 on 3 March 2027",), 20),
        (("majlis untuk 150 orang",), 150),
        (("kami bertiga",), 3),
        (("a meeting for 2 days for 30 people",), 30),
    ],
)
def test_the_party_said_as_a_count_of_us_or_a_gathering_for_n(messages: tuple[str, ...], group_size: int) -> None:
    assert fields(*messages)["group_size"] == group_size


def test_a_birthday_dinner_is_a_table_and_an_annual_dinner_an_event() -> None:
    assert fields("Nak tempah meja makan malam hari jadi di restoran untuk 10 orang")["intent"] == "fb_inquiry"
    assert fields("a birthday dinner at the restaurant for 8")["intent"] == "fb_inquiry"
    assert fields("annual dinner for 200 staff on 10 December 2027")["intent"] == "event"
    assert fields("nak buat parti hari jadi anak untuk 40 orang")["intent"] == "event"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("this is Mr. Tan", "Mr. Tan"),
        ("My name is Mr. Tan Ah Kow", "Mr. Tan Ah Kow"),
        ("nama saya Siti binti Ali", "Siti binti Ali"),
        ("sy Puan Zaleha", "Puan Zaleha"),
        ("Hello, Aisyah here", "Aisyah"),
        ("Tan Wei Ming here, need a room", "Tan Wei Ming"),
        # t15d (test_initials_and_families): initials, a month that starts a name, the person a booking is for.
        ("Name: P. Ramasamy", "P. Ramasamy"),
        ("nama saya M. Saravanan", "M. Saravanan"),
        ("I'm J. K. Wong", "J. K. Wong"),
        ("Hi, May Chen here", "May Chen"),
        ("my name is Jun Hao Lee", "Jun Hao Lee"),
        ("please make the reservation for Mr. Lau Beng Huat", "Mr. Lau Beng Huat"),
        ("tempahan untuk Puan Rosmah", "Puan Rosmah"),
        ("baik. nama Siew Mei, boleh call bila-bila", "Siew Mei"),
        ("email hendry@example.com, name is Hendry Goh", "Hendry Goh"),
    ],
)
def test_names_with_a_title_a_malay_cue_here_or_initials(text: str, name: str) -> None:
    assert find_name(text)[0] == name


@pytest.mark.parametrize("text", ["this is Mr.", "Dinner here is good?", "the 2nd floor here"])
def test_no_name_where_none_was_given(text: str) -> None:
    assert find_name(text)[0] is None


DESCRIBED = (
    RoomOption("Deluxe King Room", ("Deluxe King",), None, "One king-size bed, a rain shower and a city view."),
    RoomOption("Family Suite", (), None, "Two bedrooms, a living area with a sofa bed and two bathrooms."),
    RoomOption("Accessible Twin Room", ("Accessible Twin",), None, "A roll-in shower, grab rails; two single beds."),
)
DESCRIBED_CTX = ExtractionContext(CTX.reference, CTX.timezone, CTX.country, DESCRIBED)


@pytest.mark.parametrize(
    ("text", "room"),
    [
        ("the room with the city view", "Deluxe King Room"),
        ("bilik yang ada pemandangan bandar", "Deluxe King Room"),
        ("the one with two bathrooms please", "Family Suite"),
        ("Saya nak tempah bilik OKU", "Accessible Twin Room"),
    ],
)
def test_a_room_described_or_named_in_the_guests_words(text: str, room: str) -> None:
    assert fields(text, ctx=DESCRIBED_CTX)["room_type"] == room


@pytest.mark.parametrize("text", ["a room with a balcony", "a room with a shower", "can I get a baby cot in the room?"])
def test_words_that_fit_no_room_or_several_name_none(text: str) -> None:
    assert "room_type" not in fields(text, ctx=DESCRIBED_CTX)


@pytest.mark.django_db
def test_the_knowledge_bases_room_descriptions_reach_the_room_options(in_a: None) -> None:
    KnowledgeItem.objects.create(category="rooms", title="Garden Room", content="Ground floor, a terrace on the lawn.")
    RoomRate.objects.create(name="Garden", nightly_rate=300)
    by_name = {option.name: option.description for option in room_options()}
    assert by_name == {"Garden": "Ground floor, a terrace on the lawn."}  # the rate row, described by the item


@pytest.mark.parametrize(
    ("messages", "check_in", "check_out"),
    [
        (("Arriving Friday 11 June 2027 and leaving Sunday the 13th",), "2027-06-11", "2027-06-13"),
        (("checking in on the 2nd of May 2027, checking out on the 5th",), "2027-05-02", "2027-05-05"),
        (("a room from 28 May 2027", "checking out on the 2nd"), "2027-05-28", "2027-06-02"),
    ],
)
def test_a_bare_day_said_for_the_check_out_follows_the_check_in(
    messages: tuple[str, ...], check_in: str, check_out: str
) -> None:
    got = fields(*messages)
    assert (got["check_in"], got["check_out"]) == (check_in, check_out)


@pytest.mark.parametrize(
    "text",
    ["myself and my husband", "I'm coming with my wife", "saya dengan suami", "my partner and me", "suami isteri"],
)
def test_the_guest_and_their_other_half_are_two_adults(text: str) -> None:
    assert fields(f"a room for 2 nights, {text}")["adults"] == 2


def test_a_local_mobile_number_newer_than_the_phone_library_is_still_the_guests_phone() -> None:
    assert fields("hp 011-9988 7766")["phone"] == "+601199887766"
    assert "phone" not in fields("booking 01/02/2027 for room 0804, RM 0.50 for the locker")


@pytest.mark.parametrize(
    ("text", "hint"),
    [("Mrs. Fernandez", "my name is Mrs. Fernandez"), ("Lisa Ng, Bright Co", "my name is Lisa Ng")],
)
def test_a_bare_name_with_its_title_or_its_company(text: str, hint: str) -> None:
    assert answer_hint(text, "name") == hint


HOLIDAY_STAYS = {
    "a room for Christmas Eve 2027, 3 nights": "2027-12-24",
    "bilik untuk malam tahun baru 2027": "2027-12-31",
    "Hari Malaysia 2027, 2 malam": "2027-09-16",
}


def test_a_holiday_on_a_fixed_date_is_that_date() -> None:
    assert {text: fields(text).get("check_in") for text in HOLIDAY_STAYS} == HOLIDAY_STAYS


def test_a_greeting_for_a_holiday_is_no_date() -> None:
    assert "check_in" not in fields("Merry Christmas to you all! Selamat Hari Malaysia")


@pytest.mark.parametrize(
    ("text", "adults", "children", "group_size"),
    [
        ("Family suite, 2A1C, 3D2N", 2, 1, 3),
        ("nk tempah bilik 2 dws 1 kanak", 2, 1, 3),
        ("2 adults and 1 infant", 2, 1, 3),
        # t15d3: the friends a guest names are grown-ups, and so is the guest (before: the party only).
        ("a room for me + 3 friends", 4, None, 4),
        ("saya dan 2 kawan", 3, None, 3),
    ],
)
def test_the_party_as_agents_and_friends_write_it(
    text: str, adults: int | None, children: int | None, group_size: int
) -> None:
    got = fields(text)
    assert (got.get("adults"), got.get("children"), got["group_size"]) == (adults, children, group_size)


@pytest.mark.parametrize(
    ("text", "name"), [("call me Ken", "Ken"), ("Saya, Amirul", "Amirul"), ("Cheers, Marcus", "Marcus")]
)
def test_a_name_after_call_me_a_comma_or_a_sign_off_and_no_bare_name_hint_over_it(text: str, name: str) -> None:
    assert find_name(text)[0] == name
    assert answer_hint(text, "name") is None  # the extraction reads it; no "my name is Cheers"


@pytest.mark.parametrize("text", ["call me at 012-345 6789", "Call me ASAP"])
def test_call_me_with_no_name_after_it_names_nobody(text: str) -> None:
    assert find_name(text)[0] is None


def test_a_day_in_words_beside_a_month_is_a_date_and_elsewhere_is_not() -> None:
    assert fields("we arrive on the first of July 2027 and stay a week")["check_in"] == "2027-07-01"
    assert fields("a room for July twenty-first 2027")["check_in"] == "2027-07-21"
    assert "check_in" not in fields("my second visit, the room in May was lovely")


@pytest.mark.parametrize(
    ("text", "adults", "children"),
    [("2 grown-ups and 2 teenagers", 2, 2), ("for my mother and me", 2, None), ("saya dan emak", 2, None)],
)
def test_grown_ups_teenagers_and_the_one_adult_a_guest_travels_with(
    text: str, adults: int, children: int | None
) -> None:
    got = fields(f"a room for 2 nights, {text}")
    assert (got["adults"], got.get("children")) == (adults, children)


def test_a_contact_label_names_the_guest_and_a_bare_name_ends_at_the_company() -> None:
    assert fields("Contact: Mr. Wong, 03-7711 2233")["name"] == "Mr. Wong"
    assert "name" not in fields("Contact: 012-345 6789")
    assert answer_hint("Jason Lim from Acme", "name") == "my name is Jason Lim"
    assert answer_hint("Aida dari HR", "name") == "my name is Aida"
    assert fields("hey, the deluxe king 4-6 march 2027 for 2 ppl")["group_size"] == 2


def test_what_only_looks_like_a_detail_is_none() -> None:
    assert "nights" not in fields("we stayed with you 2 weeks ago")
    assert fields("planning our wedding for 2027, about 200 guests")["group_size"] == 200  # 2027 is a year
    assert find_name("Parking here, is it free?")[0] is None


def test_a_count_that_ends_the_clause_after_for_is_the_party() -> None:
    assert fields("book deluxe king 3 nights from 22 Oct 2027 for 2")["group_size"] == 2
    assert fields("nak bilik 1 malam untuk 3.")["group_size"] == 3
    assert "group_size" not in fields("a room for 2 nights, or keep it for 2028.")
    assert "group_size" not in fields("do you have a room for 2027?")

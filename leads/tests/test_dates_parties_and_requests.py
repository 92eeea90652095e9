"""Dates, parties, names and intents in wordings the seventeenth tuning round found unread (issue 15, t15d7): a
travel agent's "3A1K", a check-out written without its year, the day a guest will call back (no day of the stay),
a month said alone to correct the stay, the party said again as "us", Malay names' short forms with their full stop,
a boardroom, a hi-tea, a dinner for a crowd, a coffee break, "takpe" (no name), "tonight" as one night, and a request
for a person that is a booking enquiry (not a complaint, nor about a stay the guest already has). One test per kind.

Every message here was written for these tests; none is taken from a dialogue set.
"""

from __future__ import annotations

import pytest

from leads.services.extraction import find_name
from leads.tests.accuracy import fields  # 23 November 2026, Kuala Lumpur
from leads.turn import answer_hint, enquiry_to_a_person


@pytest.mark.parametrize(("text", "adults", "children"), [("Family suite, 3A1K", 3, 1), ("2a+2k deluxe king", 2, 2)])
def test_adults_and_kids_as_an_agent_writes_them(text, adults, children) -> None:
    got = fields(text)
    assert (got["adults"], got["children"]) == (adults, children)


@pytest.mark.parametrize(
    ("messages", "check_in", "check_out"),
    [
        (["Deluxe king, check in 30 Dec 2027, check out 2 Jan"], "2027-12-30", "2028-01-02"),
        (["Family suite arriving 10 Aug 2027 and leaving 14 Aug"], "2027-08-10", "2027-08-14"),
        (["Family suite from 10 Aug 2027", "leaving 13 Aug"], "2027-08-10", "2027-08-13"),
    ],
)
def test_a_check_out_written_without_its_year_follows_the_check_in(messages, check_in, check_out) -> None:
    got = fields(*messages)
    assert (str(got["check_in"]), str(got["check_out"])) == (check_in, check_out)


@pytest.mark.parametrize(
    "later",
    [
        "ok I'll call you back tomorrow to confirm",
        "nanti sy telefon esok",
        "let me discuss with my wife and get back to you next week",
    ],
)
def test_the_day_a_guest_will_call_or_decide_is_no_day_of_the_stay(later) -> None:
    got = fields("Deluxe king for 2 adults, 3 to 5 June 2027", later)
    assert (str(got["check_in"]), str(got["check_out"])) == ("2027-06-03", "2027-06-05")


def test_a_day_of_the_stay_said_beside_a_call_is_still_read() -> None:
    assert str(fields("can you call me? I need a deluxe king for tomorrow")["check_in"]) == "2026-11-24"


@pytest.mark.parametrize(
    ("later", "check_in", "check_out"),
    [
        ("silap, bukan Mei, Jun", "2027-06-12", "2027-06-15"),
        ("sorry, I meant August", "2027-08-12", "2027-08-15"),
        ("actually January not May", "2028-01-12", "2028-01-15"),
        ("sorry, may I ask the price?", "2027-05-12", "2027-05-15"),  # "may" asks; it moves nothing
    ],
)
def test_a_month_said_alone_to_correct_the_stay_moves_it(later, check_in, check_out) -> None:
    got = fields("family suite 12 Mei 2027 3 malam", later)
    assert (str(got["check_in"]), str(got["check_out"])) == (check_in, check_out)


@pytest.mark.parametrize("later", ["my sister is coming too so we are 3 now", "kami berempat sekarang"])
def test_the_party_said_again_as_us_after_the_adults_wins(later) -> None:
    expected = 3 if "3" in later else 4
    assert fields("Deluxe king for 2 adults, 3 June 2027", later)["adults"] == expected


def test_the_adults_said_after_us_win_as_before() -> None:
    assert fields("room for 3 of us", "sorry, 2 adults")["adults"] == 2


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("name: Mohd. Faris bin Hj. Salleh", "Mohd. Faris bin Hj. Salleh"),
        ("Ir. Lim Chee Wah here, need a room", "Ir. Lim Chee Wah"),
        ("Prof. Dr. Zainab Osman here", "Prof. Dr. Zainab Osman"),
        ("nama saya Md. Yusof bin Abd. Ghani", "Md. Yusof bin Abd. Ghani"),
    ],
)
def test_a_malay_names_short_forms_and_titles_keep_their_full_stop(text, name) -> None:
    assert find_name(text)[0] == name


@pytest.mark.parametrize(
    ("text", "intent", "size"),
    [
        ("Is your boardroom free for 8 managers on 4 May 2027?", "event", 8),
        ("Can we book hi-tea for 3 ladies on 2 January 2027?", "fb_inquiry", 3),
        ("A farewell dinner for 45 guests on 8 August 2027, what can you offer?", "event", 45),
        ("Makan malam kesyukuran untuk 70 orang, 9hb Mei 2027", "event", 70),
        ("Dinner for 6 on 8 August 2027 please", "fb_inquiry", 6),
        ("Buffet dinner for 40 pax at your restaurant on 8 August 2027", "fb_inquiry", 40),
    ],
)
def test_a_boardroom_a_hi_tea_and_a_dinner_for_a_crowd(text, intent, size) -> None:
    got = fields(text)
    assert (got["intent"], got["group_size"]) == (intent, size)


@pytest.mark.parametrize(
    "text", ["meeting for 20 on 2 May 2027, with a tea break at 10", "seminar 2 May 2027, tea-break"]
)
def test_a_meetings_breaks_are_requests(text) -> None:
    assert "tea" in fields(text)["special_requests"].lower()


@pytest.mark.parametrize("text", ["takpe, sy tengok2 je dulu", "xpe la, tq"])
def test_no_worries_in_malay_is_no_name(text) -> None:
    assert answer_hint(text, "name") is None


@pytest.mark.parametrize(
    ("text", "enquiry"),
    [
        ("Can I talk to your sales team? Need 2 deluxe kings 5-7 May 2027 for 4 adults", True),
        ("Boleh sambungkan dengan staf tempahan? Nak family suite 3hb Jun 2027 2 malam", True),
        ("My booking for 12 June 2027 is wrong, I want to talk to the manager", False),
        ("Nak cakap dengan pengurus, bilik saya kotor, tempah 2 malam lagi 5hb Mei 2027", False),
        ("Can I speak to someone? The room I booked for 3 May 2027 had no hot water, terrible", False),
        ("Need 2 deluxe kings 5-7 May 2027", False),  # no person asked for
    ],
)
def test_a_booking_enquiry_made_to_a_person_is_not_a_complaint_nor_a_guests_own_stay(text, enquiry) -> None:
    assert enquiry_to_a_person(text) is enquiry


@pytest.mark.parametrize(("text", "nights"), [("any room for tonight? 2 adults", 1), ("bilik mlm ni, 3 malam", 3)])
def test_tonight_is_one_night_until_the_guest_says_more(text, nights) -> None:
    assert fields(text)["nights"] == nights

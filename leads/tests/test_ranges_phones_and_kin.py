"""A date range with "through" or Malay "ke", a number from abroad written without its "+" in a range libphonenumber
does not list or with its country code in brackets, and children named by their place among the children or beside
their brother or sister, and Malay range and month words beside an English room name (t21d)."""

from __future__ import annotations

import datetime as dt

import pytest

from leads.services.extraction import GuestText, extract, find_phone
from leads.services.schema import ExtractedLead, ExtractionContext
from leads.turn import guest_language


def _fields(*messages: str) -> ExtractedLead:
    """The lead read from `messages`, on 23 November 2026 (so a yearless date is in 2027)."""
    reference = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
    return extract([GuestText(m) for m in messages], ExtractionContext(reference=reference)).fields


@pytest.mark.parametrize(
    ("text", "check_in", "check_out"),
    [
        ("Family Suite for 2 from the 2nd through the 5th of June 2027", dt.date(2027, 6, 2), dt.date(2027, 6, 5)),
        ("Family Suite for 2 adults, June 2 thru 5, 2027", dt.date(2027, 6, 2), dt.date(2027, 6, 5)),
        ("Family Suite 2 dewasa dari 3 ke 6 Mei 2027", dt.date(2027, 5, 3), dt.date(2027, 5, 6)),
        ("Bilik keluarga 2 dewasa 3 hingga ke 6 Mei 2027", dt.date(2027, 5, 3), dt.date(2027, 5, 6)),
        ("Deluxe King 2 dewasa 3 Mei 2027 sampailah 6 Mei", dt.date(2027, 5, 3), dt.date(2027, 5, 6)),
    ],
)
def test_a_range_said_through_or_ke_is_the_stay(text, check_in, check_out) -> None:
    fields = _fields(text)
    assert (fields.check_in, fields.check_out, fields.nights) == (check_in, check_out, (check_out - check_in).days)


def test_ke_between_counts_is_no_date() -> None:
    fields = _fields("Bilik untuk 2 ke 3 orang, 5 Mei 2027, 2 malam")
    assert (fields.check_in, fields.nights) == (dt.date(2027, 5, 5), 2)


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("44 7700 900123 Tom Baker", "+447700900123"),  # a range libphonenumber does not list; "+44 …" is read
        ("Tom, (65) 9123 4567", "+6591234567"),
        ("Tom Lee 33 7 12 34 56 78", "+33712345678"),
        ("Tom, 852 9123 4567", "+85291234567"),
    ],
)
def test_a_number_from_abroad_without_its_plus(text, phone) -> None:
    assert find_phone(text, "MY") == phone


@pytest.mark.parametrize(
    "text",
    [
        "Family Suite for 2 adults, 2-5 Jun 2027, budget 1500 2000 ringgit",
        "Family Suite 2 dewasa 12 15 Jun 2027 2 malam 300 400",
        "Meeting for 120 people on 12 June 2027, 9 to 5, 2 coffee breaks",
        "1 2 3 4 5 6 7 8 9",
    ],
)
def test_counts_dates_and_prices_are_no_number_from_abroad(text) -> None:
    assert find_phone(text, "MY") is None


@pytest.mark.parametrize(
    ("messages", "adults", "children"),
    [
        (["Family Suite 2 dewasa 1 hingga 3 Mac 2027", "Anak bongsu dan kakak dia pun ikut"], 2, 2),
        (["Family Suite untuk saya dan isteri 16 hingga 18 Julai 2027", "Cucu sulung dan adiknya pun nak ikut"], 2, 2),
        (["Family Suite 2 dewasa, 1 hingga 3 Mac 2027", "Anak tengah dengan abang dia ikut sama"], 2, 2),
        (["Family Suite 2 dewasa 22 hingga 24 Januari 2027", "Si bongsu dan kakaknya turut serta"], 2, 2),
        (["Family Suite 2 dewasa 1 hingga 3 Mac 2027", "anak kedua saya ikut sekali"], 2, 1),
        (
            ["Family Suite for me and my husband, 11-14 Oct 2027", "Our middle one and his big brother are joining"],
            2,
            2,
        ),
        (["Family Suite for me and my wife 1-3 Mar 2027", "my son and his older sister are coming too"], 2, 2),
        # the guest's own brother is still a grown-up
        (["Family Suite for me and my wife 1-3 Mar 2027", "my older brother is coming too"], 3, None),
        (["Family Suite 2 dewasa 1 hingga 3 Mac 2027", "abang saya pun ikut"], 3, None),
        (["2 adults, deluxe king, 4-6 Feb 2027", "my son and his best friend are tagging along"], 2, 2),
        (["2 adults, deluxe king, 4-6 Feb 2027", "my best friend is coming too"], 3, None),
        (["Salam, bilik keluarga 2+1, 6hb hingga 8hb Mac 2027"], 2, 1),
        (["Family suite 2+2 for 3 to 5 May 2027"], 2, 2),
        (["Promo 1+1 for the Deluxe King, 2 adults 3-5 May 2027"], 2, None),
    ],
)
def test_children_by_their_place_their_brother_sister_or_friend_and_a_plus_party(messages, adults, children) -> None:
    fields = _fields(*messages)
    assert (fields.adults, fields.children) == (adults, children)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Deluxe King Room 5 hingga 7 Ogos 2027", "ms"),  # the hotel's English room name beside Malay range words
        ("Family Suite sampai 9 Disember 2027", "ms"),
        ("Deluxe King Room 5 to 7 August 2027", "en"),
        ("Lim Mei Ling 012-345 6789", "en"),  # a name and a number keep the conversation's language
    ],
)
def test_a_message_naming_an_english_room_beside_malay_range_words_is_malay(text, language) -> None:
    assert guest_language(text, "en") == language

"""A stay said with its dates and no room word, a Malay package length ("4H3M"), dotted dates with a two-digit year,
and a hotel service booked for a day (a massage, the spa, a taxi) that is no room (t23d)."""

from __future__ import annotations

import datetime as dt

import pytest

from leads.models import Intent
from leads.services.extraction import GuestText, extract
from leads.services.policy import CONTACT, Decision, DialogueState, decide
from leads.services.schema import ExtractedLead, ExtractionContext

# Monday 23 November 2026, 10:00 UTC (18:00 in Kuala Lumpur): "esok" is 24 November.
REFERENCE = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def _fields(*messages: str) -> ExtractedLead:
    return extract([GuestText(m) for m in messages], ExtractionContext(reference=REFERENCE)).fields


@pytest.mark.parametrize(
    ("messages", "check_in", "check_out", "adults"),
    [
        (["2 adults, 14 to 16 September 2027"], dt.date(2027, 9, 14), dt.date(2027, 9, 16), 2),
        (["Saya dan isteri, 20 hingga 22 Julai 2027"], dt.date(2027, 7, 20), dt.date(2027, 7, 22), 2),
        (["2 dewasa, 3 malam mulai 5 Jun 2027"], dt.date(2027, 6, 5), dt.date(2027, 6, 8), 2),
    ],
)
def test_a_stay_with_its_end_or_length_is_a_room(messages, check_in, check_out, adults) -> None:
    fields = _fields(*messages)
    assert (fields.intent, fields.check_in, fields.check_out, fields.adults) == (
        Intent.ROOM_BOOKING, check_in, check_out, adults,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "nights"),
    [
        ("nak pakej 4H3M mula 10hb Ogos 2027", 3),
        ("Family Suite 2H1M, 1hb Disember 2027", 1),
        ("Pakej 3 hari 2 malam, masuk 5 Jun 2027", 2),
        ("2D1N package from 18 Oct 2027", 1),
    ],
)
def test_a_package_length_is_its_nights(text, nights) -> None:
    fields = _fields(text)
    assert (fields.intent, fields.nights) == (Intent.ROOM_BOOKING, nights)


@pytest.mark.parametrize(
    ("text", "check_in", "check_out"),
    [
        ("Deluxe King Room 12.3.27 - 14.3.27, 2 adults", dt.date(2027, 3, 12), dt.date(2027, 3, 14)),
        ("nak bilik, tarikh 12.03.27 hingga 14.03.27", dt.date(2027, 3, 12), dt.date(2027, 3, 14)),
        ("Check in 5.11.2027, check out 8.11.2027", dt.date(2027, 11, 5), dt.date(2027, 11, 8)),
    ],
)
def test_dotted_dates_with_a_two_or_four_digit_year(text, check_in, check_out) -> None:
    fields = _fields(text)
    assert (fields.check_in, fields.check_out) == (check_in, check_out)


def test_a_time_with_dots_is_no_date() -> None:
    fields = _fields("Deluxe King Room from 5 March 2027 for 2 nights, arriving at 10.30")
    assert (fields.check_in, fields.nights) == (dt.date(2027, 3, 5), 2)


@pytest.mark.parametrize(
    ("text", "thing", "day"),
    [
        ("can I book a massage for tomorrow", "massage", dt.date(2026, 11, 24)),
        ("nak book spa esok", "spa", dt.date(2026, 11, 24)),
        ("boleh tempah urutan untuk 2 orang petang esok?", "urutan", dt.date(2026, 11, 24)),
        ("Nak tempah teksi ke KLIA pagi esok", "teksi", dt.date(2026, 11, 24)),
    ],
)
def test_a_service_booked_for_a_day_is_no_room(text, thing, day) -> None:
    fields = _fields(text)
    assert (fields.intent, fields.special_requests, fields.event_date, fields.check_in) == (
        Intent.GENERAL, thing, day, None,
    )  # fmt: skip


def test_a_question_about_the_spa_books_nothing() -> None:
    assert _fields("What time does the spa open tomorrow?").special_requests is None


def test_a_service_asked_for_is_taken_to_a_contact_a_bare_general_enquiry_is_not() -> None:
    state = DialogueState()
    booked = _fields("can I book a massage for tomorrow")
    assert decide(booked, state, gave_details=True) == Decision("ask", CONTACT)
    assert decide(_fields("hello, can I ask something"), state, gave_details=True).kind == "none"

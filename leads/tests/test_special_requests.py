"""Special requests: kept on the lead in the guest's words, shown to staff, never asked for."""

from __future__ import annotations

import datetime as dt

import pytest

from leads.services.extraction import GuestText, extract
from leads.services.policy import DialogueState, decide, missing
from leads.services.schema import ExtractedLead, ExtractionContext

CTX = ExtractionContext(reference=dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC))


@pytest.mark.parametrize(
    ("messages", "wanted"),
    [
        (["Book a room for 2 nights please", "Could we have an extra pillow?"], ["extra pillow"]),
        (["We arrive late, late check-in around midnight"], ["late check-in"]),
        (["A baby cot please, and my husband is allergic to peanuts."], ["baby cot", "allergic to peanuts"]),
        (["Nak tempah bilik 2 malam", "Saya ada alahan kacang"], ["alahan kacang"]),
        (["Minta bilik tingkat atas dan katil bayi"], ["tingkat atas", "katil bayi"]),
    ],
)
def test_special_requests_are_read_from_any_message(messages, wanted):
    got = extract([GuestText(m) for m in messages], CTX).fields.special_requests or ""
    assert all(phrase in got for phrase in wanted), got


def test_a_request_said_twice_is_kept_once():
    fields = extract([GuestText("extra pillow please"), GuestText("Extra pillow, thanks")], CTX).fields
    assert fields.special_requests == "extra pillow"


def test_no_request_no_field():
    fields = extract([GuestText("Book a Deluxe King for 2 nights from 3 March 2027")], CTX).fields
    assert fields.special_requests is None


def test_special_requests_are_never_asked_for():
    fields = ExtractedLead(intent="room_booking", check_in=dt.date(2027, 3, 3), nights=2, adults=2)
    assert "special_requests" not in missing(fields)
    decision = decide(fields, DialogueState(), gave_details=True)
    assert decision.slot != "special_requests"


def test_the_field_is_bounded_and_tidied():
    assert ExtractedLead(special_requests="  extra   pillow ").special_requests == "extra pillow"
    assert len(ExtractedLead(special_requests="x" * 900).special_requests or "") == 500

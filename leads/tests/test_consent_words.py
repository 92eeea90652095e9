"""The consent step's words: the summary, the YES/NO question with buttons, and reading the reply."""

from __future__ import annotations

import datetime as dt

import pytest

from leads.models import Lead
from leads.services.consent import consent_request, next_question, read_consent_reply, summary


@pytest.mark.parametrize(
    ("reply", "answer"),
    [
        ("YES", True), ("yes please", True), ("ok boleh", True), ("Ya", True), ("setuju", True), ("👍", True),
        ("no problem, go ahead", True), ("consent_yes", True), ("baiklah", True), ("okla", True),
        ("alright", True), ("sounds good", True), ("teruskan", True),
        ("NO", False), ("no thanks", False), ("tak nak", False), ("tidak", False), ("jangan", False),
        ("tak boleh", False), ("consent_no", False), ("don't share it", False),
        ("what is the price?", None), ("hmm", None), ("", None),
    ],
)  # fmt: skip
def test_it_reads_yes_and_no_in_english_and_malay_and_admits_when_unclear(reply, answer):
    assert read_consent_reply(reply) is answer


def test_the_consent_request_summarises_the_lead_and_offers_two_short_buttons():
    lead = Lead(
        intent="room_booking", check_in=dt.date(2026, 12, 15), check_out=dt.date(2026, 12, 17), nights=2,
        adults=2, children=1, room_type="Deluxe King", guest_name="Sarah Lim", phone="+60123456789",
    )  # fmt: skip
    english = consent_request(lead, "en")
    assert "15 Dec 2026 – 17 Dec 2026 (2 nights)" in english["text"] and "Sarah Lim" in english["text"]
    assert english["text"].endswith("Please reply YES or NO.")
    malay = consent_request(lead, "ms")
    assert "Tempahan bilik" in malay["text"] and "2 dewasa, 1 kanak-kanak" in malay["text"]
    assert "15 Dis 2026 – 17 Dis 2026 (2 malam)" in malay["text"] and "Dec" not in malay["text"]
    assert [b["id"] for b in malay["buttons"]] == ["consent_yes", "consent_no"]
    assert all(len(b["title"]) <= 20 for b in english["buttons"] + malay["buttons"])


def test_the_summary_counts_one_and_many_in_plain_english():
    one = summary(Lead(intent="room_booking", check_in=dt.date(2027, 5, 1), nights=1, adults=1, children=1), "en")
    assert "01 May 2027 (1 night)" in one and "Guests: 1 adult, 1 child" in one and "(s)" not in one
    many = summary(Lead(intent="room_booking", check_in=dt.date(2027, 5, 1), nights=3, adults=2, children=2), "en")
    assert "(3 nights)" in many and "Guests: 2 adults, 2 children" in many
    assert "01 Mei 2027" in summary(Lead(intent="room_booking", check_in=dt.date(2027, 5, 1)), "ms")


def test_the_summary_gives_the_whole_party_when_the_group_is_larger_than_the_adults_named():
    wedding = Lead(intent="event", event_date=dt.date(2027, 6, 12), adults=2, group_size=150)
    assert "Guests: 150\n" in summary(wedding, "en") + "\n" and "2 adults" not in summary(wedding, "en")
    assert "Tetamu: 150" in summary(wedding, "ms")
    family = Lead(intent="room_booking", adults=2, group_size=5)
    assert "Guests: 5 (2 adults)" in summary(family, "en")
    counted = Lead(intent="room_booking", adults=2, children=1, group_size=3)
    assert "Guests: 2 adults, 1 child" in summary(counted, "en")


def test_the_next_question_follows_the_missing_fields():
    lead = Lead(intent="event", missing_fields=["group_size", "name"])
    assert next_question(lead, "ms") == "Berapa orang tetamu dijangka?"
    assert next_question(Lead(missing_fields=[]), "en") is None
    assert "Event" in summary(lead, "en")


# A YES typed loosely, or followed by a word on the details (issue 15, t15d4); none is taken from a dialogue set.
@pytest.mark.parametrize(
    "reply",
    [
        "yesss", "yaa", "okk", "okie", "correct", "that's correct", "all good", "looks good", "perfect", "can", "👌",
        "✅", "fine, go ahead", "yes, no changes", "Yes, don't forget the extra pillows", "ya, tak ada perubahan",
        "ya tapi jangan call waktu pejabat",
    ],
)  # fmt: skip
def test_a_yes_however_it_is_typed_is_a_yes(reply):
    assert read_consent_reply(reply) is True


@pytest.mark.parametrize(
    ("reply", "answer"),
    [
        ("ok, no thanks", False), ("ok, tak nak", False), ("yes... no wait", False), ("ok but not yet", False),
        ("yes no", False), ("ok, no, 3 nights not 2", False), ("ya, tak. 4 orang", False),
        ("ok, let me think about it", False), ("ok, let me discuss with my husband first", False),
        ("ok nanti dulu, nak bincang dengan isteri", False), ("not correct", None), ("that's not right", None),
        ("can you call me instead?", None),
    ],
)  # fmt: skip
def test_a_yes_taken_back_or_a_denied_agreement_is_no_yes(reply, answer):
    assert read_consent_reply(reply) is answer

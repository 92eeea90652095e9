"""The lead-capture policy on its own: one missing thing at a time, never what is known, a contact before YES/NO."""

from __future__ import annotations

import datetime as dt

from leads.models import ConsentStatus
from leads.services.policy import CONTACT, Decision, DialogueState, decide, missing
from leads.services.schema import ExtractedLead

JUNE = dt.date(2027, 6, 20)


def room(**fields) -> ExtractedLead:
    return ExtractedLead.model_construct(**{"intent": "room_booking", **fields})


def test_it_asks_for_the_most_useful_missing_detail_first() -> None:
    assert decide(room(), DialogueState(), gave_details=True) == Decision("ask", "check_in")
    assert decide(room(check_in=JUNE), DialogueState(asked=["check_in"]), gave_details=True) == Decision(
        "ask", "nights"
    )
    known = room(check_in=JUNE, nights=2, adults=2)
    assert decide(known, DialogueState(asked=["check_in", "nights", "adults"]), gave_details=True) == Decision(
        "ask", "room_type"
    )


def test_it_never_asks_for_what_is_known_nor_twice_for_what_the_guest_passed_over() -> None:
    state = DialogueState(asked=["check_in", "nights", "adults", "room_type"])
    fields = room(check_in=JUNE, nights=2, adults=2)  # the guest did not pick a room type
    assert decide(fields, state, gave_details=True) == Decision("ask", CONTACT)
    assert "check_in" not in missing(fields) and "nights" not in missing(fields)


def test_no_summary_and_yes_no_without_a_phone_or_an_email() -> None:
    everything_but_contact = room(check_in=JUNE, nights=2, adults=2, room_type="Family Suite", name="Aisha")
    state = DialogueState(asked=["check_in", "nights", "adults", "room_type", CONTACT])
    assert decide(everything_but_contact, state, gave_details=False).kind == "none"  # no nagging
    assert decide(everything_but_contact, state, gave_details=True) == Decision("ask", CONTACT)
    with_phone = everything_but_contact.model_copy(update={"phone": "+60123456789"})
    assert decide(with_phone, state, gave_details=True) == Decision("consent")


def test_the_contact_comes_before_the_name_and_the_name_is_asked_once() -> None:
    fields = room(check_in=JUNE, nights=2, adults=2, room_type="Family Suite")
    state = DialogueState(asked=["check_in", "nights", "adults", "room_type"])
    assert decide(fields, state, gave_details=True) == Decision("ask", CONTACT)
    with_email = fields.model_copy(update={"email": "a@example.com"})
    assert decide(with_email, DialogueState(asked=[*state.asked, CONTACT]), gave_details=True) == Decision(
        "ask", "name"
    )
    assert decide(with_email, DialogueState(asked=[*state.asked, CONTACT, "name"]), gave_details=False) == Decision(
        "consent"
    )


def test_an_event_needs_its_date_and_group_size_not_a_room() -> None:
    event = ExtractedLead.model_construct(intent="event", group_size=300)
    assert decide(event, DialogueState(), gave_details=True) == Decision("ask", "event_date")
    assert "room_type" not in missing(event.model_copy(update={"event_date": JUNE}))


def test_without_a_date_the_team_gets_no_lead_to_act_on() -> None:
    undated = room(adults=2, phone="+60123456789", name="Aisha")
    asked = DialogueState(asked=["check_in", "nights", "room_type"])
    assert decide(undated, asked, gave_details=False).kind == "none"
    # New details since the date was asked: worth asking for it once more.
    assert decide(undated, DialogueState(asked=["check_in", "nights"]), gave_details=True) == Decision(
        "ask", "check_in"
    )


def test_once_consent_was_asked_given_or_declined_it_says_nothing_more() -> None:
    complete = room(check_in=JUNE, nights=2, adults=2, room_type="Family Suite", phone="+60123456789", name="A")
    for step in (ConsentStatus.ASKED, ConsentStatus.GIVEN, ConsentStatus.DECLINED):
        assert decide(complete, DialogueState(consent=step), gave_details=True).kind == "none"


def test_the_state_round_trips_through_the_session_and_reads_an_old_flat_partial_lead() -> None:
    state = DialogueState(slots={"nights": 2}, asked=["check_in", "nights"], consent="asked", lead_id=7)
    assert DialogueState.from_json(state.as_json()) == state
    old = DialogueState.from_json({"nights": 2, "intent": "room_booking"})
    assert old.slots == {"nights": 2, "intent": "room_booking"} and old.asked == [] and old.last_asked is None

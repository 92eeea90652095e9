"""The rubric: auditable points, confidence, per-property thresholds, priority and the estimated value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from leads.models import LeadSettings
from leads.services.extraction import Signals
from leads.services.rubric import assess, estimate_value, probability
from leads.services.schema import ExtractedLead, RoomOption

TODAY = dt.date(2026, 11, 23)
ROOMS = [RoomOption("Deluxe King", (), Decimal("350.00"))]


def _settings(**overrides) -> LeadSettings:
    return LeadSettings(**overrides)  # unsaved: the rubric only reads it


def _full_room_lead(**changes) -> ExtractedLead:
    values = dict(
        name="Sarah", phone="+60123456789", intent="room_booking", check_in=dt.date(2026, 12, 1),
        check_out=dt.date(2026, 12, 3), nights=2, adults=2, group_size=2, room_type="Deluxe King",
    )  # fmt: skip
    values.update(changes)
    return ExtractedLead.model_construct(**values)


def _signals(**changes) -> Signals:
    return Signals(**{"intent_hits": {"room_booking": 3}, "booking_words": ["book"], **changes})


def test_a_complete_urgent_after_hours_booking_scores_100_and_every_point_is_explained():
    result = assess(_full_room_lead(), _signals(), is_after_hours=True, today=TODAY, settings=_settings(),
                    rooms=ROOMS, rate=Decimal("350.00"))  # fmt: skip
    assert result.score == 100 and result.qualified and result.priority == "high"
    assert {name for name, row in result.breakdown.items() if not name.startswith("_") and row["met"]} == {
        "dates_given", "stay_length", "contact_given", "name_given", "room_chosen", "party_size", "urgency",
        "after_hours", "booking_words",
    }  # fmt: skip
    assert sum(row["points"] for name, row in result.breakdown.items() if not name.startswith("_")) == 100
    assert result.missing_fields == []


def test_missing_points_lower_the_score_and_are_listed_for_the_ai_to_ask():
    lead = _full_room_lead(name=None, phone=None, room_type=None, check_in=None, check_out=None)
    result = assess(lead, _signals(), is_after_hours=False, today=TODAY, settings=_settings(), rooms=ROOMS, rate=None)
    # earned: stay_length 10 + party 10 + booking words 15 = 35 of 100
    assert result.score == 35 and not result.qualified and result.priority == "low"
    assert result.missing_fields == ["check_in", "room_type", "name", "phone_or_email"]
    assert result.breakdown["room_chosen"] == {"points": 0, "max": 10, "met": False, "applies": True,
                                               "reason": "no room type"}  # fmt: skip


def test_criteria_that_do_not_apply_to_an_event_are_left_out_of_the_maximum():
    event = ExtractedLead.model_construct(intent="event", event_date=dt.date(2027, 1, 10), group_size=40,
                                          email="a@b.co")  # fmt: skip
    result = assess(event, Signals(intent_hits={"event": 2}), is_after_hours=False, today=TODAY,
                    settings=_settings(), rooms=ROOMS, rate=None)  # fmt: skip
    assert result.breakdown["room_chosen"]["applies"] is False and result.breakdown["room_chosen"]["max"] == 0
    assert result.breakdown["_summary"]["applicable"] == 80
    assert result.score == round((20 + 15 + 10) * 100 / 80)  # dates, contact, party


def test_the_qualification_threshold_is_the_propertys_own():
    lead = _full_room_lead(name=None, room_type=None)  # 100 − room 10 − name 5 − in hours 5
    for threshold, qualified in ((60, True), (90, False)):
        result = assess(lead, _signals(), is_after_hours=False, today=TODAY,
                        settings=_settings(qualified_threshold=threshold), rooms=ROOMS, rate=None)  # fmt: skip
        assert result.score == 80 and result.qualified is qualified


def test_after_hours_leads_get_high_priority_even_when_not_qualified():
    lead = ExtractedLead.model_construct(intent="room_booking")
    result = assess(lead, Signals(intent_hits={"room_booking": 1}), is_after_hours=True, today=TODAY,
                    settings=_settings(), rooms=ROOMS, rate=None)  # fmt: skip
    assert not result.qualified and result.priority == "high"


def test_ambiguity_lowers_confidence_below_the_review_line():
    clear = assess(_full_room_lead(), _signals(), is_after_hours=False, today=TODAY, settings=_settings(),
                   rooms=ROOMS, rate=None)  # fmt: skip
    murky = assess(_full_room_lead(), _signals(intent_hits={"room_booking": 1, "fb_inquiry": 1},
                   ambiguities=["intent_mixed", "room_type_tie", "date_vague", "name_weak"]),
                   is_after_hours=False, today=TODAY, settings=_settings(), rooms=ROOMS, rate=None)  # fmt: skip
    assert clear.confidence >= 0.8 and not clear.needs_review
    assert murky.confidence < 0.5 and murky.needs_review
    stricter = assess(_full_room_lead(), _signals(), is_after_hours=False, today=TODAY,
                      settings=_settings(review_below_confidence=0.99), rooms=ROOMS, rate=None)  # fmt: skip
    assert stricter.needs_review


def test_the_estimated_value_is_rate_times_nights_times_rooms_times_probability_in_decimal():
    lead = _full_room_lead(nights=3, rooms=2)
    value = estimate_value(lead, 85, _settings(), ROOMS, Decimal("350.00"))
    assert value == Decimal("1785.00") and isinstance(value, Decimal)  # 350 × 3 × 2 × 0.85
    assert estimate_value(_full_room_lead(nights=None), 33, _settings(), ROOMS, Decimal("199.99")) == Decimal("66.00")
    assert probability(67) == Decimal("0.67")


def test_no_rate_means_no_value_rather_than_a_made_up_one():
    assert estimate_value(_full_room_lead(), 100, _settings(), ROOMS, None) is None
    event = ExtractedLead.model_construct(intent="event", group_size=100)
    assert estimate_value(event, 50, _settings(), ROOMS, None) is None
    priced = _settings(event_rate_per_guest=Decimal("120.50"))
    assert estimate_value(event, 50, priced, ROOMS, None) == Decimal("6025.00")


def test_urgency_counts_only_stays_starting_within_the_window_not_past_ones():
    def urgent(check_in: dt.date) -> bool:
        result = assess(_full_room_lead(check_in=check_in), _signals(), is_after_hours=False, today=TODAY,
                        settings=_settings(urgency_days=14), rooms=ROOMS, rate=None)  # fmt: skip
        return result.breakdown["urgency"]["met"]

    assert urgent(TODAY) and urgent(TODAY + dt.timedelta(days=14))
    assert not urgent(TODAY + dt.timedelta(days=15)) and not urgent(TODAY - dt.timedelta(days=1))

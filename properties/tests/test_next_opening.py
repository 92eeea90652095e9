"""After hours the guest hears when the team is really back: the next opening in the property's own zone (across
midnight, over closed days, never for a desk open round the clock), said as a receptionist would, in EN and BM."""

from __future__ import annotations

import datetime as dt

import pytest

from properties.models import WEEKDAYS, Property, validate_operating_hours
from properties.services import next_open, opening_words, team_back

KL = dt.timezone(dt.timedelta(hours=8))  # Asia/Kuala_Lumpur has no daylight saving
NINE_TO_SIX = {day: [["09:00", "18:00"]] for day in WEEKDAYS}
WEEKDAYS_ONLY = {**NINE_TO_SIX, "sat": [], "sun": []}
ROUND_THE_CLOCK = {day: [["00:00", "24:00"]] for day in WEEKDAYS}


def _hotel(hours: dict[str, list[list[str]]], zone: str = "Asia/Kuala_Lumpur") -> Property:
    validate_operating_hours(hours)
    return Property(timezone=zone, operating_hours=hours)


def _kl(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """Monday 2026-11-23 + `day`, in Kuala Lumpur."""
    return dt.datetime(2026, 11, 23 + day, hour, minute, tzinfo=KL)


@pytest.mark.parametrize(
    ("now", "opening", "en", "ms"),
    [
        # Before midnight the desk opens tomorrow; after midnight the same opening is today's.
        (_kl(0, 19), _kl(1, 9), "from 9:00 am tomorrow", "esok dari pukul 9:00 pagi"),
        (_kl(1, 0, 30), _kl(1, 9), "at 9:00 am today", "pada pukul 9:00 pagi ini"),
        (_kl(0, 8, 59), _kl(0, 9), "at 9:00 am today", "pada pukul 9:00 pagi ini"),
    ],
)
def test_the_next_opening_across_midnight(now, opening, en, ms):
    hotel = _hotel(NINE_TO_SIX)
    assert next_open(hotel, now) == opening
    assert team_back(hotel, now, "en") == en and team_back(hotel, now, "ms") == ms


def test_a_weekend_closed_desk_is_back_on_monday():
    hotel = _hotel(WEEKDAYS_ONLY)
    friday_night, saturday, sunday_late = _kl(4, 18, 0), _kl(5, 10), _kl(6, 23)
    for now in (friday_night, saturday):
        assert next_open(hotel, now) == _kl(7, 9)
        assert team_back(hotel, now, "en") == "on Monday from 9:00 am"
        assert team_back(hotel, now, "ms") == "pada hari Isnin dari pukul 9:00 pagi"
    assert team_back(hotel, sunday_late, "en") == "from 9:00 am tomorrow"
    # Open only on Mondays: Monday evening's next opening is a week away, not "on Monday" (today).
    mondays = _hotel({"mon": [["09:00", "18:00"]]})
    assert next_open(mondays, _kl(0, 19)) == _kl(7, 9)
    assert team_back(mondays, _kl(0, 19), "en") == "next Monday from 9:00 am"
    assert team_back(mondays, _kl(0, 19), "ms") == "pada hari Isnin depan dari pukul 9:00 pagi"


def test_an_afternoon_opening_split_hours_and_a_night_shift_say_their_own_time():
    afternoon = _hotel({**NINE_TO_SIX, "tue": [["14:00", "22:00"]]})
    assert team_back(afternoon, _kl(1, 8), "en") == "at 2:00 pm today"
    assert team_back(afternoon, _kl(1, 8), "ms") == "pada pukul 2:00 petang ini"
    split = _hotel({"mon": [["07:00", "12:00"], ["14:30", "23:00"]]})
    assert next_open(split, _kl(0, 12, 15)) == _kl(0, 14, 30)
    assert team_back(split, _kl(0, 12, 15), "en") == "at 2:30 pm today"
    night = _hotel({"mon": [["22:00", "06:00"]], "tue": [["12:00", "13:00"]]})
    assert team_back(night, _kl(0, 12), "en") == "at 10:00 pm today"
    assert team_back(night, _kl(0, 12), "ms") == "pada pukul 10:00 malam ini"
    assert team_back(night, _kl(1, 3), "en") is None  # Monday's night shift, still on duty
    assert team_back(night, _kl(1, 6), "en") == "at 12:00 noon today"
    assert team_back(night, _kl(1, 6), "ms") == "pada pukul 12:00 tengah hari ini"


def test_a_desk_open_round_the_clock_is_never_after_hours():
    hotel = _hotel(ROUND_THE_CLOCK)
    for hour in range(0, 24 * 7, 5):
        now = _kl(0, 0) + dt.timedelta(hours=hour, minutes=59)
        assert next_open(hotel, now) == now and team_back(hotel, now, "en") is None, now


def test_open_round_the_clock_but_one_day_is_back_at_midnight():
    hotel = _hotel({**ROUND_THE_CLOCK, "wed": []})
    assert next_open(hotel, _kl(2, 10)) == _kl(3, 0)
    assert team_back(hotel, _kl(2, 10), "en") == "from 12:00 am tomorrow"
    assert team_back(hotel, _kl(2, 10), "ms") == "esok dari pukul 12:00 tengah malam"


def test_a_property_without_hours_promises_no_time():
    hotel = _hotel({})
    assert next_open(hotel, _kl(0, 10)) is None
    assert team_back(hotel, _kl(0, 10), "en") == "as soon as they can"
    assert team_back(hotel, _kl(0, 10), "ms") == "secepat mungkin"


def test_another_zone_counts_its_own_days_and_its_clock_change():
    london = _hotel(NINE_TO_SIX, zone="Europe/London")
    # Monday 23:30 in London is already Tuesday in Kuala Lumpur (and on the server, if it runs in UTC+8):
    # the desk opens tomorrow, London's tomorrow.
    now = dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC)
    assert next_open(london, now) == dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)  # GMT is UTC in November
    assert team_back(london, now, "en") == "from 9:00 am tomorrow"
    # The clocks go forward on Sunday 2026-03-29: 9:00 that morning is 08:00 UTC, still said "9:00 am".
    saturday_evening = dt.datetime(2026, 3, 28, 19, 0, tzinfo=dt.UTC)
    assert next_open(london, saturday_evening) == dt.datetime(2026, 3, 29, 8, 0, tzinfo=dt.UTC)
    assert team_back(london, saturday_evening, "en") == "from 9:00 am tomorrow"


def test_the_words_count_days_in_the_openings_zone():
    opening = dt.datetime(2026, 11, 30, 9, 0, tzinfo=KL)  # Monday
    friday = dt.datetime(2026, 11, 27, 23, 0, tzinfo=dt.UTC)  # Saturday 07:00 in Kuala Lumpur
    assert opening_words(opening, friday, "en") == "on Monday from 9:00 am"
    assert opening_words(opening, friday, "ms") == "pada hari Isnin dari pukul 9:00 pagi"
    assert opening_words(opening, friday, "zh") == "on Monday from 9:00 am"  # a language without words: English

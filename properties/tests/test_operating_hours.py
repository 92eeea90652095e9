from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from properties.models import Property, validate_operating_hours

UTC = dt.UTC


def test_open_hours_are_read_in_the_propertys_timezone():
    hotel = Property(timezone="Asia/Kuala_Lumpur", operating_hours={"mon": [["09:00", "18:00"]]})
    # Monday 2026-11-23 01:30 UTC is 09:30 in Kuala Lumpur (UTC+8).
    assert hotel.is_open_at(dt.datetime(2026, 11, 23, 1, 30, tzinfo=UTC))
    # 10:30 UTC is 18:30 in Kuala Lumpur: after hours, although 10:30 would be "open" in UTC.
    assert not hotel.is_open_at(dt.datetime(2026, 11, 23, 10, 30, tzinfo=UTC))
    # A weekday without hours is closed all day.
    assert not hotel.is_open_at(dt.datetime(2026, 11, 24, 3, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({"funday": []}, "Unknown weekday"),
        ({"mon": [["9am", "18:00"]]}, "HH:MM"),
        ({"mon": [["09:00", "09:00"]]}, "opens and closes at the same time"),
        # Monday's overnight range runs to 06:00 on Tuesday, where a range opens at 05:00.
        ({"mon": [["22:00", "06:00"]], "tue": [["05:00", "12:00"]]}, "overlaps mon's hours running to 06:00"),
        ({"mon": [["20:00", "23:00"], ["22:00", "02:00"]]}, "overlap"),
        ({"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}, "overlap"),
        ({"mon": "09:00-18:00"}, "list"),
    ],
)
def test_bad_operating_hours_are_refused_with_a_reason(hours, message):
    with pytest.raises(ValidationError) as error:
        validate_operating_hours(hours)
    assert message in str(error.value)


def test_split_shifts_are_fine():
    validate_operating_hours({"sat": [["09:00", "12:00"], ["14:00", "18:00"]], "sun": []})


# Kuala Lumpur is UTC+8; Monday 2026-11-23.
def _kl(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, 23 + day, hour, minute, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_overnight_hours_are_open_across_midnight_and_closed_after():
    night_desk = Property(timezone="Asia/Kuala_Lumpur", operating_hours={"mon": [["22:00", "06:00"]]})
    validate_operating_hours(night_desk.operating_hours)
    assert not night_desk.is_open_at(_kl(0, 21, 59))
    assert night_desk.is_open_at(_kl(0, 22, 0))
    assert night_desk.is_open_at(_kl(0, 23, 59))
    assert night_desk.is_open_at(_kl(1, 0, 0))  # Tuesday's small hours belong to Monday's night
    assert night_desk.is_open_at(_kl(1, 5, 59))
    assert not night_desk.is_open_at(_kl(1, 6, 0))
    assert not night_desk.is_open_at(_kl(0, 3, 0))  # Monday's own small hours: Sunday had no night shift


def test_split_hours_are_after_hours_between_the_ranges():
    hotel = Property(timezone="Asia/Kuala_Lumpur", operating_hours={"mon": [["07:00", "12:00"], ["14:00", "23:00"]]})
    validate_operating_hours(hotel.operating_hours)
    assert hotel.is_open_at(_kl(0, 11, 59)) and hotel.is_open_at(_kl(0, 14, 0)) and hotel.is_open_at(_kl(0, 22, 59))
    assert not hotel.is_open_at(_kl(0, 12, 0)) and not hotel.is_open_at(_kl(0, 13, 59))
    assert not hotel.is_open_at(_kl(0, 23, 0)) and not hotel.is_open_at(_kl(1, 0, 30))


def test_a_sunday_night_shift_runs_into_monday_morning():
    hotel = Property(
        timezone="Asia/Kuala_Lumpur", operating_hours={"sun": [["22:00", "06:00"]], "mon": [["06:00", "12:00"]]}
    )
    validate_operating_hours(hotel.operating_hours)
    assert hotel.is_open_at(_kl(0, 2, 0))  # Monday 02:00, Sunday's night
    assert hotel.is_open_at(_kl(0, 6, 0)) and not hotel.is_open_at(_kl(0, 12, 0))


def test_a_day_may_close_at_midnight():
    hotel = Property(timezone="Asia/Kuala_Lumpur", operating_hours={"mon": [["18:00", "24:00"]]})
    validate_operating_hours(hotel.operating_hours)
    assert hotel.is_open_at(_kl(0, 23, 59)) and not hotel.is_open_at(_kl(1, 0, 0))

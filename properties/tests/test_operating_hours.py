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
        ({"mon": [["18:00", "09:00"]]}, "closes before it opens"),
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

"""Reading a requested period: one rule for the API and the dashboard."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from core.inputs import BadInput, check_date
from properties.services import current_property

MAX_PERIOD_DAYS = 366
DEFAULT_PERIOD_DAYS = 30


def parse_period(first: str | None, last: str | None) -> tuple[dt.date, dt.date]:
    """`from`/`to` as ISO dates (inclusive); by default the 30 local days ending yesterday."""
    yesterday = current_property().local_now().date() - dt.timedelta(days=1)
    try:
        # Year 1 or 9999 parses, then overflows the first time it is shifted (a day back, a local time).
        last_day = check_date(dt.date.fromisoformat(last), "to") if last else yesterday
        first_day = (
            check_date(dt.date.fromisoformat(first), "from")
            if first
            else last_day - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        )
    except BadInput as error:
        raise ValidationError(str(error)) from None
    except ValueError as error:
        raise ValidationError("from and to must be dates written YYYY-MM-DD.") from error
    if first_day > last_day:
        raise ValidationError("from must not be after to.")
    if (last_day - first_day).days + 1 > MAX_PERIOD_DAYS:
        raise ValidationError(f"A period can cover at most {MAX_PERIOD_DAYS} days.")
    return first_day, last_day

"""Reading a requested period: one rule for the API, the page and the exports.

A period is `from`/`to` (ISO dates, inclusive, local to the property) or a preset: the last 7, 30 or
90 days, or the month to date — each ending today, whose figures are computed live. `to` may not
be after today (no figures exist yet for the future).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from core.inputs import BadInput, check_date
from properties.services import current_property

MAX_PERIOD_DAYS = 366
DEFAULT_PRESET = "30d"
PRESETS = {"7d": "Last 7 days", "30d": "Last 30 days", "90d": "Last 90 days", "mtd": "Month to date"}


def preset_period(preset: str, today: dt.date) -> tuple[dt.date, dt.date]:
    if preset == "mtd":
        return today.replace(day=1), today
    if preset not in PRESETS:
        raise ValidationError(f"preset must be one of {', '.join(PRESETS)}.")
    return today - dt.timedelta(days=int(preset.removesuffix("d")) - 1), today


def parse_period(first: str | None, last: str | None, preset: str | None = None) -> tuple[dt.date, dt.date]:
    """`from`/`to` as ISO dates (inclusive), else `preset`, else the last 30 local days including today."""
    today = current_property().local_now().date()
    if not first and not last:
        return preset_period(preset or DEFAULT_PRESET, today)
    try:
        # Year 1 or 9999 parses, then overflows the first time it is shifted (a day back, a local time).
        last_day = check_date(dt.date.fromisoformat(last), "to") if last else today
        first_day = check_date(dt.date.fromisoformat(first), "from") if first else last_day - dt.timedelta(days=29)
    except BadInput as error:
        raise ValidationError(str(error)) from None
    except ValueError as error:
        raise ValidationError("from and to must be dates written YYYY-MM-DD.") from error
    if first_day > last_day:
        raise ValidationError("from must not be after to.")
    if last_day > today:
        raise ValidationError(f"to must not be after today ({today.isoformat()}, the property's date).")
    if (last_day - first_day).days + 1 > MAX_PERIOD_DAYS:
        raise ValidationError(f"A period can cover at most {MAX_PERIOD_DAYS} days.")
    return first_day, last_day

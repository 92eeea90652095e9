"""What reviewers teach the rubric: agreement per field, week by week, and the corrections a verdict carries.

A reviewer who agrees accepts every field as read; one who disagrees corrects the fields that were
wrong (validated and locked by `leads.record_review`). A field's agreement in a week is the share of
that week's reviews that left it uncorrected, so the page shows which readings (dates, party size,
room type…) the rules get wrong, and whether that improves.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from leads.models import Intent, LeadReview
from properties.services import current_property

# The fields a reviewer may correct on the review page, in the order they are shown.
REVIEWED_FIELDS: dict[str, str] = {
    "intent": "Intent", "check_in": "Check-in", "nights": "Nights", "adults": "Adults", "rooms": "Rooms",
    "room_type": "Room type", "group_size": "Group size", "event_date": "Event date", "name": "Name",
    "phone": "Phone", "email": "E-mail",
}  # fmt: skip
INTENTS = Intent.choices


@dataclass(frozen=True)
class WeekAgreement:
    week: dt.date  # the Monday the week starts on
    reviews: int
    by_field: dict[str, float]  # field → share of reviews that left it as read (0–1)


def corrections_from(form: Mapping[str, Any]) -> dict[str, Any]:
    """The corrections a review form carries: only the fields filled in (`correct_<field>`), as text;
    `record_review` validates them with the extraction's own validators."""
    corrected = {}
    for name in REVIEWED_FIELDS:
        value = str(form.get(f"correct_{name}") or "").strip()
        if value:
            corrected[name] = value
    return corrected


def field_agreement(weeks: int = 8, today: dt.date | None = None) -> list[WeekAgreement]:
    """Agreement per field for each of the last `weeks` weeks that had reviews, newest first."""
    property_ = current_property()
    today = today or property_.local_now().date()
    since = today - dt.timedelta(days=today.weekday() + 7 * (weeks - 1))
    start = dt.datetime.combine(since, dt.time.min, tzinfo=property_.tzinfo)
    reviews = LeadReview.objects.filter(created_at__gte=start).order_by("created_at")
    counts: dict[dt.date, list[set[str]]] = defaultdict(list)
    for created_at, corrected in reviews.values_list("created_at", "corrected_fields"):
        local = created_at.astimezone(property_.tzinfo).date()
        week = local - dt.timedelta(days=local.weekday())
        counts[week].append(set(corrected or {}))
    return [
        WeekAgreement(
            week=week,
            reviews=len(corrections),
            by_field={
                name: round(sum(name not in c for c in corrections) / len(corrections), 2) for name in REVIEWED_FIELDS
            },
        )
        for week, corrections in sorted(counts.items(), reverse=True)
    ]

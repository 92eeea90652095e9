"""What the GM's daily report and the analytics read from the gap inbox: the top open gaps, gaps per day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.redaction import mask_text
from gaps.models import Gap, GapStatus
from gaps.services.inbox import examples
from properties.models import Property
from properties.services import property_origin


@dataclass(frozen=True)
class TopGap:
    count: int
    example: str  # a guest's wording, contact details masked (the report is e-mailed)
    url: str


def inbox_url(property_: Property, gap_id: int | None = None) -> str:
    return f"{property_origin(property_.slug)}/gaps/" + (f"{gap_id}/" if gap_id else "")


def top_open_gaps(property_: Property, limit: int = 5) -> list[TopGap]:
    """The open gaps guests asked about most (then most recently), for "Top questions we could not answer"."""
    top: list[TopGap] = []
    for gap in Gap.objects.filter(status=GapStatus.OPEN).order_by("-question_count", "-last_seen_at")[:limit]:
        example = examples(gap, 1)
        text = " ".join(example[0].text.split()) if example else ""
        text = mask_text(text if len(text) <= 140 else text[:139] + "…")
        top.append(TopGap(gap.question_count, text, inbox_url(property_, gap.pk)))
    return top


@dataclass(frozen=True)
class GapsPerDay:
    opened: int  # gaps first asked that day
    closed: int  # gaps answered or dismissed that day


def gaps_between(start: dt.datetime, end: dt.datetime) -> GapsPerDay:
    """Gaps opened and closed in [start, end) (a property's local day, in UTC)."""
    return GapsPerDay(
        opened=Gap.objects.filter(first_seen_at__gte=start, first_seen_at__lt=end).count(),
        closed=Gap.objects.filter(closed_at__gte=start, closed_at__lt=end).count(),
    )

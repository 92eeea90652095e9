"""What the GM's daily report and the analytics read from the gap inbox: the top open gaps, gaps per day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from core.redaction import mask_text
from gaps.models import Gap, GapQuestion, GapStatus
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


def report_wording(question: str) -> str:
    """A guest's question as the report quotes it: on one line, at most 140 characters, contacts masked."""
    text = " ".join(question.split())
    return mask_text(text if len(text) <= 140 else text[:139] + "…")


def top_open_gaps(property_: Property, limit: int = 5) -> list[TopGap]:
    """The open gaps guests asked about most (then most recently), for "Top questions we could not answer"."""
    top: list[TopGap] = []
    for gap in Gap.objects.filter(status=GapStatus.OPEN).order_by("-question_count", "-last_seen_at")[:limit]:
        example = examples(gap, 1)
        top.append(
            TopGap(gap.question_count, report_wording(example[0].text) if example else "", inbox_url(property_, gap.pk))
        )
    return top


def guests_wordings(guest_ids: Iterable[int]) -> set[str]:
    """The questions these guests asked that the assistant could not answer, as a report would have quoted them:
    what an erasure takes out of the reports already sent (the questions themselves go with the guests).

    A wording another guest also asked in the same gap is left out: the report's quote may be theirs, and it
    stays in the gap inbox as theirs, so it names nobody."""
    guest_ids = list(guest_ids)
    theirs = GapQuestion.objects.filter(conversation__guest_id__in=guest_ids).only("text", "gap_id")
    wordings: dict[str, set[int]] = {}
    for question in theirs.iterator(chunk_size=200):
        wordings.setdefault(report_wording(question.text), set()).add(question.gap_id)
    others = (
        GapQuestion.objects.filter(gap_id__in={gap for gaps in wordings.values() for gap in gaps})
        .exclude(conversation__guest_id__in=guest_ids)
        .only("text", "gap_id")
    )
    for question in others.iterator(chunk_size=200):
        gaps = wordings.get(report_wording(question.text))
        if gaps is not None:
            gaps.discard(question.gap_id)
    return {wording for wording, gaps in wordings.items() if wording and gaps}


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

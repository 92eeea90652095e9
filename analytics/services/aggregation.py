"""Daily figures per property and local date, computed from the conversations and leads themselves.

Everything runs inside the property's schema. A day is the property's local calendar day, so a
message at 23:30 in Kuala Lumpur counts on that local date even though it is 15:30 UTC.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, Min, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from analytics.models import DailyAggregate, WidgetVisitDay
from conversations.models import Channel, Conversation, Message, MessageRole
from leads.models import OPEN_STATUSES, ConsentStatus, Lead, LeadStatus
from properties.models import Property
from properties.services import current_property

# The handoff contract: the conversation engine writes a system message with this event when a
# conversation is handed to staff; its time is when the staff's response clock starts.
HANDOFF_EVENT = "handoff"
ZERO = Decimal("0.00")


def local_day_bounds(property_: Property, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a local calendar day, as aware datetimes (DST-safe: each end is its own midnight)."""
    tz = property_.tzinfo
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def _seconds(deltas: Iterable[dt.timedelta]) -> list[float]:
    return [max(0.0, delta.total_seconds()) for delta in deltas]


def _avg_p50(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    return round(sum(values) / len(values), 3), round(statistics.median(values), 3)


def _response_seconds(clock_starts: dict[int, dt.datetime], role: str) -> list[float]:
    """Per conversation: from its clock start to the first message of `role` at or after it."""
    replies = (
        Message.objects.filter(conversation_id__in=clock_starts, role=role)
        .order_by("conversation_id", "created_at")
        .values_list("conversation_id", "created_at")
    )
    first_reply: dict[int, dt.datetime] = {}
    for conversation_id, created_at in replies:
        if conversation_id not in first_reply and created_at >= clock_starts[conversation_id]:
            first_reply[conversation_id] = created_at
    return _seconds(first_reply[c] - clock_starts[c] for c in first_reply)


def _first_guest_messages(started: list[int]) -> dict[int, dt.datetime]:
    firsts = (
        Message.objects.filter(conversation_id__in=started)
        .values("conversation_id")
        .annotate(first_guest=Min("created_at", filter=Q(role=MessageRole.GUEST)))
    )
    return {row["conversation_id"]: row["first_guest"] for row in firsts if row["first_guest"]}


def _handoffs_between(start: dt.datetime, end: dt.datetime) -> dict[int, dt.datetime]:
    """Conversations handed off in [start, end): their first handoff moment in that window."""
    rows = (
        Message.objects.filter(
            role=MessageRole.SYSTEM, metadata__event=HANDOFF_EVENT, created_at__gte=start, created_at__lt=end
        )
        .values("conversation_id")
        .annotate(at=Min("created_at"))
    )
    return {row["conversation_id"]: row["at"] for row in rows}


def _resolved_by_ai(started: list[int]) -> int:
    """Started conversations with an AI reply, no staff message and no handoff, ever, and not waiting for the guest's
    YES/NO to passing their enquiry on: that one is not resolved yet, whoever ends it."""
    waiting_for_consent = Lead.objects.filter(
        Q(conversation=OuterRef("pk")) | Q(conversation_links__conversation=OuterRef("pk")),
        consent_status=ConsentStatus.ASKED,
    )
    return (
        Conversation.objects.filter(pk__in=started)
        .exclude(Exists(waiting_for_consent))
        .annotate(
            ai=Count("messages", filter=Q(messages__role=MessageRole.AI)),
            staff=Count("messages", filter=Q(messages__role=MessageRole.STAFF)),
            handoff=Count(
                "messages", filter=Q(messages__role=MessageRole.SYSTEM, messages__metadata__event=HANDOFF_EVENT)
            ),
        )
        .filter(ai__gt=0, staff=0, handoff=0)
        .count()
    )


def day_figures(day: dt.date, property_: Property | None = None) -> dict[str, Any]:
    """The figures of one local date, from the conversations and leads themselves (nothing is stored).

    The one computation behind the nightly row (`compute_day`) and today's live figures (`daily_rows`).
    """
    property_ = property_ or current_property()
    start, end = local_day_bounds(property_, day)
    # A conversation we opened to notify the guest (a hotel system's booking notice) is not an
    # inquiry until the guest writes in it.
    notice = Message.objects.filter(conversation=OuterRef("pk"), metadata__notice="integration")
    guest_wrote = Message.objects.filter(conversation=OuterRef("pk"), role=MessageRole.GUEST)
    conversations = Conversation.objects.filter(started_at__gte=start, started_at__lt=end).exclude(
        Exists(notice) & ~Exists(guest_wrote)
    )
    by_channel = dict(conversations.values_list("channel").annotate(n=Count("id")).values_list("channel", "n"))
    started = list(conversations.values_list("id", flat=True))
    leads = Lead.objects.filter(created_at__gte=start, created_at__lt=end)
    lead_figures = leads.aggregate(total=Count("id"), after_hours=Count("id", filter=Q(is_after_hours=True)))
    handoffs = _handoffs_between(start, end)
    # The AI's clock starts at the guest's first message; the staff's at the handoff, so a bot
    # reply can never count as (or flatter) the team's first response.
    ai_avg, ai_p50 = _avg_p50(ai := _response_seconds(_first_guest_messages(started), MessageRole.AI))
    staff_avg, staff_p50 = _avg_p50(staff := _response_seconds(handoffs, MessageRole.STAFF))
    visitors = WidgetVisitDay.objects.filter(date=day).values_list("visitors", flat=True).first() or 0

    conversions, converted_revenue = _conversions(start, end)
    return {
        "total_inquiries": len(started),
        "after_hours_inquiries": conversations.filter(is_after_hours=True).count(),
        "whatsapp_inquiries": by_channel.get(Channel.WHATSAPP, 0),
        "web_inquiries": by_channel.get(Channel.WEB, 0),
        "email_inquiries": by_channel.get(Channel.EMAIL, 0),
        "guest_messages": Message.objects.filter(
            role=MessageRole.GUEST, created_at__gte=start, created_at__lt=end
        ).count(),
        "leads_captured": lead_figures["total"],
        "after_hours_leads": lead_figures["after_hours"],
        "handoffs": len(handoffs),
        "resolved_by_ai": _resolved_by_ai(started),
        "widget_visitors": visitors,
        "ai_first_response_count": len(ai),
        "ai_first_response_avg_seconds": ai_avg,
        "ai_first_response_p50_seconds": ai_p50,
        "staff_first_response_count": len(staff),
        "staff_first_response_avg_seconds": staff_avg,
        "staff_first_response_p50_seconds": staff_p50,
        "estimated_revenue_recovered": open_forecast_by_day(day, day, property_).get(day, ZERO),
        "conversions": conversions,
        "converted_revenue": converted_revenue,
        "computed_at": timezone.now(),
    }


def open_forecast_by_day(first: dt.date, last: dt.date, property_: Property) -> dict[dt.date, Decimal]:
    """Per local date of [first, last]: the expected revenue of the after-hours leads captured that day that
    are still open now (neither converted nor lost): the pipeline, not a lead that already booked or never will.

    A converted lead counts in the converted revenue alone, so the forecast and the booked revenue of one
    period never count the same lead twice.
    """
    start, end = local_day_bounds(property_, first)[0], local_day_bounds(property_, last)[1]
    rows = (
        Lead.objects.filter(created_at__gte=start, created_at__lt=end, is_after_hours=True, status__in=OPEN_STATUSES)
        .annotate(day=TruncDate("created_at", tzinfo=property_.tzinfo))
        .values("day")
        .annotate(value=Sum("estimated_value"))
        .values_list("day", "value")
    )
    return {day: (value or ZERO).quantize(ZERO) for day, value in rows}


def compute_day(day: dt.date, property_: Property | None = None) -> DailyAggregate:
    """Compute (or recompute) one local date. Idempotent: the same inputs give the same row."""
    figures = day_figures(day, property_)
    with transaction.atomic():
        aggregate, _ = DailyAggregate.objects.update_or_create(date=day, defaults=figures)
    return aggregate


def _conversions(start: dt.datetime, end: dt.datetime) -> tuple[int, Decimal]:
    """Leads converted in the window, and what they are worth: the value staff recorded, else the booking
    value (never the expected revenue: a converted booking is worth the booking, not a forecast of it)."""
    converted = Lead.objects.filter(status=LeadStatus.CONVERTED, converted_at__gte=start, converted_at__lt=end)
    figures = converted.aggregate(n=Count("id"), value=Sum(Coalesce("converted_value", "booking_value")))
    return figures["n"], (figures["value"] or Decimal("0")).quantize(Decimal("0.01"))


def is_final(row: DailyAggregate, property_: Property) -> bool:
    """A stored row is final when it was computed after its day ended; otherwise the day is read live."""
    return row.computed_at is not None and row.computed_at >= local_day_bounds(property_, row.date)[1]


def daily_rows(first: dt.date, last: dt.date, property_: Property | None = None) -> list[DailyAggregate]:
    """One row per local date of [first, last]: the nightly row of a finished day, and for today (or a
    day whose row is missing or was computed before the day ended) the same figures computed now, unsaved.
    The page, the API, the CSV and the report all read their days here.

    `live` is set on today's row only: a finished day computed now (a new property's first month has no
    nightly rows) is as final as its nightly row, and a GM reading "Tue 1 Dec (live)" a week later
    wonders what is still changing.
    """
    property_ = property_ or current_property()
    today = property_.local_now().date()
    stored = {row.date: row for row in DailyAggregate.objects.filter(date__gte=first, date__lte=last)}
    forecast = open_forecast_by_day(first, last, property_)
    rows = []
    for offset in range((last - first).days + 1):
        day = first + dt.timedelta(days=offset)
        row = stored.get(day)
        if row is None or not is_final(row, property_):
            row = DailyAggregate(date=day, **day_figures(day, property_))
            row.live = day >= today  # type: ignore[attr-defined]
        # Read now, even on a final row: a lead converted or lost since the night its day was stored has
        # left the pipeline (unsaved: the stored row keeps what was open when it was computed).
        row.estimated_revenue_recovered = forecast.get(day, ZERO)
        rows.append(row)
    return rows


def compute_range(first: dt.date, last: dt.date, property_: Property | None = None) -> list[DailyAggregate]:
    property_ = property_ or current_property()
    days = (last - first).days + 1
    return [compute_day(first + dt.timedelta(days=offset), property_) for offset in range(days)]


def compute_yesterday_if_due(now: dt.datetime | None = None) -> DailyAggregate | None:
    """The nightly job's step for one property: compute its local yesterday once its day is over.

    Run every few minutes in every schema; it computes a day only when that day's row is missing
    or was computed before the day ended, so it catches up after downtime and never recomputes
    a finished day twice.
    """
    property_ = current_property()
    local_now = property_.local_now(now)
    yesterday = local_now.date() - dt.timedelta(days=1)
    _, end_of_yesterday = local_day_bounds(property_, yesterday)
    existing = DailyAggregate.objects.filter(date=yesterday).only("computed_at").first()
    if existing is not None and existing.computed_at >= end_of_yesterday:
        return None
    return compute_day(yesterday, property_)

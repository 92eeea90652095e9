"""Rubric qualification: auditable points → a score 0–100, a confidence, priority and estimated value.

Every criterion is written into the breakdown with its points, its maximum and the reason, so a
manager (and the review queue) can see exactly why a lead scored what it did. Criteria that do
not apply to an intent (a room type for a wedding inquiry) are left out of the maximum rather
than counted as missed: score = points earned × 100 / points applicable.

Confidence is how much we trust the *reading* of the conversation, not how good the lead is: a
clear intent with several keyword hits starts high; mixed intents, a vague date ("minggu
depan"), a fuzzy or tied room match, or a name read from a weak cue ("I'm …") each lower it.
Below the property's `review_below_confidence` (default 0.5) the lead goes to the review queue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from leads.models import Intent, LeadSettings, Priority
from leads.services.extraction import Signals
from leads.services.schema import ExtractedLead, RoomOption
from leads.services.stay_value import StayPrice

# criterion: (points, intents it applies to; None = all)
CRITERIA: dict[str, tuple[int, set[str] | None]] = {
    "dates_given": (20, None),
    "stay_length": (10, {Intent.ROOM_BOOKING}),
    "contact_given": (15, None),
    "name_given": (5, None),
    "room_chosen": (10, {Intent.ROOM_BOOKING}),
    "party_size": (10, None),
    "urgency": (10, None),
    "after_hours": (5, None),
    "booking_words": (15, None),
}
CRITERION_LABELS = {
    "dates_given": "Dates given", "stay_length": "Length of stay", "contact_given": "Phone or e-mail",
    "name_given": "Name", "room_chosen": "Room type", "party_size": "Party size", "urgency": "Soon",
    "after_hours": "Wrote after hours", "booking_words": "Booking words",
}  # fmt: skip
PER_GUEST = (Intent.EVENT, Intent.FB_INQUIRY)  # valued per guest, not per room-night
AMBIGUITY_PENALTY = 0.1
CENTS = Decimal("0.01")


@dataclass
class Assessment:
    score: int
    confidence: float
    qualified: bool
    needs_review: bool
    priority: str
    estimated_value: Decimal | None  # expected revenue: booking_value × probability
    breakdown: dict[str, Any]
    booking_value: Decimal | None = None
    missing_fields: list[str] = field(default_factory=list)


def _starts(fields: ExtractedLead) -> dt.date | None:
    return fields.check_in or fields.event_date


def _criteria(
    fields: ExtractedLead, signals: Signals, is_after_hours: bool, today: dt.date, settings: LeadSettings
) -> dict[str, tuple[bool, str]]:
    start = _starts(fields)
    days_ahead = (start - today).days if start else None
    party = fields.group_size or fields.adults
    return {
        "dates_given": (start is not None, f"starts {start}" if start else "no date yet"),
        "stay_length": (fields.nights is not None, f"{fields.nights} night(s)" if fields.nights else "no length"),
        "contact_given": (
            bool(fields.phone or fields.email),
            ", ".join(filter(None, [fields.phone, fields.email])) or "no phone or e-mail",
        ),
        "name_given": (bool(fields.name), fields.name or "no name"),
        "room_chosen": (bool(fields.room_type), fields.room_type or "no room type"),
        "party_size": (party is not None, f"{party} guest(s)" if party else "party size unknown"),
        "urgency": (
            days_ahead is not None and 0 <= days_ahead <= settings.urgency_days,  # a past date is not urgent
            f"{days_ahead} day(s) ahead (urgent ≤ {settings.urgency_days})" if days_ahead is not None else "no date",
        ),
        "after_hours": (is_after_hours, "arrived outside operating hours" if is_after_hours else "in hours"),
        "booking_words": (bool(signals.booking_words), ", ".join(signals.booking_words) or "no explicit booking words"),
    }


def confidence_of(fields: ExtractedLead, signals: Signals) -> float:
    hits = signals.intent_hits.get(fields.intent, 0)
    if fields.intent == Intent.GENERAL:
        base = 0.45 if signals.booking_words else 0.3
    else:
        base = {0: 0.45, 1: 0.6, 2: 0.75}.get(hits, 0.85)
    details = sum(1 for value in (_starts(fields), fields.group_size or fields.adults, fields.nights) if value)
    confidence = base + 0.05 * details - AMBIGUITY_PENALTY * len(set(signals.ambiguities))
    return round(min(0.95, max(0.05, confidence)), 2)


def missing_for(fields: ExtractedLead) -> list[str]:
    """What the AI should still ask for, in the order it should ask."""
    if fields.intent == Intent.ROOM_BOOKING:
        party: Any = fields.adults or fields.group_size
        wanted = [
            ("check_in", fields.check_in),
            ("nights", fields.nights),
            ("adults", party),
            ("room_type", fields.room_type),
        ]
    else:
        party = fields.group_size or fields.adults
        wanted = [("event_date", fields.event_date or fields.check_in), ("group_size", party)]
    wanted += [("name", fields.name), ("phone_or_email", fields.phone or fields.email)]
    return [name for name, value in wanted if not value]


# `missing_for`'s names as staff read them on the lead's page.
MISSING_WORDS = {
    "check_in": "check-in date", "nights": "nights", "adults": "party size", "room_type": "room type",
    "event_date": "event date", "group_size": "number of guests", "name": "name", "phone_or_email": "phone or e-mail",
}  # fmt: skip


def missing_in_words(missing: list[str]) -> list[str]:
    return [MISSING_WORDS.get(name, name.replace("_", " ")) for name in missing]


def probability(score: int) -> Decimal:
    """The chance the lead books, read from its score (0–100 → 0.00–1.00)."""
    return (Decimal(score) / Decimal(100)).quantize(CENTS)


def booking_value(
    fields: ExtractedLead, settings: LeadSettings, rate: Decimal | None, stay: StayPrice | None = None
) -> Decimal | None:
    """What the booking is worth if it happens: the stay priced night by night when the hotel's rates make its
    nights differ (`stay`, see `stay_value`), else rate × nights × rooms (rooms); per-guest rate × party
    (events, F&B). None = unknown (no rate, or no party for a per-guest rate)."""
    if fields.intent in PER_GUEST:
        per_head = settings.event_rate_per_guest if fields.intent == Intent.EVENT else settings.fb_rate_per_cover
        party = fields.group_size or fields.adults
        if per_head is None or not party:
            return None
        return (Decimal(per_head) * party).quantize(CENTS, rounding=ROUND_HALF_UP)
    if rate is None:
        return None
    if stay is not None:
        return stay.total
    return (rate * (fields.nights or 1) * (fields.rooms or 1)).quantize(CENTS, rounding=ROUND_HALF_UP)


def expected_revenue(value: Decimal | None, score: int) -> Decimal | None:
    """Booking value × probability: a forecast, shown only under that name, never as a booking's value."""
    if value is None:
        return None
    return (value * probability(score)).quantize(CENTS, rounding=ROUND_HALF_UP)


def estimate_value(
    fields: ExtractedLead, score: int, settings: LeadSettings, rooms: list[RoomOption], rate: Decimal | None
) -> Decimal | None:
    """The expected revenue of a lead (booking value × probability); None = unknown."""
    return expected_revenue(booking_value(fields, settings, rate), score)


def assess(
    fields: ExtractedLead,
    signals: Signals,
    *,
    is_after_hours: bool,
    today: dt.date,
    settings: LeadSettings,
    rooms: list[RoomOption],
    rate: Decimal | None,
    stay: StayPrice | None = None,
) -> Assessment:
    results = _criteria(fields, signals, is_after_hours, today, settings)
    breakdown: dict[str, Any] = {}
    earned = applicable = 0
    for name, (points, intents) in CRITERIA.items():
        met, reason = results[name]
        applies = intents is None or fields.intent in intents
        breakdown[name] = {"points": points if (met and applies) else 0, "max": points if applies else 0,
                           "met": met, "applies": applies, "reason": reason}  # fmt: skip
        if applies:
            applicable += points
            earned += points if met else 0
    score = round(earned * 100 / applicable) if applicable else 0
    confidence = confidence_of(fields, signals)
    qualified = score >= settings.qualified_threshold
    urgent = bool(results["urgency"][0])
    if is_after_hours or (qualified and urgent):
        priority = Priority.HIGH
    elif qualified:
        priority = Priority.MEDIUM
    else:
        priority = Priority.LOW
    breakdown["_summary"] = {
        "earned": earned, "applicable": applicable, "score": score, "threshold": settings.qualified_threshold,
        "confidence": confidence, "review_below": settings.review_below_confidence,
        "ambiguities": sorted(set(signals.ambiguities)), "intent_hits": signals.intent_hits,
    }  # fmt: skip
    value = booking_value(fields, settings, rate, stay)
    if stay is not None and value is not None and fields.intent not in PER_GUEST:
        breakdown["_summary"]["value_basis"] = stay.basis  # staff read how the nights were priced
    return Assessment(
        score=score,
        confidence=confidence,
        qualified=qualified,
        needs_review=confidence < settings.review_below_confidence,
        priority=priority,
        estimated_value=expected_revenue(value, score),
        booking_value=value,
        breakdown=breakdown,
        missing_fields=missing_for(fields),
    )


def readable_breakdown(breakdown: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A stored breakdown as a person reads it: the summary, and one row per criterion with its label."""
    rows = [
        {"label": CRITERION_LABELS.get(name, name), **criterion}
        for name, criterion in breakdown.items()
        if not name.startswith("_") and isinstance(criterion, dict)
    ]
    return dict(breakdown.get("_summary") or {}), rows

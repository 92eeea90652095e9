"""What the guest is told about an event: the text per event type and language (EN/BM), from templates.

Texts live in `integrations/templates/integrations/notices/{type}.{lang}.txt`; e-mail subjects and
the WhatsApp template parameters (for a message outside the 24-hour window) are here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string

from core.languages import spoken
from integrations.models import EventType, IntegrationEvent

SUBJECTS = {
    EventType.BOOKING_CONFIRMED: {"en": "Your booking {reference} is confirmed", "ms": "Tempahan {reference} disahkan"},
    EventType.ORDER_RECEIVED: {"en": "We received your order {reference}", "ms": "Pesanan {reference} diterima"},
    EventType.ORDER_READY: {"en": "Your order {reference} is ready", "ms": "Pesanan {reference} sudah siap"},
}


@dataclass(frozen=True)
class Notice:
    text: str
    subject: str
    template_purpose: str  # the WhatsApp template's purpose: the event type
    template_params: dict[str, str]


def _nights(booking: dict[str, Any]) -> int:
    try:
        return (dt.date.fromisoformat(booking["check_out"]) - dt.date.fromisoformat(booking["check_in"])).days
    except (KeyError, TypeError, ValueError):
        return 0


def build(event: IntegrationEvent, *, property_name: str, guest_name: str, language: str) -> Notice:
    language = spoken(language)
    payload = event.payload
    booking = payload.get("booking") or {}
    order = payload.get("order") or {}
    context = {
        "guest_name": guest_name,
        "property_name": property_name,
        "booking": booking,
        "order": order,
        "nights": _nights(booking),
    }
    name = event.event_type.replace(".", "_")
    text = render_to_string(f"integrations/notices/{name}.{language}.txt", context).strip()
    reference = booking.get("reference") or order.get("reference") or event.event_id
    subject = SUBJECTS[EventType(event.event_type)][language].format(reference=reference)
    params = {
        "guest_name": guest_name or ("Tetamu" if language == "ms" else "Guest"),
        "property_name": property_name,
        "reference": str(reference),
        "check_in": str(booking.get("check_in", "")),
        "check_out": str(booking.get("check_out", "")),
        "room_type": str(booking.get("room_type", "")),
        "outlet": str(order.get("outlet") or property_name),
    }
    return Notice(
        text=text, subject=f"{subject} — {property_name}", template_purpose=event.event_type, template_params=params
    )

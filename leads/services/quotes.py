"""A room's price asked in the middle of a room enquiry ("how much is the family suite per night?", "berapa harga
bilik semalam?"), answered as a receptionist does: the nightly rate the property set (or its knowledge base
states, `catalogue.room_options`), or, without one, that the team confirms the price for the guest's dates; then
the enquiry goes on. Never a line of another item: the knowledge base's room pages say what a room has, not what
it costs, and the nearest sentence to "how much" in them is about something else (a free baby cot).

Pure: it reads the question, the enquiry's room type and the turn's room options (already read for the
extraction, so no database call of its own).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from leads.services.extraction import Signals, match_room_type
from leads.services.schema import RoomOption

PRICE_CUE = re.compile(
    r"\b(?:how much|price|prices|pricing|rate|rates|cost|costs|charge|tariff|berapa(?:\s+ringgit)?|harga|kadar|caj)\b",
    re.IGNORECASE,
)
# What says the price asked is a room's: a room named, "the room", "per night", "semalam", "for 3 nights".
ROOM_PRICE_CUE = re.compile(
    r"\b(?:rooms?|bilik|suites?|per night|a night|each night|nightly|semalam|satu malam|se ?malam"
    r"|for (?:the |\d+ |two |three )?nights?|untuk \d+ malam|room rate|kadar bilik|harga bilik)\b",
    re.IGNORECASE,
)
# A price of something else the hotel sells (answered from the knowledge base as usual).
OTHER_PRICE = re.compile(
    r"\b(?:breakfast|sarapan|parking|letak kereta|park|valet|transfer|airport|lapangan terbang|taxi|teksi|spa|massage"
    r"|urut|laundry|dobi|gym|pool|kolam|buffet|bufet|dinner|lunch|makan|meal|deposit|cancel\w*|batal\w*|pembatalan"
    r"|cot|katil bayi|extra bed|katil tambahan|late check|early check|lewat|awal|wedding|kahwin|meeting|mesyuarat"
    r"|package|pakej|hall|dewan|ballroom|pax|per person|seorang|kepala)\b",
    re.IGNORECASE,
)

RATE_KNOWN = {
    "en": "The {room} is from RM {rate} per night; our reservations team confirms the price for your dates.",
    "ms": "Kadar {room} bermula RM {rate} semalam; pasukan tempahan kami akan mengesahkan harga untuk tarikh anda.",
}
RATE_UNKNOWN = {
    "en": "Our reservations team will confirm the rate for your dates when they contact you.",
    "ms": "Pasukan tempahan kami akan mengesahkan kadar untuk tarikh anda apabila mereka menghubungi anda.",
}


def _money(rate: Decimal) -> str:
    return f"{rate:,.0f}" if rate == rate.to_integral_value() else f"{rate:,.2f}"


def room_price_line(text: str, room_type: str | None, rooms: Sequence[RoomOption], language: str) -> str | None:
    """The answer to a room's price asked mid-enquiry, in `language` ("en" or "ms"); None when the message asks
    no room's price. The room named in the question wins over the enquiry's."""
    if not PRICE_CUE.search(text) or OTHER_PRICE.search(text):
        return None  # no price asked, or the price of breakfast, parking or an event
    named = match_room_type(text, rooms, Signals())
    if named is None and not ROOM_PRICE_CUE.search(text):
        return None
    named = named or room_type
    option = next((room for room in rooms if named and room.name.casefold() == named.casefold()), None)
    if option is not None and option.rate is not None:
        return RATE_KNOWN[language].format(room=option.name, rate=_money(Decimal(option.rate)))
    return RATE_UNKNOWN[language]

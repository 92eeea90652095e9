"""A room's price asked in the middle of a room enquiry ("how much is the family suite per night?", "berapa harga
bilik semalam?"), answered as a receptionist does: the nightly rate the property set (or its knowledge base
states, `catalogue.room_options`), or, without one, that the team confirms the price for the guest's dates; then
the enquiry goes on. Never a line of another item: the knowledge base's room pages say what a room has, not what
it costs, and the nearest sentence to "how much" in them is about something else (a free baby cot).

Pure: it reads the question, the enquiry's room type and the turn's room options (already read for the
extraction, so no database call of its own).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from core.patterns import whole_words
from leads.services.extraction import Signals, match_room_type
from leads.services.schema import RoomOption

PRICE_CUE = whole_words(
    "how much", "prices?", "pricing", "rates?", "costs?", "charge", "tariff", r"berapa(?:\s+ringgit)?", "harga",
    "kadar", "caj",
)  # fmt: skip
# What says the price asked is a room's: a room named, "the room", "per night", "semalam", "for 3 nights".
ROOM_PRICE_CUE = whole_words(
    "rooms?", "bilik", "suites?", "per night", "a night", "each night", "nightly", "semalam", "satu malam",
    "se ?malam", r"for (?:the |\d+ |two |three )?nights?", r"untuk \d+ malam", "room rate", "kadar bilik",
    "harga bilik",
)  # fmt: skip
# A price of something else the hotel sells (answered from the knowledge base as usual).
OTHER_PRICE = whole_words(
    "breakfast", "sarapan", "parking", "letak kereta", "park", "valet", "transfer", "airport", "lapangan terbang",
    "taxi", "teksi", "spa", "massage", "urut", "laundry", "dobi", "gym", "pool", "kolam", "buffet", "bufet", "dinner",
    "lunch", "makan", "meal", "deposit", r"cancel\w*", r"batal\w*", "pembatalan", "cot", "katil bayi", "extra bed",
    "katil tambahan", "late check", "early check", "lewat", "awal", "wedding", "kahwin", "meeting", "mesyuarat",
    "package", "pakej", "hall", "dewan", "ballroom", "pax", "per person", "seorang", "kepala",
)  # fmt: skip

RATE_KNOWN = {
    "en": "The {room} is from RM {rate} per night; our reservations team confirms the price for your dates.",
    "ms": "Kadar {room} bermula RM {rate} semalam; pasukan tempahan kami akan mengesahkan harga untuk tarikh anda.",
}
# The same price asked before any enquiry ("How much is the Family Suite?"): the rate, and one invitation to book.
RATE_FOR_DATES = {
    "en": "Our reservations team confirms the rate of the {room} for your dates.",
    "ms": "Pasukan tempahan kami akan mengesahkan kadar {room} untuk tarikh anda.",
}
INVITE = {
    "en": "Would you like to book it? Just tell me your dates.",
    "ms": "Mahu saya buat tempahan? Beritahu sahaja tarikh anda.",
}
RATE_UNKNOWN = {
    "en": "Our reservations team will confirm the rate for your dates when they contact you.",
    "ms": "Pasukan tempahan kami akan mengesahkan kadar untuk tarikh anda apabila mereka menghubungi anda.",
}


def _money(rate: Decimal) -> str:
    return f"{rate:,.0f}" if rate == rate.to_integral_value() else f"{rate:,.2f}"


def _rate(named: str | None, rooms: Sequence[RoomOption]) -> RoomOption | None:
    """The room option named, when it has a nightly rate."""
    option = next((room for room in rooms if named and room.name.casefold() == named.casefold()), None)
    return option if option is not None and option.rate is not None else None


def _room_named(text: str, rooms: Sequence[RoomOption]) -> str | None:
    """The room whose price the message asks (None for no price, or the price of breakfast, parking or an event)."""
    if not PRICE_CUE.search(text) or OTHER_PRICE.search(text):
        return None
    return match_room_type(text, rooms, Signals())


def room_price_line(text: str, room_type: str | None, rooms: Sequence[RoomOption], language: str) -> str | None:
    """The answer to a room's price asked mid-enquiry, in `language` ("en" or "ms"); None when the message asks
    no room's price. The room named in the question wins over the enquiry's."""
    named = _room_named(text, rooms)
    if named is None and (not PRICE_CUE.search(text) or OTHER_PRICE.search(text) or not ROOM_PRICE_CUE.search(text)):
        return None
    if (option := _rate(named or room_type, rooms)) is not None:
        return RATE_KNOWN[language].format(room=option.name, rate=_money(Decimal(option.rate)))
    return RATE_UNKNOWN[language]


def room_price_alone(text: str, rooms: Sequence[RoomOption], language: str) -> str | None:
    """A named room's price asked before any enquiry ("How much is the Family Suite?", "Family Suite berapa
    semalam?"): its rate (or that the team confirms it for the guest's dates) and one invitation to book. The
    knowledge base's room page is no answer: it says what the room has, not what it costs."""
    named = _room_named(text, rooms)
    if named is None:
        return None
    option = _rate(named, rooms)
    if option is not None:
        line = RATE_KNOWN[language].format(room=option.name, rate=_money(Decimal(option.rate)))
    else:
        line = RATE_FOR_DATES[language].format(room=named)
    return f"{line} {INVITE[language]}"

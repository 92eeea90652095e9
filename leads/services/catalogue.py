"""The property's room types and nightly rates, for room matching and the estimated value.

They come from `RoomRate` rows (tenant admin), then from the knowledge base: each active item of
the "rooms" category is a room type (its title, less a trailing "Room"/"Bilik" as an alias), priced
by the first "RM …" of a "rates" item whose title names it. Onboarding seldom fills the rate table,
while every hotel describes its rooms. Other sources plug in with `register_room_source(fn)`. A
RoomRate row wins over any other entry of the same name, so a manager's explicit rate is never
overridden by a parsed document.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from knowledge.models import Category, KnowledgeItem
from leads.models import LeadSettings, RoomRate
from leads.services.schema import RoomOption

RoomSource = Callable[[], list[RoomOption]]
_sources: list[RoomSource] = []


def register_room_source(source: RoomSource) -> None:
    if source not in _sources:
        _sources.append(source)


def unregister_room_source(source: RoomSource) -> None:
    if source in _sources:
        _sources.remove(source)


def room_options() -> list[RoomOption]:
    options = {
        rate.name.casefold(): RoomOption(rate.name, tuple(rate.alias_list()), rate.nightly_rate)
        for rate in RoomRate.objects.all()
    }
    for option in knowledge_rooms():
        options.setdefault(option.name.casefold(), option)
    for source in _sources:
        for option in source():
            options.setdefault(option.name.casefold(), option)
    return list(options.values())


_PRICE = re.compile(r"\bRM\s?(\d[\d,]*(?:\.\d{1,2})?)", re.IGNORECASE)
_ROOM_SUFFIX = re.compile(r"\s+(?:room|rooms|bilik)$", re.IGNORECASE)


def knowledge_rooms() -> list[RoomOption]:
    """The room types the knowledge base describes, with a nightly rate when a rate item names one."""
    items = KnowledgeItem.objects.filter(is_active=True, category__in=[Category.ROOMS, Category.RATES])
    rooms: list[str] = []
    rates: list[tuple[str, str]] = []
    for category, title, content in items.values_list("category", "title", "content"):
        if category == Category.ROOMS:
            rooms.append(title.strip())
        else:
            rates.append((title.casefold(), content))
    options = []
    for name in rooms:
        short = _ROOM_SUFFIX.sub("", name)
        rate = None
        for title, content in rates:
            price = _PRICE.search(content) if name.casefold() in title or short.casefold() in title else None
            if price is not None:
                try:
                    rate = Decimal(price.group(1).replace(",", ""))
                except InvalidOperation:
                    rate = None
                break
        options.append(RoomOption(name, (short,) if short != name else (), rate))
    return options


def nightly_rate(room_type: str, settings: LeadSettings, options: list[RoomOption] | None = None) -> Decimal | None:
    """The room type's rate, else the property's default rate, else None (no estimate)."""
    if room_type:
        for option in options if options is not None else room_options():
            if option.name.casefold() == room_type.casefold() and option.rate is not None:
                return Decimal(option.rate)
    return settings.default_room_rate

"""The property's room types and nightly rates, for room matching and the estimated value.

Today they come from `RoomRate` rows (tenant admin). The knowledge base's rate items belong to
another app: it plugs in with `register_room_source(fn)`, where `fn()` returns `RoomOption`s for
the current schema. Rows here win over a source's entry of the same name, so a manager's
explicit rate is never overridden by a parsed document.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

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
    for source in _sources:
        for option in source():
            options.setdefault(option.name.casefold(), option)
    return list(options.values())


def nightly_rate(room_type: str, settings: LeadSettings, options: list[RoomOption] | None = None) -> Decimal | None:
    """The room type's rate, else the property's default rate, else None (no estimate)."""
    if room_type:
        for option in options if options is not None else room_options():
            if option.name.casefold() == room_type.casefold() and option.rate is not None:
                return Decimal(option.rate)
    return settings.default_room_rate

"""The property's room types and nightly rates, for room matching and the booking value.

They come from `RoomRate` rows (the settings page, the tenant admin). While that table is empty,
the nightly rates the knowledge base states ("The Family Suite costs from RM 650 per night") stand
in (`knowledge_rates`), so a property that uploaded its rates is not left without values; the
settings page offers them to be confirmed as rows. Other apps may plug in with
`register_room_source(fn)`, where `fn()` returns `RoomOption`s for the current schema. Rows win
over any other entry of the same name, so a manager's explicit rate is never overridden by a
parsed document. The rooms the knowledge base describes (each active "rooms" item: its title, and
the title less "Room"/"Bilik" as an alias) are room types too (`knowledge_rooms`), so a guest who names
one is understood even before any rate is known.

Every guest turn reads the catalogue (room matching, quotes, the lead's value): the two reads are kept per
process by `core.settings_cache`, keyed by schema and dropped when any rate row or knowledge item of the
property changes (`catalogue_changed`, wired below to their saves and deletes; `knowledge`'s `set_active`
says so itself for its queryset UPDATE). Plug-in sources are asked on every call: they own their freshness.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.db import connection
from django.db.models.signals import post_delete, post_save

from core import settings_cache
from core.patterns import whole_words
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


# "RM 650 per night", "MYR 320/night", "RM 650 semalam": a nightly price, not a package or a fee.
_NIGHTLY = re.compile(
    r"(?:RM|MYR)\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{2}))?\s*(?:per night|a night|/\s?night|semalam|satu malam)",
    re.IGNORECASE,
)
_TITLE_NOISE = re.compile(r"\s*\b(room\s+)?rates?\b\s*$|^\s*harga\s+", re.IGNORECASE)
# What an amount may be attached to other than the room: an extra bed or person, a child, a meal, a fee. Read in
# the amount's own clause (since the sentence's start or the previous amount), so "An extra bed costs RM 90 per
# night" prices the bed, not the Family Suite of the sentence before.
_EXTRA = (
    r"extra|additional|add(?:-on)?|supplement(?:ary)?|surcharge|fee|levy|tax|deposit|child(?:ren)?|kids?|infants?"
    r"|breakfast|lunch|dinner|meals?|buffet|parking|valet|transfer|late\s+check-?\s?out|early\s+check-?\s?in"
    r"|rollaway|tambahan|tambah|kanak(?:-kanak|2)?|budak|bayi|sarapan|makan|bayaran|caj|surcaj|cukai"
    r"|letak\s+kereta|parkir|daftar\s+(?:keluar\s+lewat|masuk\s+awal)"
)
_EXTRA_WORDS = whole_words(_EXTRA)
# "with breakfast", "inclusive of tax", "termasuk sarapan": what the room's rate includes or leaves out, not what it
# is the price of.
_INCLUDED = re.compile(
    r"(?i)\b(?:with|without|including|includes|included|inclusive\s+of|exclusive\s+of|excluding|incl\.?|excl\.?"
    r"|before|termasuk|dengan|tanpa|tidak\s+termasuk)\s+(?:free\s+|percuma\s+|daily\s+|all\s+)?"
    r"(?:buffet\s+)?(?:breakfast|sarapan(?:\s+pagi)?|tax(?:es)?|service\s+charge|sst|cukai)\b"
)
# Right after the nightly amount: "… per night per person", "… for an extra bed", "… untuk katil tambahan".
_AFTER_EXTRA = re.compile(
    rf"(?i)^\s*(?:(?:per|/|a|each)\s*(?:person|pax|adult|child|guest|head)\b|seorang\b|setiap\s+orang\b|per\s+orang\b"
    rf"|(?:for|untuk|bagi)\s+(?:(?:an?|each|every|one|the|setiap|satu|seorang)\s+)?(?:{_EXTRA})\b)"
)
# A sentence or line ends here ("RM 320.00" does not end one).
_SENTENCE_END = re.compile(r"[.!?;](?:\s|$)|\n")


# (category, title, content, undated) of the active rooms and rates items, in the model's order.
RoomItems = list[tuple[str, str, str, bool]]
CACHE_NAME = "leads.catalogue"


def _room_items() -> RoomItems:
    """What both knowledge readings below need, in one statement."""
    items = KnowledgeItem.objects.filter(is_active=True, category__in=[Category.ROOMS, Category.RATES])
    return [
        (category, title, content, valid_from is None and valid_to is None)
        for category, title, content, valid_from, valid_to in items.values_list(
            "category", "title", "content", "valid_from", "valid_to"
        )
    ]


def knowledge_rates(items: RoomItems | None = None) -> list[RoomOption]:
    """Room types and their lowest nightly rate as the knowledge base states them (active, undated items)."""
    found: dict[str, RoomOption] = {}
    items = items if items is not None else _room_items()
    for title, content in [(title, content) for _, title, content, undated in items if undated]:
        name = rate_room_name(title)
        amounts = room_amounts(content)
        if amounts and name:
            found.setdefault(name.casefold(), RoomOption(name, (), min(amounts)))
    return list(found.values())


def rate_room_name(title: str) -> str:
    """The room type a rates item's title names ("Deluxe King Room Rates" → "Deluxe King"); "" for an extra's
    prices ("Extra Bed Rates", "Harga Sarapan")."""
    name = _TITLE_NOISE.sub("", title).strip()
    return "" if _EXTRA_WORDS.search(_INCLUDED.sub("", name)) else name


def room_amounts(content: str) -> list[Decimal]:
    """The nightly amounts of a text that price a room, not an extra bed, a person, a child, a meal or a fee."""
    amounts = []
    matches = list(_NIGHTLY.finditer(content))
    for index, match in enumerate(matches):
        start = max((end.end() for end in _SENTENCE_END.finditer(content, 0, match.start())), default=0)
        if index:
            start = max(start, matches[index - 1].end())
        stop = matches[index + 1].start() if index + 1 < len(matches) else len(content)
        after = content[match.end() : stop]
        if _EXTRA_WORDS.search(_INCLUDED.sub("", content[start : match.start()])) or _AFTER_EXTRA.match(after):
            continue
        whole, cents = match.groups()
        try:
            amounts.append(Decimal(f"{whole.replace(',', '')}.{cents or '00'}"))
        except InvalidOperation:
            continue
    return amounts


_ROOM_SUFFIX = re.compile(r"\s+(?:room|rooms|bilik)$", re.IGNORECASE)


def knowledge_rooms(known: dict[str, RoomOption], items: RoomItems | None = None) -> list[RoomOption]:
    """The room types the knowledge base describes that `known` (rows or stated rates) does not name yet."""
    rooms = []
    items = items if items is not None else _room_items()
    for title in [title for category, title, _, _ in items if category == Category.ROOMS]:
        name = title.strip()
        short = _ROOM_SUFFIX.sub("", name)
        if name.casefold() in known or short.casefold() in known:
            continue  # "Deluxe King" priced from a rates item already stands for "Deluxe King Room"
        rooms.append(RoomOption(name, (short,) if short != name else ()))
    return rooms


def _catalogue() -> tuple[tuple[RoomOption, ...], RoomItems]:
    """The rate rows as options and the knowledge base's room items: what `room_options` reads."""
    rates = tuple(RoomOption(rate.name, tuple(rate.alias_list()), rate.nightly_rate) for rate in RoomRate.objects.all())
    return rates, _room_items()


def catalogue_changed(*args: object, **kwargs: object) -> None:
    """A rate row or a knowledge item of the current schema changed: every process reads the catalogue again
    (this one at once, the others once the change commits). Also a signal receiver."""
    settings_cache.changed(connection.schema_name)


def _item_saved(sender: type, instance: KnowledgeItem, created: bool, **kwargs: object) -> None:
    # A new item outside rooms and rates is not in the catalogue; an edited one may have left it (its category
    # before the edit is not known here).
    if not created or instance.category in _CATALOGUE_CATEGORIES:
        catalogue_changed()


def _item_deleted(sender: type, instance: KnowledgeItem, **kwargs: object) -> None:
    if instance.category in _CATALOGUE_CATEGORIES:  # the row as it stood: only rooms and rates were in it
        catalogue_changed()


_CATALOGUE_CATEGORIES = (Category.ROOMS, Category.RATES)
# A queryset's delete sends post_delete per row too. This module is loaded with the app (leads.turn imports it).
post_save.connect(catalogue_changed, sender=RoomRate, dispatch_uid="catalogue:leads.RoomRate:save")
post_delete.connect(catalogue_changed, sender=RoomRate, dispatch_uid="catalogue:leads.RoomRate:delete")
post_save.connect(_item_saved, sender=KnowledgeItem, dispatch_uid="catalogue:knowledge.KnowledgeItem:save")
post_delete.connect(_item_deleted, sender=KnowledgeItem, dispatch_uid="catalogue:knowledge.KnowledgeItem:delete")


def room_options() -> list[RoomOption]:
    rates, items = settings_cache.cached(connection.schema_name, CACHE_NAME, _catalogue)  # shared: never changed
    options = {option.name.casefold(): option for option in rates}
    if not options:
        options = {option.name.casefold(): option for option in knowledge_rates(items)}
    for option in knowledge_rooms(options, items):
        options.setdefault(option.name.casefold(), option)
    for source in _sources:
        for option in source():
            options.setdefault(option.name.casefold(), option)
    return [_described(option, items) for option in options.values()]


def _room_names(name: str) -> set[str]:
    """A room's name and its name less "Room": "Deluxe King Room" is also "Deluxe King"."""
    return {name.strip().casefold(), _ROOM_SUFFIX.sub("", name.strip()).casefold()}


def _described(option: RoomOption, items: RoomItems) -> RoomOption:
    """The option with the knowledge base's description of that room, when the base has one under its name."""
    for category, title, content, _ in items:
        if category == Category.ROOMS and _room_names(title) & _room_names(option.name):
            return dataclasses.replace(option, description=content)
    return option


def nightly_rate(room_type: str, settings: LeadSettings, options: list[RoomOption] | None = None) -> Decimal | None:
    """The room type's rate, else the property's default rate, else None (no estimate)."""
    if room_type:
        for option in options if options is not None else room_options():
            if option.name.casefold() == room_type.casefold() and option.rate is not None:
                return Decimal(option.rate)
    return settings.default_room_rate

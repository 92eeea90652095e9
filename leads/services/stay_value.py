"""A room stay priced night by night, as the hotel's own rates say: each night at its weekday or weekend rate, and a
dated surcharge on the nights inside its dates.

"The Deluxe King Room costs from RM 320 per night on weekdays (Sunday to Thursday) and RM 380 on Friday and
Saturday" gives the Deluxe King a weekend rate for Friday and Saturday nights; a dated rates item ("From 15
December to 2 January all rooms carry a 20% peak-season surcharge", valid 15 Dec–2 Jan) raises every night that
starts inside its dates. A weekend rate stands only beside the room's own base rate (the rate table's row, or the
knowledge base's weekday amount): a manager's row that differs from the document is the truth, and the
document's weekend amount is then not known to belong to it. Without a check-in date, or with no rule touching
any night, the value stays rate × nights × rooms (`rubric.booking_value`).

The rules are read from the knowledge base once per process while the property's catalogue is unchanged (the
same `settings_cache` stamp as `catalogue`, bumped by its signal receivers).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection

from core import settings_cache
from core.patterns import whole_words
from knowledge.models import Category, KnowledgeItem
from leads.services.catalogue import rate_room_name, room_amounts

CENTS = Decimal("0.01")
FRIDAY, SATURDAY, SUNDAY = 4, 5, 6
WEEKEND = frozenset({FRIDAY, SATURDAY})  # a hotel's weekend: the Friday and Saturday nights
_DAYS = {
    "mon": 0, "isnin": 0, "tue": 1, "selasa": 1, "wed": 2, "rabu": 2, "thu": 3, "khamis": 3,
    "fri": FRIDAY, "jumaat": FRIDAY, "sat": SATURDAY, "sabtu": SATURDAY, "sun": SUNDAY, "ahad": SUNDAY,
}  # fmt: skip
_DAY = r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*|isnin|selasa|rabu|khamis|jumaat|sabtu|ahad"
# "RM 380 on Friday and Saturday", "RM 380 per night at weekends", "RM 380 pada hujung minggu", "RM 380 (Fri–Sat)".
_WEEKEND_AMOUNT = re.compile(
    rf"(?:RM|MYR)\s?(\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.(\d{{2}}))?\s*(?:(?:per night|a night|/\s?night|semalam)\s*)?"
    rf"\(?(?:on|at|over|for|during|pada|untuk)?\s*(?:the\s+)?"
    rf"(weekends?|hujung\s+minggu|(?:{_DAY})(?:\s*(?:,|and|&|-|–|to|dan|hingga)\s*(?:{_DAY}))*)\b",
    flags=re.IGNORECASE,
)
# "a 20% peak-season surcharge", "surcharge of 20 %", "caj tambahan 20%".
_SURCHARGE = re.compile(
    r"(?i)(\d{1,3}(?:\.\d+)?)\s?%\s*(?:[\w-]+\s+){0,3}?(?:surcharge|supplement|surcaj|caj\s+tambahan)"
    r"|(?:surcharge|supplement|surcaj|caj\s+tambahan)\s+(?:of\s+|sebanyak\s+)?(\d{1,3}(?:\.\d+)?)\s?%"
)


# A dated surcharge on something other than the room ("express laundry carries a 50% surcharge", "extra beds …"):
# read in the surcharge's own sentence.
_NOT_THE_ROOM = whole_words(
    r"extra\s+beds?", "breakfast", "meals?", "buffet", "parking", "transfers?", "laundry", "spa", "massage",
    "katil tambahan", "sarapan", "makan", "letak kereta", "dobi",
)  # fmt: skip


@dataclass(frozen=True)
class WeekendRate:
    """A room's weekday rate and the rate of its weekend nights, as one rates item states them."""

    weekday: Decimal
    weekend: Decimal
    days: frozenset[int] = WEEKEND  # the weekdays (Monday 0) whose nights are weekend nights


@dataclass(frozen=True)
class Surcharge:
    percent: Decimal
    starts: dt.date
    ends: dt.date  # the last night it applies to


@dataclass(frozen=True)
class StayRules:
    weekends: dict[str, WeekendRate]  # room name, casefolded → its weekend rate
    surcharges: tuple[Surcharge, ...]


@dataclass(frozen=True)
class StayPrice:
    total: Decimal  # every night of one room, summed, times the rooms
    basis: str  # how, for staff: "3 nights: 2 × MYR 320, 1 × MYR 380, +20 % 15 Dec–2 Jan"


def _amount(whole: str, cents: str | None) -> Decimal:
    return Decimal(f"{whole.replace(',', '')}.{cents or '00'}")


def _weekend_days(phrase: str) -> frozenset[int]:
    """The nights a phrase names: "Friday and Saturday" → Fri, Sat; "Fri–Sun" → Fri, Sat, Sun; "weekend" → Fri,
    Sat."""
    names = [_DAYS.get(word.casefold()[:3], _DAYS.get(word.casefold())) for word in re.findall(_DAY, phrase, re.I)]
    days = [day for day in names if day is not None]
    if not days:
        return WEEKEND
    if len(days) == 2 and re.search(r"-|–|\bto\b|hingga", phrase):
        first, last = days
        return frozenset((first + step) % 7 for step in range((last - first) % 7 + 1))
    return frozenset(days)


def weekend_rate(content: str) -> WeekendRate | None:
    """The weekend rate a room's rates text states beside its weekday rate (None when it states none)."""
    weekdays = room_amounts(content)
    if not weekdays:
        return None
    weekday = min(weekdays)
    for match in _WEEKEND_AMOUNT.finditer(content):
        # "RM 300 per night Sunday–Thursday" names days too: those are the weekday rate's own
        if (weekend := _amount(match.group(1), match.group(2))) != weekday:
            return WeekendRate(weekday, weekend, _weekend_days(match.group(3)))
    return None


def surcharge(content: str, starts: dt.date | None, ends: dt.date | None) -> Surcharge | None:
    """A dated item's percentage surcharge (None when undated or it states none)."""
    if starts is None or ends is None:
        return None
    for sentence in re.split(r"(?<=[.!?;])\s+|\n", content):
        if (match := _SURCHARGE.search(sentence)) is not None and not _NOT_THE_ROOM.search(sentence):
            return Surcharge(Decimal(match.group(1) or match.group(2)), starts, ends)
    return None


def _key(room: str) -> str:
    """A room's name as rules are looked up: "Deluxe King Room" (a rate row) is the "Deluxe King" a rates item
    prices."""
    return re.sub(r"\s+(?:room|bilik)$", "", room.strip(), flags=re.IGNORECASE).casefold()


def _read_rules() -> StayRules:
    weekends: dict[str, WeekendRate] = {}
    surcharges = []
    items = KnowledgeItem.objects.filter(is_active=True, category__in=[Category.ROOMS, Category.RATES])
    for title, content, valid_from, valid_to in items.values_list("title", "content", "valid_from", "valid_to"):
        if valid_from is None and valid_to is None:
            name = rate_room_name(title)
            if name and (rate := weekend_rate(content)) is not None:
                weekends.setdefault(_key(name), rate)
        elif (found := surcharge(content, valid_from, valid_to)) is not None:
            surcharges.append(found)
    return StayRules(weekends, tuple(surcharges))


def stay_rules() -> StayRules:
    return settings_cache.cached(connection.schema_name, "leads.stay_rules", _read_rules)


def _money(currency: str, amount: Decimal) -> str:
    shown = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    return f"{currency} {shown}"


def _day_month(day: dt.date) -> str:
    return f"{day.day} {day:%b}"


def price_stay(
    rate: Decimal,
    room_type: str | None,
    check_in: dt.date | None,
    nights: int | None,
    rooms: int | None,
    rules: StayRules,
    currency: str,
) -> StayPrice | None:
    """The stay priced night by night from `rate` (the room's base rate); None when nothing makes one night differ
    from another (no check-in, or no weekend rate or surcharge touches the stay): the caller's rate × nights ×
    rooms stands."""
    if check_in is None:
        return None
    nights, rooms = nights or 1, rooms or 1
    weekend = rules.weekends.get(_key(room_type or ""))
    if weekend is not None and weekend.weekday != rate:
        weekend = None  # the rate table's row says otherwise: the document's weekend amount is not this rate's
    counts: dict[Decimal, int] = {}
    applied: dict[Surcharge, int] = {}
    total = Decimal("0")
    for offset in range(nights):
        night = check_in + dt.timedelta(days=offset)
        base = weekend.weekend if weekend is not None and night.weekday() in weekend.days else rate
        counts[base] = counts.get(base, 0) + 1
        price = base
        for extra in rules.surcharges:
            if extra.starts <= night <= extra.ends:
                price += base * extra.percent / 100
                applied[extra] = applied.get(extra, 0) + 1
        total += price
    if len(counts) == 1 and not applied:
        return None
    parts = [f"{count} × {_money(currency, amount)}" for amount, count in sorted(counts.items())]
    parts += [
        f"+{extra.percent.normalize():f} % on {count} night{'s' if count != 1 else ''} "
        f"({_day_month(extra.starts)}–{_day_month(extra.ends)})"
        for extra, count in applied.items()
    ]
    basis = f"{nights} night{'s' if nights != 1 else ''}: {', '.join(parts)}"
    if rooms > 1:
        basis += f"; × {rooms} rooms"
    return StayPrice((total * rooms).quantize(CENTS, rounding=ROUND_HALF_UP), basis)

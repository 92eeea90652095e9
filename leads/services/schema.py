"""The extracted lead fields and the validators that every extraction goes through.

Two producers feed `ExtractedLead`: the offline rules (`extraction.py`) and, later, an LLM's
structured output (`client.chat.completions.parse(response_format=ExtractedLead)`). Both are
checked by `validate_fields`, which drops (and reports) any field that fails instead of
rejecting the whole extraction: one hallucinated room type must not cost the guest's phone number.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import phonenumbers
from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

IntentName = Literal["room_booking", "event", "fb_inquiry", "general"]

EMAIL_RE = re.compile(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}$")
NAME_RE = re.compile(r"^[^\W\d_][\w'’./\- ]{0,99}$")
NAME_CONNECTORS = {"bin", "binti", "bt", "bte", "a/l", "a/p", "s/o", "d/o", "al", "van", "de", "da"}

MAX_SPECIAL_REQUESTS = 500
# How far ahead a date may be before we call it a mistake (a typo'd year, an LLM's invention).
MAX_DAYS_AHEAD = 2 * 366


@dataclass(frozen=True)
class RoomOption:
    """A room type the property sells: its name, other names guests use, and its nightly rate."""

    name: str
    aliases: tuple[str, ...] = ()
    rate: Any = None  # Decimal | None; Any to keep this module free of model imports
    description: str = ""  # the knowledge base's words for it: "the room with the city view" names it


@dataclass(frozen=True)
class ExtractionContext:
    """What extraction needs to know about the property and the moment."""

    reference: dt.datetime  # aware; relative dates ("esok") count from here unless a message has its own time
    timezone: str = "Asia/Kuala_Lumpur"
    country: str = "MY"
    rooms: Sequence[RoomOption] = field(default_factory=tuple)

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def today(self) -> dt.date:
        return self.reference.astimezone(self.tzinfo).date()

    def room_names(self) -> list[str]:
        return [room.name for room in self.rooms]


def _ctx(info: ValidationInfo) -> ExtractionContext | None:
    context = info.context or {}
    return context.get("ctx")


def _between(low: int, high: int, message: str) -> classmethod:
    """A validator that lets an absent count through and refuses one outside low..high."""

    def check(cls: type, value: int | None) -> int | None:
        if value is not None and not low <= value <= high:
            raise ValueError(message)
        return value

    return classmethod(check)


class ExtractedLead(BaseModel):
    """The lead fields a conversation can yield. Every field is optional: unknown stays None."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    intent: IntentName = "general"
    check_in: dt.date | None = None
    check_out: dt.date | None = None
    nights: int | None = None
    adults: int | None = None
    children: int | None = None
    rooms: int | None = None
    group_size: int | None = None
    room_type: str | None = None
    event_date: dt.date | None = None
    # What the guest asked for beside the booking ("extra pillow", "late check-in", "ada alahan kacang"):
    # kept for the team, never asked for.
    special_requests: str | None = None

    @field_validator("special_requests")
    @classmethod
    def _special_requests(cls, value: str | None) -> str | None:
        value = " ".join((value or "").split())
        return value[:MAX_SPECIAL_REQUESTS] or None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if not value:
            return None
        value = " ".join(value.split())
        if not NAME_RE.match(value) or any(ch.isdigit() for ch in value):
            raise ValueError("not a person's name")
        if value == value.lower():  # "ahmad bin ali" typed on a phone
            value = " ".join(w if w in NAME_CONNECTORS else w[:1].upper() + w[1:] for w in value.split())
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value:
            return None
        ctx = _ctx(info)
        region = ctx.country if ctx else "MY"
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException as exc:
            raise ValueError(f"not a phone number ({exc})") from None
        # A number written in international form with a possible length for its country is kept even when
        # libphonenumber does not list its range: a guest abroad knows their own number better than our tables.
        international = value.strip().startswith("+") and phonenumbers.is_possible_number(number)
        if not (phonenumbers.is_valid_number(number) or international):
            raise ValueError("not a valid phone number")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not EMAIL_RE.match(value):
            raise ValueError("not an e-mail address")
        return value.lower()

    @field_validator("check_in", "check_out", "event_date")
    @classmethod
    def _date_in_window(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        ctx = _ctx(info)
        if value is None or ctx is None:
            return value
        if value < ctx.today:
            raise ValueError(f"{value} is in the past")
        if (value - ctx.today).days > MAX_DAYS_AHEAD:
            raise ValueError(f"{value} is more than two years ahead")
        return value

    # Counts outside what a hotel can sell are a misreading, not a request.
    _nights = field_validator("nights")(_between(1, 90, "nights must be between 1 and 90"))
    _positive_count = field_validator("adults", "rooms")(_between(1, 500, "must be between 1 and 500"))
    _children = field_validator("children")(_between(0, 100, "must be between 0 and 100"))
    _group = field_validator("group_size")(_between(1, 5000, "must be between 1 and 5000"))

    @field_validator("room_type")
    @classmethod
    def _room_type(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value:
            return None
        ctx = _ctx(info)
        if ctx is None:
            return value
        for name in ctx.room_names():
            if name.casefold() == value.casefold():
                return name  # the property's own spelling
        raise ValueError(f"{value!r} is not one of this property's room types")

    @model_validator(mode="after")
    def _stay_is_consistent(self) -> ExtractedLead:
        if self.check_in and self.check_out:
            if self.check_out <= self.check_in:
                raise PydanticCustomError(
                    "check_out_not_after_check_in",
                    "check-out {check_out} is not after check-in {check_in}",
                    {"field": "check_out", "check_out": str(self.check_out), "check_in": str(self.check_in)},
                )
            # Dates the guest gave beat a night count said elsewhere.
            self.nights = (self.check_out - self.check_in).days
        elif self.check_in and self.nights:
            self.check_out = self.check_in + dt.timedelta(days=self.nights)
        if self.group_size is None and self.adults is not None:
            self.group_size = self.adults + (self.children or 0)
        return self

    def known_fields(self) -> dict[str, Any]:
        return {key: value for key, value in self.model_dump(mode="json").items() if value not in (None, "general")}


def validate_fields(data: dict[str, Any], ctx: ExtractionContext) -> tuple[ExtractedLead, dict[str, str]]:
    """Validate raw fields; a field that fails is dropped and reported in the second value (field → reason)."""
    data = {key: value for key, value in data.items() if key in ExtractedLead.model_fields and value is not None}
    rejected: dict[str, str] = {}
    for _ in range(len(ExtractedLead.model_fields) + 1):  # each round drops at least one field
        try:
            return ExtractedLead.model_validate(data, context={"ctx": ctx}), rejected
        except ValidationError as exc:
            for error in exc.errors():
                name = error["loc"][0] if error["loc"] else (error.get("ctx") or {}).get("field", "check_out")
                rejected[str(name)] = error["msg"]
                data.pop(str(name), None)
    raise AssertionError("unreachable: every round removes a failing field")


def from_llm_output(payload: str | dict[str, Any], ctx: ExtractionContext) -> tuple[ExtractedLead, dict[str, str]]:
    """The hook for an LLM's structured output: the same validators as the rules, nothing trusted as given."""
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except json.JSONDecodeError:
            return ExtractedLead(), {"__all__": "the model's output is not JSON"}
    if not isinstance(payload, dict):
        return ExtractedLead(), {"__all__": "the model's output is not an object"}
    return validate_fields(payload, ctx)

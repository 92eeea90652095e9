"""Form fields that take the API's JSON shape (lists) or the page's text shape (lines), validated the same way."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError

_RANGE = re.compile(r"^\s*(\S+)\s*[-–]\s*(\S+)\s*$")


class DayHoursField(forms.Field):
    """One weekday's opening ranges: [["09:00", "18:00"], …] or "09:00-18:00, 19:00-22:00" (empty: closed)."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> list[list[str]]:
        if value in (None, ""):
            return []
        if isinstance(value, list):
            return value
        if not isinstance(value, str):
            raise ValidationError("Expected ranges such as 09:00-18:00, 19:00-22:00.")
        ranges = []
        for part in value.split(","):
            if not part.strip():
                continue
            match = _RANGE.match(part)
            if not match:
                raise ValidationError(f"{part.strip()!r} is not a range such as 09:00-18:00.")
            ranges.append([match.group(1), match.group(2)])
        return ranges

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(
                f"{pair[0]}-{pair[1]}" for pair in value if isinstance(pair, list | tuple) and len(pair) == 2
            )
        return value


def validate_origin(value: str) -> str:
    """A browser origin: http(s)://host[:port], nothing after it. Returns it without a trailing slash."""
    if not isinstance(value, str):
        raise ValidationError("An origin must be text such as https://hotel.example.")
    origin = value.strip().rstrip("/")
    try:
        parts = urlsplit(origin)
        port = parts.port  # raises on a bad port
    except ValueError:
        raise ValidationError(f"{value!r} is not a URL origin such as https://hotel.example.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(f"{value!r} is not a URL origin such as https://hotel.example.")
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        raise ValidationError(f"{value!r} must be an origin only (scheme, host and port), without a path.")
    if port is not None and not 0 < port < 65536:
        raise ValidationError(f"{value!r} has an invalid port.")
    return origin


class OriginsField(forms.Field):
    """Allowed origins: a JSON list or one per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value: Any) -> list[str]:
        if value in (None, ""):
            return []
        if isinstance(value, str):
            value = [line for line in re.split(r"[\s,]+", value) if line]
        if not isinstance(value, list):
            raise ValidationError("Expected a list of origins.")
        return value

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        origins: list[str] = []
        errors = []
        for item in value:
            try:
                origins.append(validate_origin(item))
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        if len(origins) > 20:
            raise ValidationError("At most 20 origins per key.")
        value[:] = list(dict.fromkeys(origins))

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value


class RowsField(forms.Field):
    """A list of records: JSON objects (API) or text lines split on "|" (page), each a dict of `columns`."""

    widget = forms.Textarea(attrs={"rows": 4})

    def __init__(self, columns: tuple[str, ...], **kwargs: Any) -> None:
        self.columns = columns
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[dict[str, Any]]:
        if value in (None, ""):
            return []
        if isinstance(value, str):
            rows = []
            for number, line in enumerate(value.splitlines(), start=1):
                if not line.strip():
                    continue
                cells = [cell.strip() for cell in line.split("|")]
                if len(cells) > len(self.columns):
                    raise ValidationError(f"Line {number}: too many columns (expected {' | '.join(self.columns)}).")
                rows.append(dict(zip(self.columns, cells, strict=False)))
            return rows
        if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
            raise ValidationError("Expected a list of objects.")
        return value

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(
                " | ".join("" if row.get(c) is None else str(row.get(c)) for c in self.columns).rstrip(" |")
                for row in value
            )
        return value


# Written before or after an amount: "RM 650", "650 MYR", "S$120". A code other than the property's
# currency is refused rather than stored as if it were that currency.
_CURRENCY_MARKS = {"RM": "MYR", "S$": "SGD", "US$": "USD", "€": "EUR", "£": "GBP", "RP": "IDR", "฿": "THB"}
_MONEY = re.compile(r"^(?P<before>[^\d\s.,-]*)\s*(?P<amount>-?[\d.,\s]+?)\s*(?P<after>[^\d\s.,-]*)$")
_GROUPED = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def _currency_of(mark: str) -> str | None:
    mark = mark.strip().upper()
    if mark in _CURRENCY_MARKS:
        return _CURRENCY_MARKS[mark]
    return mark if re.fullmatch(r"[A-Z]{3}", mark) else None


def parse_money(value: Any, where: str = "", currency: str | None = None) -> Decimal:
    """An amount as a manager writes it: "650", "650.00", "1,200", "RM 650", "MYR 650", "650 MYR".

    `currency` (the property's): a written code or mark naming another currency is refused.
    `where` prefixes each message (a row of a list); a field of its own needs none.
    """

    def refuse(reason: str) -> ValidationError:
        return ValidationError(f"{where}: {reason}" if where else reason[0].upper() + reason[1:])

    text = str(value).strip()
    match = _MONEY.match(text)
    if match is None or (match["before"] and match["after"]):
        raise refuse(f"{value!r} is not an amount.")
    mark = match["before"] or match["after"]
    if mark:
        code = _currency_of(mark)
        if code is None:
            raise refuse(f"{mark!r} is not a currency; write the amount, e.g. 650 or RM 650.")
        if currency and code != currency:
            raise refuse(f"rates are in {currency}, not {code}.")
    digits = match["amount"].replace(" ", "")
    if "," in digits:
        if not _GROUPED.match(digits):
            raise refuse(f"{value!r} is not an amount (use 1,200.50 or 1200.50).")
        digits = digits.replace(",", "")
    try:
        amount = Decimal(digits)
    except (InvalidOperation, ValueError):
        raise refuse(f"{value!r} is not an amount.") from None
    if not amount.is_finite():
        raise refuse(f"{value!r} is not an amount.")
    if amount < 0:
        raise refuse("a rate cannot be negative.")
    if amount >= Decimal("100000000"):
        raise refuse(f"{value} is too large.")
    return amount.quantize(Decimal("0.01"))


class MoneyField(forms.Field):
    """An optional amount; parsed in the form's `clean_<name>` once the section's currency is known."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> str:
        return "" if value is None else str(value).strip()

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


def parse_money(value: Any, where: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{where}: {value!r} is not an amount.") from None
    if not amount.is_finite():
        raise ValidationError(f"{where}: {value!r} is not an amount.")
    if amount < 0:
        raise ValidationError(f"{where}: a rate cannot be negative.")
    if amount >= Decimal("100000000"):
        raise ValidationError(f"{where}: {value} is too large.")
    return amount.quantize(Decimal("0.01"))

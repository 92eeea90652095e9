"""Masks phone numbers and e-mail addresses in free text: log lines and audit details never carry them.

Pure Python (no Django import) so the logging configuration can use it before apps are loaded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

EMAIL_MASK = "<email>"
PHONE_MASK = "<phone>"

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
# International (+60 12-345 6789), bare E.164 digits / WhatsApp ids (60123456789), and local
# Malaysian forms (012-345 6789). Nine to fifteen digits: shorter runs are counts and ids.
_PHONE = re.compile(
    r"(?<![\w.:/-])(?:"
    r"\+\d[\d \-().]{7,20}\d"
    r"|\d{9,15}"
    r"|0\d{1,2}[- ]\d{3,4}[- ]?\d{4}"
    r")(?![\w])(?![.:/-]\d)"
)


def mask_text(text: str) -> str:
    text = _EMAIL.sub(EMAIL_MASK, text)

    def _phone(match: re.Match[str]) -> str:
        digits = sum(ch.isdigit() for ch in match.group(0))
        return PHONE_MASK if 9 <= digits <= 15 else match.group(0)

    return _PHONE.sub(_phone, text)


def mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {key: mask_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(mask_value(item) for item in value)
    return value


def mask_pii_processor(logger: Any, method_name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: the last step before rendering, so every field (and traceback) is covered."""
    return {key: mask_value(item) for key, item in event_dict.items()}

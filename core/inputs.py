"""The input boundary: what every door does to outside text before anything stores, encrypts or embeds it.

PostgreSQL rejects NUL in text, `str.encode("utf-8")` raises on a lone surrogate (which JSON's
`"\\ud800"` escape produces), Python's JSON parser recurses once per nesting level, and a date
of year 1 or 9999 overflows the first time it is shifted. Each of those reached a 500 from an
anonymous request. These functions turn them into one error, `BadInput(field, reason)`, which the
HTTP layer answers with a 400 naming the field; webhooks may instead choose to replace a lone
surrogate with U+FFFD so that nothing a guest wrote is dropped.

Pure Python (no Django import): any layer, a Celery task or a script may use it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from itertools import accumulate
from typing import Any, Literal, TypedDict, Unpack

__all__ = [
    "DATE_MAX",
    "DATE_MIN",
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "BadInput",
    "Nul",
    "Surrogates",
    "check_date",
    "clean_json",
    "clean_text",
    "decode_text",
    "json_depth",
    "load_json",
    "parse_date",
]

# Defaults; doors pass their own from settings (see docs/security.md for the values in use).
MAX_JSON_BYTES = 1_000_000
MAX_JSON_DEPTH = 32
# Dates a hotel can mean: wide enough for any stay, report or birth date, narrow enough that
# adding a year or a time zone offset can never overflow `datetime`.
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2199, 12, 31)

Surrogates = Literal["reject", "replace"]
# Doors where a person or a program types the text (API bodies, forms, query strings) refuse a NUL,
# so the sender learns of it; doors carrying what a guest wrote (webhooks) strip it, losing nothing.
Nul = Literal["strip", "reject"]

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# The only JSON escapes that can put a NUL or a surrogate into a parsed string (text decoded as strict
# UTF-8, or cleaned, holds neither itself): `\u0000` and `\ud800`–`\udfff`, hex in either case.
_ESCAPE_TO_CLEAN = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")
# A JSON string literal, unrolled so the engine never backtracks, and what is left between them.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class BadInput(ValueError):
    """Outside input that cannot be accepted: which field, and why, in words fit for the sender."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field
        self.reason = reason


def clean_text(
    value: str,
    field: str = "",
    *,
    surrogates: Surrogates = "reject",
    max_length: int | None = None,
    nul: Nul = "strip",
) -> str:
    """`value` without NUL characters (or refused, with `nul="reject"`); a lone surrogate is refused
    (or replaced by U+FFFD).

    The length is checked after cleaning, in characters, as the sender counts them.
    """
    if "\x00" in value:
        if nul == "reject":
            raise BadInput(field, "contains a NUL character")
        value = value.replace("\x00", "")
    # An ASCII string (most of them; `isascii` reads a flag CPython keeps) cannot hold a surrogate: no search.
    if not value.isascii() and _LONE_SURROGATE.search(value):
        if surrogates == "reject":
            raise BadInput(field, "contains an invalid character (a lone UTF-16 surrogate)")
        value = _LONE_SURROGATE.sub("\ufffd", value)
    if max_length is not None and len(value) > max_length:
        raise BadInput(field, f"is too long ({len(value)} characters; at most {max_length})")
    return value


class TextRules(TypedDict, total=False):
    """`clean_text`'s rules (see its arguments), for the functions that pass them on."""

    surrogates: Surrogates
    max_length: int | None
    nul: Nul


def decode_text(raw: bytes, field: str = "", **rules: Unpack[TextRules]) -> str:
    """Strict UTF-8 (a BOM is dropped), then `clean_text`. Invalid bytes are a `BadInput`, never guessed at."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(field, f"is not valid UTF-8 (byte {exc.start})") from None
    return clean_text(text, field, **rules)


def clean_json(
    value: Any,
    field: str = "",
    *,
    surrogates: Surrogates = "reject",
    max_depth: int = MAX_JSON_DEPTH,
    nul: Nul = "strip",
) -> Any:
    """A parsed JSON value with `clean_text` applied to every string, keys included.

    Walks iteratively (no recursion), so a value built in Python cannot overflow the stack either.
    The error names the path of the bad string below `field` (`items[3].title`).
    """
    if type(value) is dict and max_depth > 0 and all(_plain_text(k) and _plain_text(v) for k, v in value.items()):
        # A flat object of ASCII strings without NUL (a message's `extra`, most often): nothing to clean, and the
        # walk (a path per key, a stack entry per value) cost a webhook request more than its JSON parse.
        return dict(value)
    root: list[Any] = [value]
    # (container, key in container, value, path, depth)
    stack: list[tuple[Any, Any, Any, str, int]] = [(root, 0, value, field, 0)]
    while stack:
        parent, slot, item, path, depth = stack.pop()
        if isinstance(item, str):
            parent[slot] = clean_text(item, path, surrogates=surrogates, nul=nul)
        elif isinstance(item, Mapping | list | tuple):
            if depth >= max_depth:
                raise BadInput(path, f"is nested too deeply (at most {max_depth} levels)")
            if isinstance(item, Mapping):
                cleaned: dict[str, Any] = {}
                for key, child in item.items():
                    # The path is echoed in the error: it must be storable and encodable itself.
                    name = _LONE_SURROGATE.sub("\ufffd", str(key)).replace("\x00", "\ufffd")
                    child_path = f"{path}.{name}" if path else name
                    if isinstance(key, str):
                        key = clean_text(key, child_path, surrogates=surrogates, nul=nul)
                    cleaned[key] = child
                    stack.append((cleaned, key, child, child_path, depth + 1))
                parent[slot] = cleaned
            else:
                items = list(item)
                for index, child in enumerate(items):
                    stack.append((items, index, child, f"{path}[{index}]", depth + 1))
                parent[slot] = items
    return root[0]


def _plain_text(value: Any) -> bool:
    return type(value) is str and value.isascii() and "\x00" not in value


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON text, without parsing it.

    Strings are blanked first (a bracket inside a string does not count), then the running depth
    over the brackets left is summed in C (`accumulate`): a megabyte of brackets costs ~20 ms and
    no recursion. Unbalanced text is not JSON; an endless `[[[[` still measures as deep.
    """
    if text.count("[") + text.count("{") == 0:
        return 0
    brackets = _NOT_A_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(0, max(accumulate(map(_STEP.__getitem__, brackets)), default=0))


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# `json.loads(text, parse_constant=…)` builds a decoder and its scanner for every call; one serves them all.
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def _loads(text: str) -> Any:
    """`json.loads(text, parse_constant=_refuse_constant)`, the same value or the same error."""
    if text.startswith("\ufeff"):  # json.loads' own refusal, worded as it words it
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    return _DECODER.decode(text)


def load_json(
    raw: bytes | str,
    field: str = "body",
    *,
    max_bytes: int = MAX_JSON_BYTES,
    max_depth: int = MAX_JSON_DEPTH,
    surrogates: Surrogates = "reject",
    nul: Nul = "strip",
) -> Any:
    """Parse outside JSON: size and depth capped before parsing, strict UTF-8, strings cleaned.

    Every failure is a `BadInput`: invalid UTF-8, invalid JSON (NaN and Infinity included), an
    integer too long to convert, too large, too deep, a lone surrogate (when refused).
    """
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise BadInput(field, f"is too large ({size} bytes; at most {max_bytes})")
    # Strict UTF-8 never yields a surrogate; JSON escapes (`"\\ud800"`) can, and clean_json sees those.
    text = (
        decode_text(raw, field, nul=nul)
        if isinstance(raw, bytes)
        else clean_text(raw, field, surrogates=surrogates, nul=nul)
    )
    # No deeper than it has brackets: a body with few of them needs no measuring (Meta's have ~10).
    if text.count("[") + text.count("{") > max_depth and json_depth(text) > max_depth:
        raise BadInput(field, f"is nested too deeply (at most {max_depth} levels)")
    try:
        value = _loads(text)
    except RecursionError:
        raise BadInput(field, f"is nested too deeply (at most {max_depth} levels)") from None
    except ValueError as exc:
        # JSONDecodeError, NaN/Infinity, and int() past sys.get_int_max_str_digits().
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise BadInput(field, f"is not valid JSON ({reason})") from None
    if not _ESCAPE_TO_CLEAN.search(text):
        # Nothing for clean_json to change: the text was cleaned above, and its depth checked. Walking
        # every string of the parsed value anyway cost the webhook more CPU than parsing it. (An escaped
        # backslash before "u0000" also matches: that body takes the walk, which changes nothing.)
        return value
    try:
        # Paths are relative to the body (`items[3].title`); the body itself is `field`.
        return clean_json(value, surrogates=surrogates, max_depth=max_depth, nul=nul)
    except BadInput as exc:
        if exc.field:
            raise
        raise BadInput(field, exc.reason) from None


def check_date(
    value: dt.date,
    field: str = "",
    *,
    earliest: dt.date = DATE_MIN,
    latest: dt.date = DATE_MAX,
) -> dt.date:
    """`value` if it lies within [earliest, latest], else a `BadInput` that says the range."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if not earliest <= day <= latest:
        raise BadInput(field, f"must be between {earliest.isoformat()} and {latest.isoformat()}")
    return value


def parse_date(
    text: str,
    field: str = "",
    *,
    earliest: dt.date = DATE_MIN,
    latest: dt.date = DATE_MAX,
) -> dt.date:
    """An ISO date (`YYYY-MM-DD`) from outside text, range-checked."""
    cleaned = clean_text(text, field, max_length=32).strip()
    try:
        value = dt.date.fromisoformat(cleaned)
    except ValueError:
        raise BadInput(field, "is not a date (use YYYY-MM-DD)") from None
    return check_date(value, field, earliest=earliest, latest=latest)

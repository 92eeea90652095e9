"""core.inputs: whatever text or bytes arrive, the result is storable text or one BadInput, quickly."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from core import inputs
from core.inputs import (
    DATE_MAX,
    DATE_MIN,
    BadInput,
    check_date,
    clean_json,
    clean_text,
    decode_text,
    json_depth,
    load_json,
    parse_date,
)

# Every code point, lone surrogates and NUL included (Hypothesis leaves surrogates out by default).
any_text = st.text(alphabet=st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF))
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | any_text
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=20,
)


def _storable(value: object) -> bool:
    """What PostgreSQL text and our encryption accept: UTF-8-encodable and free of NUL."""
    if isinstance(value, str):
        value.encode("utf-8")
        return "\x00" not in value
    if isinstance(value, dict):
        return all(_storable(k) and _storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_storable(item) for item in value)
    return True


def _value_or_refusal(call: Callable[[Any, str], Any], given: object, field: str) -> tuple[Any, BadInput | None]:
    """What `call(given, field)` returns, or the BadInput it raised instead, which must name the field it was given."""
    try:
        return call(given, field), None
    except BadInput as exc:
        assert exc.field == field
        return None, exc


@given(any_text)
def test_replaced_text_is_always_storable_and_keeps_every_other_character(text: str) -> None:
    cleaned = clean_text(text, "message", surrogates="replace")
    assert _storable(cleaned)
    assert len(cleaned) == len(text) - text.count("\x00")


@given(any_text)
def test_refused_text_is_storable_or_refused_naming_the_field(text: str) -> None:
    cleaned, refusal = _value_or_refusal(clean_text, text, "message")
    if refusal:
        assert "surrogate" in refusal.reason
        assert any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)
    else:
        assert _storable(cleaned)
        assert cleaned == text.replace("\x00", "")


def test_text_longer_than_its_limit_is_refused_after_nul_is_stripped() -> None:
    assert clean_text("ab\x00\x00", "name", max_length=2) == "ab"
    with pytest.raises(BadInput, match="at most 2") as info:
        clean_text("abc", "name", max_length=2)
    assert info.value.field == "name"


@given(st.binary(max_size=200))
def test_any_bytes_decode_strictly_to_storable_text_or_bad_input(raw: bytes) -> None:
    text, refusal = _value_or_refusal(decode_text, raw, "file")
    if refusal:
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
    else:
        assert _storable(text)


def test_encoded_surrogates_and_overlong_forms_are_not_utf8() -> None:
    for raw in (b"\xed\xa0\x80", b"\xc0\x80", b"\xff", b"abc\x80"):
        with pytest.raises(BadInput, match="not valid UTF-8"):
            decode_text(raw, "file")
    assert decode_text("\ufeffhé".encode()) == "hé"  # a BOM is not content


@given(st.binary(max_size=300))
def test_any_bytes_load_as_json_or_raise_bad_input_only(raw: bytes) -> None:
    try:
        value = load_json(raw)
    except BadInput as exc:
        assert exc.field  # the whole body, or the path of the bad string
    else:
        assert _storable(value)


@given(json_values)
def test_json_round_trips_with_nul_stripped_and_surrogates_replaced(value: object) -> None:
    raw = json.dumps(value).encode()  # ensure_ascii: NUL and surrogates travel as \u escapes
    loaded = load_json(raw, surrogates="replace", max_depth=64)
    assert _storable(loaded)
    assert clean_json(value, surrogates="replace", max_depth=64) == loaded


def _outcome(raw: str, **options: str) -> tuple:
    try:
        return ("loaded", load_json(raw, max_depth=64, **options))
    except BadInput as exc:
        return ("refused", exc.field, exc.reason)


@given(
    json_values,
    st.sampled_from(["replace", "reject"]),
    st.sampled_from(["strip", "reject"]),
    st.booleans(),
)
@example(["x\ud800", {"\udc00": "a\x00b"}], "replace", "strip", True)
@example(["x\ud800"], "reject", "strip", True)
@example({"k": "a\x00b"}, "replace", "reject", True)
@example({"k": "\U0001f600 \u00e9"}, "reject", "reject", True)
def test_skipping_the_walk_of_a_body_without_escapes_to_clean_changes_no_outcome(
    value: object, surrogates: str, nul: str, ensure_ascii: bool
) -> None:
    # load_json walks the parsed value (clean_json) only when the text holds a \u0000 or surrogate
    # escape; with the walk forced (a pattern that always matches) every outcome must be the same.
    raw = json.dumps(value, ensure_ascii=ensure_ascii)
    fast = _outcome(raw, surrogates=surrogates, nul=nul)
    with mock.patch.object(inputs, "_ESCAPE_TO_CLEAN", re.compile("")):
        assert _outcome(raw, surrogates=surrogates, nul=nul) == fast


def test_a_body_with_an_escaped_backslash_before_u0000_loads_unchanged() -> None:
    assert load_json(b'{"k": "a\\\\u0000b"}') == {"k": "a\\u0000b"}  # a backslash, then the text u0000
    assert load_json(b'{"k": "a\\u0000b"}') == {"k": "ab"}  # the escape itself: NUL stripped


@given(json_values)
def test_json_with_a_lone_surrogate_is_refused_with_its_path(value: object) -> None:
    raw = json.dumps({"outer": [value, "x\ud800"]}).encode()
    with pytest.raises(BadInput) as info:
        load_json(raw)
    # The value generated first may hold a surrogate of its own; either way a path inside "outer".
    assert info.value.field.startswith("outer[")


def test_a_lone_surrogate_escape_in_a_key_is_refused() -> None:
    with pytest.raises(BadInput) as info:
        load_json(b'{"key": "\\ud800"}')
    assert info.value.field == "key"
    assert load_json(b'{"k": "\\ud83d\\ude00"}') == {"k": "\U0001f600"}  # a real pair is one emoji


@pytest.mark.parametrize("levels", [33, 1_000, 100_000])
def test_deep_json_is_refused_before_parsing_and_quickly(levels: int) -> None:
    for raw in ("[" * levels + "]" * levels, '{"a":' * levels + "1" + "}" * levels, "[" * levels):
        started = time.perf_counter()
        with pytest.raises(BadInput, match="nested too deeply"):
            load_json(raw.encode())
        assert time.perf_counter() - started < 0.5


def test_json_at_the_depth_limit_is_accepted_and_brackets_inside_strings_do_not_count() -> None:
    assert load_json(b"[" * 32 + b"]" * 32) is not None
    assert json_depth('["[[[[", {"a": "}}}"}]') == 2
    assert json_depth('"\\"[["') == 0
    assert load_json(json.dumps({"t": "[" * 500}).encode()) == {"t": "[" * 500}


def test_a_clean_json_of_a_deep_python_value_is_refused_without_recursion() -> None:
    value: object = "leaf"
    for _ in range(50_000):
        value = [value]
    with pytest.raises(BadInput, match="nested too deeply"):
        clean_json(value, "payload")


@pytest.mark.parametrize(
    "raw",
    [b"NaN", b"[Infinity]", b'{"a": -Infinity}', b"1" * 5000, b'{"a": 1', b"", b"\xff{}", b"{'a': 1}"],
)
def test_what_is_not_json_is_one_bad_input(raw: bytes) -> None:
    with pytest.raises(BadInput, match="not valid") as info:
        load_json(raw, "event")
    assert info.value.field == "event"


def test_json_over_its_size_is_refused_before_decoding() -> None:
    with pytest.raises(BadInput, match="too large") as info:
        load_json(b" " * 101 + b"{}", max_bytes=100)
    assert info.value.field == "body"


@given(st.dates())
def test_any_date_is_within_range_or_refused_with_the_range(day: dt.date) -> None:
    checked, refusal = _value_or_refusal(check_date, day, "from")
    if refusal:
        assert DATE_MIN.isoformat() in refusal.reason
        assert not DATE_MIN <= day <= DATE_MAX
    else:
        assert checked == day
        # Shifting an accepted date by a year and a day cannot overflow.
        assert day + dt.timedelta(days=367) > day - dt.timedelta(days=367)


@given(any_text)
def test_parse_date_accepts_iso_dates_and_refuses_anything_else_as_bad_input(text: str) -> None:
    day, refusal = _value_or_refusal(parse_date, text, "to")
    if not refusal:
        assert DATE_MIN <= day <= DATE_MAX


def test_parse_date_examples() -> None:
    assert parse_date(" 2026-12-24 ") == dt.date(2026, 12, 24)
    assert check_date(dt.datetime(2026, 1, 1, 5, tzinfo=dt.UTC)).year == 2026
    for text in ("0001-01-01", "9999-12-31", "2026-02-30", "yesterday", "2026-12-24\x00"):
        if text.endswith("\x00"):
            assert parse_date(text) == dt.date(2026, 12, 24)  # NUL is stripped, not an error
            continue
        with pytest.raises(BadInput):
            parse_date(text, "from")


@settings(max_examples=30)
@given(st.integers(min_value=1, max_value=40))
def test_depth_measure_matches_the_parsed_value(levels: int) -> None:
    raw = "[" * levels + "]" * levels
    assert json_depth(raw) == levels


def test_the_path_named_in_an_error_is_itself_encodable() -> None:
    """The path is echoed to the sender: a key holding a lone surrogate or a NUL must not break the answer."""
    for raw in (b'{"\\ud800": 1, "a": "\\udfff"}', b'{"k\\u0000": "\\ud800"}', b'{"\\ud800": "x"}'):
        with pytest.raises(BadInput) as refused:
            load_json(raw, nul="reject")
        json.dumps(refused.value.field).encode()
        str(refused.value).encode()


def test_json_refusals_read_as_the_json_modules_own() -> None:
    # load_json keeps one decoder for every call; its refusals still say what json.loads says.
    for raw in ("\ufeff\ufeff{}".encode(), "\ufeff{}", b'{"a": NaN}', b'{"a": 1', b"[1, 2] 3"):
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
        try:
            json.loads(text, parse_constant=lambda name: (_ for _ in ()).throw(ValueError(f"{name} is not JSON")))
        except ValueError as exc:
            expected = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        with pytest.raises(BadInput) as refusal:
            load_json(raw)
        assert refusal.value.reason == f"is not valid JSON ({expected})"


def test_a_flat_object_of_plain_text_is_copied_as_the_walk_would_give_it() -> None:
    flat = {"wa_id": "60123456789", "name": "Guest"}
    cleaned = clean_json(flat, "extra", surrogates="replace")
    assert cleaned == flat and cleaned is not flat  # a new object, as the walk builds
    assert clean_json({"wa_id": "6012\x003"}, "extra") == {"wa_id": "60123"}  # a NUL still goes
    assert clean_json({"name": "Zoë \ud800"}, "extra", surrogates="replace") == {"name": "Zoë \ufffd"}
    with pytest.raises(BadInput, match="nested too deeply"):
        clean_json({"a": "b"}, "extra", max_depth=0)

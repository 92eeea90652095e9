"""Contract tests: real-format Meta webhook bodies in tests/fixtures/whatsapp, each with its expectation.

A fixture is `NAME.payload.json` (or `.payload.txt` for bodies that are not JSON) beside
`NAME.expected.json`, which says either `"outcome": "events"` with the events in order (only the
keys it lists are compared) or `"outcome": "malformed"` with a fragment of the reason.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from messaging.whatsapp import (
    Ignored,
    InboundMessage,
    MalformedPayload,
    StatusUpdate,
    TemplateStatus,
    Unroutable,
    parse_webhook,
)
from messaging.whatsapp.errors import error_class_for

FIXTURES = Path(__file__).parent / "fixtures" / "whatsapp"
NUMBERS = {"106540352242922": "alpha", "109876543210987": "bravo"}
CASES = sorted(p.name.removesuffix(".expected.json") for p in FIXTURES.glob("*.expected.json"))


def payload_bytes(name: str) -> bytes:
    (path,) = FIXTURES.glob(f"{name}.payload.*")
    return path.read_bytes()


def as_plain(event: Any) -> dict[str, Any]:
    if isinstance(event, InboundMessage):
        row = dataclasses.asdict(event.message) | {"type": "message", "phone_number_id": event.phone_number_id}
    elif isinstance(event, StatusUpdate):
        row = dataclasses.asdict(event) | {"type": "status"}
    elif isinstance(event, Unroutable):
        row = dataclasses.asdict(event) | {"type": "unroutable"}
    elif isinstance(event, Ignored):
        row = dataclasses.asdict(event) | {"type": "ignored"}
    elif isinstance(event, TemplateStatus):
        row = dataclasses.asdict(event) | {"type": "template_status"}
    else:  # pragma: no cover - a new event type must be added here
        raise AssertionError(f"unexpected event {event!r}")
    if isinstance(row.get("timestamp"), dt.datetime):
        row["timestamp"] = row["timestamp"].isoformat()
    for key in ("media", "errors"):
        if isinstance(row.get(key), tuple):
            row[key] = list(row[key])
    return row


def assert_matches(expected: dict[str, Any], actual: dict[str, Any], where: str) -> None:
    for key, want in expected.items():
        if key == "extra":
            for extra_key, extra_want in want.items():
                assert actual["extra"].get(extra_key) == extra_want, f"{where}: extra[{extra_key!r}]"
        elif key == "media":
            assert len(actual["media"]) == len(want), f"{where}: media count"
            for got, media_want in zip(actual["media"], want, strict=True):
                assert {k: got[k] for k in media_want} == media_want, f"{where}: media"
        elif key == "error_class":
            codes = [error["code"] for error in actual["errors"]]
            assert [error_class_for(code, None).__name__ for code in codes] == [want], f"{where}: error class"
        elif key == "reason_contains":
            assert want in actual["reason"], f"{where}: reason {actual['reason']!r}"
        else:
            assert actual.get(key) == want, f"{where}: {key} = {actual.get(key)!r}, expected {want!r}"


def test_the_fixture_folder_covers_every_message_type_and_status() -> None:
    kinds = set()
    statuses = set()
    for name in CASES:
        for event in json.loads((FIXTURES / f"{name}.expected.json").read_text()).get("events", []):
            kinds.add(event.get("kind"))
            statuses.add(event.get("status"))
    for kind in [
        "text",
        "image",
        "audio",
        "video",
        "document",
        "sticker",
        "location",
        "interactive",
        "button",
        "reaction",
        "unsupported",
        "hologram",
    ]:
        assert kind in kinds, f"no fixture for {kind}"
    assert {"sent", "delivered", "read", "failed"} <= statuses
    assert sum(1 for name in CASES if name.startswith("malformed_")) >= 5


@pytest.mark.parametrize("name", CASES)
def test_fixture_parses_as_expected(name: str) -> None:
    expected = json.loads((FIXTURES / f"{name}.expected.json").read_text())
    body = payload_bytes(name)
    if expected["outcome"] == "malformed":
        with pytest.raises(MalformedPayload) as raised:
            parse_webhook(body, NUMBERS.get)
        assert expected["reason_contains"] in raised.value.reason
        return
    events = [as_plain(event) for event in parse_webhook(body, NUMBERS.get)]
    assert [e["type"] for e in events] == [e["type"] for e in expected["events"]], name
    for index, (want, got) in enumerate(zip(expected["events"], events, strict=True)):
        assert_matches(want, got, f"{name} event {index}")


@pytest.mark.parametrize("name", [n for n in CASES if not n.startswith("malformed_")])
def test_a_body_parses_the_same_from_bytes_text_and_a_decoded_dict(name: str) -> None:
    body = payload_bytes(name)
    from_bytes = parse_webhook(body, NUMBERS.get)
    assert parse_webhook(body.decode(), NUMBERS.get) == from_bytes
    assert parse_webhook(json.loads(body), NUMBERS.get) == from_bytes


@pytest.mark.parametrize("name", [n for n in CASES if not n.startswith("malformed_")])
def test_every_message_s_extra_can_be_stored_as_json(name: str) -> None:
    # The engine keeps `extra` in a JSONField: anything json cannot encode would fail at ingest.
    for event in parse_webhook(payload_bytes(name), NUMBERS.get):
        if isinstance(event, InboundMessage):
            json.dumps(event.message.extra)
            assert event.message.provider_message_id and event.message.thread_id

"""serialize.dump: the event row's payload, the same JSON `dataclasses.asdict` gave, for every fixture."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from conversations.pipeline import serialize
from core.crypto import encrypt_json
from messaging.base import Media, NormalizedMessage
from messaging.whatsapp import InboundMessage, parse_webhook
from messaging.whatsapp.inbound import MalformedPayload, load_body

FIXTURES = Path(__file__).resolve().parents[2] / "messaging" / "tests" / "fixtures" / "whatsapp"


def _asdict_dump(message: NormalizedMessage) -> dict:
    """What dump() was: a deep copy by dataclasses.asdict."""
    data = dataclasses.asdict(message)
    data["timestamp"] = message.timestamp.isoformat()
    data["media"] = [dataclasses.asdict(m) for m in message.media]
    return data


def _messages() -> list[NormalizedMessage]:
    found = []
    for path in sorted(FIXTURES.glob("*.payload.json")):
        try:
            events = parse_webhook(load_body(path.read_bytes()), lambda number: "tenant_a")
        except MalformedPayload:
            continue  # the fixtures of bodies refused whole
        found += [e.message for e in events if isinstance(e, InboundMessage)]
    found.append(
        NormalizedMessage(
            channel="email",
            property_schema="tenant_a",
            sender_id="guest@example.com",
            text="Hello",
            provider_message_id="<m1@example.com>",
            timestamp=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
            media=(Media("document", filename="a.pdf"), Media("image", provider_media_id="x")),
            extra={"references": ["<a>", "<b>"], "nested": {"list": [1, {"k": "v"}]}, "spam_score": 1.5},
        )
    )
    return found


MESSAGES = _messages()


def test_the_fixtures_give_messages_with_media_and_extras() -> None:
    assert len(MESSAGES) > 5
    assert any(m.media for m in MESSAGES) and any(m.extra.get("context") for m in MESSAGES)


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: m.provider_message_id[-24:])
def test_dump_is_what_asdict_gave(message: NormalizedMessage) -> None:
    dumped = serialize.dump(message)
    assert dumped == _asdict_dump(message)
    assert encrypt_json(dumped) and serialize.load(dumped) == message  # storable, and read back the same


def test_changing_the_dump_leaves_the_message_alone() -> None:
    message = MESSAGES[-1]
    dumped = serialize.dump(message)
    dumped["extra"]["spam_score"] = 99
    dumped["media"][0]["filename"] = "changed"
    assert message.extra["spam_score"] == 1.5 and message.media[0].filename == "a.pdf"

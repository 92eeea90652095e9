"""Contract tests: SendGrid Inbound Parse posts in tests/fixtures/email, each with its expectation.

A fixture is `NAME.form.json` (the form fields SendGrid posts besides the mail), an optional
`NAME.eml` (the raw MIME message, posted as the `email` field: SendGrid's raw mode) and
`NAME.expected.json` (`outcome` routed / unroutable / malformed, and the values to compare).
Each post goes through Django's own multipart encoding and parsing, as the webhook view will see it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.http import QueryDict
from django.test import RequestFactory

from messaging.email import InboundEmail, MalformedEmail, UnroutableEmail, parse_inbound

FIXTURES = Path(__file__).parent / "fixtures" / "email"
ADDRESSES = {"reservations@alpha.example": "alpha", "booking@bravo.example": "bravo"}
CASES = sorted(p.name.removesuffix(".expected.json") for p in FIXTURES.glob("*.expected.json"))
RECEIVED_AT = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)


def posted(name: str) -> tuple[QueryDict, Any]:
    fields = json.loads((FIXTURES / f"{name}.form.json").read_text())
    eml = FIXTURES / f"{name}.eml"
    if eml.exists():
        fields["email"] = eml.read_bytes().decode("utf-8")
    request = RequestFactory().post("/api/v1/webhook/email", data=fields)
    return request.POST, request.FILES


def parse(name: str) -> InboundEmail | UnroutableEmail:
    post, files = posted(name)
    return parse_inbound(post, files, resolve_schema=ADDRESSES.get, received_at=RECEIVED_AT)


def test_the_fixture_folder_covers_the_cases_the_issue_names() -> None:
    for name in ["first_mail", "first_mail_retry", "reply_quoting_our_answer", "malay_reply", "unknown_recipient"]:
        assert name in CASES
    assert any(name.startswith("malformed_") for name in CASES)


@pytest.mark.parametrize("name", CASES)
def test_fixture_parses_as_expected(name: str) -> None:
    expected = json.loads((FIXTURES / f"{name}.expected.json").read_text())
    if expected["outcome"] == "malformed":
        with pytest.raises(MalformedEmail) as raised:
            parse(name)
        assert expected["reason_contains"] in raised.value.reason
        return
    result = parse(name)
    if expected["outcome"] == "unroutable":
        assert isinstance(result, UnroutableEmail)
        assert list(result.recipients) == expected["recipients"]
        assert result.message_id == expected["provider_message_id"]
        return
    assert isinstance(result, InboundEmail), result
    message = result.message
    actual = {
        "schema": message.property_schema,
        "recipient": result.recipient,
        "sender_id": message.sender_id,
        "sender_name": message.sender_name,
        "text": message.text,
        "provider_message_id": message.provider_message_id,
        "thread_id": message.thread_id,
        "reply_to": message.reply_to,
        "references": list(result.references),
        "subject": result.subject,
        "timestamp": message.timestamp.isoformat(),
        "is_auto_reply": result.is_auto_reply,
        "spam_score": message.extra.get("spam_score"),
        "attachments": [
            {"filename": a.filename, "mime_type": a.mime_type, "size": len(a.content)} for a in result.attachments
        ],
        "media": [{"kind": m.kind, "filename": m.filename, "mime_type": m.mime_type} for m in message.media],
    }
    assert message.channel == "email" and message.kind == "email"
    for key, want in expected.items():
        if key in {"outcome", "description"}:
            continue
        if key == "text_not_contains":
            for fragment in want:
                assert fragment not in message.text, f"{name}: {fragment!r} left in the reply text"
        elif key == "full_text_contains":
            for fragment in want:
                assert fragment in message.extra["full_text"], name
        elif key == "provider_message_id_endswith":
            assert message.provider_message_id.endswith(want), message.provider_message_id
        elif key == "same_key_as":
            other = parse(want)
            assert isinstance(other, InboundEmail)
            assert other.dedupe_key == result.dedupe_key
        else:
            assert actual[key] == want, f"{name}: {key} = {actual[key]!r}, expected {want!r}"


def test_a_reply_and_the_first_mail_share_one_thread() -> None:
    first, reply, malay = parse("first_mail"), parse("reply_quoting_our_answer"), parse("malay_reply")
    assert isinstance(first, InboundEmail) and isinstance(reply, InboundEmail) and isinstance(malay, InboundEmail)
    assert first.message.thread_id == reply.message.thread_id == malay.message.thread_id
    assert len({first.dedupe_key, reply.dedupe_key, malay.dedupe_key}) == 3


def test_a_missing_message_id_still_gives_the_same_key_for_the_same_post() -> None:
    one, two = parse("no_message_id"), parse("no_message_id")
    assert isinstance(one, InboundEmail) and isinstance(two, InboundEmail)
    assert one.dedupe_key == two.dedupe_key


@pytest.mark.parametrize("name", [n for n in CASES if not n.startswith("malformed_")])
def test_every_mail_s_extra_can_be_stored_as_json(name: str) -> None:
    result = parse(name)
    if isinstance(result, InboundEmail):
        json.dumps(result.message.extra)
        assert result.message.provider_message_id and result.message.thread_id

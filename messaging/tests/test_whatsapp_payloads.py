"""The payload builders for end-to-end tests and benchmarks produce what the parsers accept."""

from __future__ import annotations

from django.test import RequestFactory

from messaging.email import InboundEmail, parse_inbound
from messaging.whatsapp import (
    InboundMessage,
    OutsideWindow,
    StatusUpdate,
    Undeliverable,
    parse_webhook,
    verify_signature,
)
from testsupport.payloads import (
    sendgrid_raw_post,
    whatsapp_signed_headers,
    whatsapp_status_body,
    whatsapp_text_body,
)

NUMBER = "106540352242922"
SECRET = "bench-secret"


def test_a_built_text_webhook_is_signed_and_parses_back() -> None:
    body = whatsapp_text_body(NUMBER, "60123456789", "Ada bilik kosong?", wamid="wamid.X1", timestamp=1795432931)
    headers = whatsapp_signed_headers(body, SECRET)
    assert verify_signature(body, headers["X-Hub-Signature-256"], SECRET)
    (event,) = parse_webhook(body, {NUMBER: "alpha"}.get)
    assert isinstance(event, InboundMessage)
    assert (event.message.text, event.message.provider_message_id) == ("Ada bilik kosong?", "wamid.X1")
    assert event.message.sender_id == "+60123456789"


def test_built_wamids_are_fresh_unless_given() -> None:
    ids = set()
    for _ in range(3):
        (event,) = parse_webhook(whatsapp_text_body(NUMBER, "60123456789", "hi"), {NUMBER: "alpha"}.get)
        assert isinstance(event, InboundMessage)
        ids.add(event.message.provider_message_id)
    assert len(ids) == 3


def test_a_failed_status_becomes_the_same_error_a_send_would_raise() -> None:
    body = whatsapp_status_body(NUMBER, "wamid.OUT9", "failed", "60123456789", error_code=131047)
    (status,) = parse_webhook(body, {NUMBER: "alpha"}.get)
    assert isinstance(status, StatusUpdate)
    assert isinstance(status.as_error(), OutsideWindow)
    body = whatsapp_status_body(NUMBER, "wamid.OUT9", "failed", "60123456789", error_code=131026)
    (status,) = parse_webhook(body, {NUMBER: "alpha"}.get)
    assert isinstance(status, StatusUpdate)
    error = status.as_error()
    assert isinstance(error, Undeliverable) and error.alert == "staff" and error.code == 131026
    (delivered,) = parse_webhook(
        whatsapp_status_body(NUMBER, "wamid.OUT9", "delivered", "60123456789"), {NUMBER: "alpha"}.get
    )
    assert isinstance(delivered, StatusUpdate) and delivered.as_error() is None


def test_a_built_sendgrid_post_parses_back_with_its_threading() -> None:
    fields = sendgrid_raw_post(
        "guest@example.org",
        "reservations@alpha.example",
        "Re: Rooms",
        "Yes please.\n\nOn Mon, Alpha Hotel wrote:\n> Shall we book?",
        message_id="<m2@example.org>",
        in_reply_to="<ours@alpha.example>",
        references="<m1@example.org> <ours@alpha.example>",
        sender_name="Guest Name",
    )
    post = RequestFactory().post("/", data=fields).POST
    result = parse_inbound(post, resolve_schema={"reservations@alpha.example": "alpha"}.get)
    assert isinstance(result, InboundEmail)
    assert result.message.text == "Yes please."
    assert result.message.thread_id == "<m1@example.org>"
    assert result.message.sender_name == "Guest Name"

"""Replies by e-mail: threading headers, and what really reaches an SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core import mail as django_mail
from django.core.mail import get_connection

from messaging.base import OutboundMessage, PermanentSendError, TransientSendError
from messaging.email import (
    EmailAdapter,
    InboundEmail,
    build_reply,
    new_message_id,
    parse_inbound,
    reply_references,
    reply_subject,
)
from testsupport.http import free_port
from testsupport.smtp import FakeSmtpServer

FIXTURES = Path(__file__).parent / "fixtures" / "email"
GUEST_FIRST = "<CAJ8pV+Yb2kq7Hn1XgN0=u4mKx9xQ1cA@mail.gmail.com>"


def answer(text: str = "Dear Aisyah,\n\nYes, a **Deluxe King** is free.", **extra: object) -> OutboundMessage:
    return OutboundMessage(
        channel="email",
        recipient_id="aisyah.rahman@gmail.com",
        text=text,
        reply_to=GUEST_FIRST,
        extra={
            "from_address": "reservations@alpha.example",
            "from_name": "Alpha Hotel",
            "subject": "Room for 2 on 12 Dec",
            **extra,
        },
    )


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Room for 2", "Re: Room for 2"),
        ("Re: Room for 2", "Re: Room for 2"),
        ("RE: Room", "RE: Room"),
        ("Balas: Tempahan", "Balas: Tempahan"),
        ("Re[2]: Room", "Re[2]: Room"),
        ("", "Re: your message"),
        ("  Room \n for   2 ", "Re: Room for 2"),
        ("Regarding rooms", "Re: Regarding rooms"),
    ],
)
def test_reply_subject(subject: str, expected: str) -> None:
    assert reply_subject(subject) == expected


def test_a_malay_guest_s_mail_without_a_subject_is_answered_under_a_malay_subject(fake_smtp: FakeSmtpServer) -> None:
    EmailAdapter().send(answer("Sarapan dihidangkan dari 6:30 pagi.", subject="", language="ms"))
    EmailAdapter().send(answer("Breakfast is from 6:30 am.", subject="", language="en"))
    malay, english = fake_smtp.wait_for(2, timeout=3)
    assert malay.message["Subject"] == "Re: mesej anda"
    assert english.message["Subject"] == "Re: your message"


def test_the_reply_is_signed_with_the_hotel_s_name_in_both_parts(fake_smtp: FakeSmtpServer) -> None:
    EmailAdapter().send(answer("Breakfast is from 6:30 am."))
    (received,) = fake_smtp.wait_for(1, timeout=3)
    text = received.message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = received.message.get_body(("html",)).get_content()
    assert text.rstrip().endswith("Breakfast is from 6:30 am.\n\n-- \nAlpha Hotel")
    assert html.rstrip().endswith("<p>-- <br>Alpha Hotel</p>")


def test_references_chain_the_guest_s_references_then_their_message() -> None:
    assert reply_references("<b@x>", ["<a@x>", "<b@x>"]) == ["<a@x>", "<b@x>"]
    assert reply_references("<c@x>", ["<a@x> <b@x>"]) == ["<a@x>", "<b@x>", "<c@x>"]
    long_chain = [f"<{i}@x>" for i in range(40)]
    trimmed = reply_references("<last@x>", long_chain)
    assert len(trimmed) == 20 and trimmed[0] == "<0@x>" and trimmed[-1] == "<last@x>"


def test_build_reply_sets_the_threading_headers_and_our_own_message_id() -> None:
    mail = build_reply(
        from_address="reservations@alpha.example",
        from_name="Alpha Hotel",
        to="aisyah.rahman@gmail.com",
        subject="Room for 2 on 12 Dec",
        text="Yes.",
        in_reply_to=GUEST_FIRST,
    )
    message = mail.message()
    assert message["From"] == "Alpha Hotel <reservations@alpha.example>"
    assert message["In-Reply-To"] == GUEST_FIRST
    assert message["References"] == GUEST_FIRST
    assert message["Subject"] == "Re: Room for 2 on 12 Dec"
    assert message["Message-ID"] == mail.extra_headers["Message-ID"]
    assert message["Message-ID"].endswith("@alpha.example>")


def test_the_threading_headers_arrive_at_the_smtp_server(fake_smtp: FakeSmtpServer) -> None:
    reply = parse_inbound(
        {"email": (FIXTURES / "reply_quoting_our_answer.eml").read_text()},
        resolve_schema={"reservations@alpha.example": "alpha"}.get,
    )
    assert isinstance(reply, InboundEmail)
    ours = OutboundMessage(
        channel="email",
        recipient_id=reply.message.sender_id,
        text="Booked: Deluxe King, 12-14 Dec.",
        reply_to=reply.message_id,
        extra={
            "from_address": reply.recipient,
            "from_name": "Alpha Hotel",
            "subject": reply.subject,
            "references": list(reply.references),
        },
    )
    result = EmailAdapter().send(ours)
    (received,) = fake_smtp.wait_for(1, timeout=3)
    message = received.message
    assert received.mail_from == "reservations@alpha.example"
    assert received.rcpt_tos == ("aisyah.rahman@gmail.com",)
    assert message["In-Reply-To"] == reply.message_id
    assert message["References"].split() == [*reply.references, reply.message_id]
    assert message["Message-ID"] == result.provider_message_id
    assert message["Subject"] == "Re: Room for 2 on 12 Dec"
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Booked: Deluxe King" in plain and "<p>Booked: Deluxe King" in html

    # The guest's next reply to this mail lands in the same thread as their first message.
    guest_next = (
        f"From: Aisyah Rahman <aisyah.rahman@gmail.com>\nTo: reservations@alpha.example\n"
        f"Message-ID: <next@mail.gmail.com>\nIn-Reply-To: {message['Message-ID']}\n"
        f"References: {message['References']} {message['Message-ID']}\n\nThank you!\n"
    )
    following = parse_inbound({"email": guest_next}, resolve_schema={"reservations@alpha.example": "alpha"}.get)
    assert isinstance(following, InboundEmail)
    assert following.message.thread_id == reply.message.thread_id == GUEST_FIRST


def test_markdown_becomes_html_and_raw_html_is_escaped(fake_smtp: FakeSmtpServer) -> None:
    EmailAdapter().send(answer("A **bold** offer <script>alert(1)</script>"))
    (received,) = fake_smtp.wait_for(1, timeout=3)
    html = received.message.get_body(("html",)).get_content()
    assert "<strong>bold</strong>" in html and "<script>" not in html


def test_the_summary_s_lines_stay_lines_in_the_html_part(fake_smtp: FakeSmtpServer) -> None:
    EmailAdapter().send(answer("Request: Event\nDates: 12 Jun 2027\nGuests: 150\n\nShall I pass these on?"))
    (received,) = fake_smtp.wait_for(1, timeout=3)
    html = received.message.get_body(("html",)).get_content().replace("\r\n", "\n")
    assert "<p>Request: Event<br />\nDates: 12 Jun 2027<br />\nGuests: 150</p>" in html, html


def test_a_refused_recipient_is_permanent_and_a_busy_one_transient(fake_smtp: FakeSmtpServer) -> None:
    fake_smtp.refused.add("aisyah.rahman@gmail.com")
    with pytest.raises(PermanentSendError):
        EmailAdapter().send(answer())
    fake_smtp.refused.clear()
    fake_smtp.temporary_failures = 1
    with pytest.raises(TransientSendError):
        EmailAdapter().send(answer())
    EmailAdapter().send(answer())
    assert len(fake_smtp.wait_for(1, timeout=3)) == 1


def test_an_unreachable_smtp_server_is_transient(settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 1
    with pytest.raises(TransientSendError):
        EmailAdapter().send(answer())


def test_it_refuses_to_send_without_a_from_address_or_text() -> None:
    adapter = EmailAdapter(get_connection("django.core.mail.backends.locmem.EmailBackend"))
    django_mail.outbox = []
    with pytest.raises(PermanentSendError):
        adapter.send(answer(from_address=""))
    with pytest.raises(PermanentSendError):
        adapter.send(answer("  "))
    assert django_mail.outbox == []
    adapter.send(answer())
    assert len(django_mail.outbox) == 1


def test_a_message_id_minted_before_sending_is_the_one_sent(fake_smtp: FakeSmtpServer) -> None:
    minted = new_message_id("reservations@alpha.example")
    result = EmailAdapter().send(answer(message_id=minted))
    (received,) = fake_smtp.wait_for(1, timeout=3)
    assert result.provider_message_id == minted == received.message["Message-ID"]

"""The inbound e-mail webhook's secret check and the parser's edge cases."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import pytest

from messaging.email import InboundEmail, MalformedEmail, UnroutableEmail, check_basic_auth, parse_inbound

FIXTURES = Path(__file__).parent / "fixtures" / "email"
ADDRESSES = {"reservations@alpha.example": "alpha"}


def basic(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()


class TestBasicAuth:
    def test_it_accepts_the_configured_secret(self) -> None:
        assert check_basic_auth(basic("sendgrid:s3cret-Value"), "sendgrid:s3cret-Value")

    def test_it_accepts_any_secret_of_a_rotation(self) -> None:
        secrets = ["sendgrid:old-secret", "sendgrid:new-secret"]
        assert check_basic_auth(basic("sendgrid:old-secret"), secrets)
        assert check_basic_auth(basic("sendgrid:new-secret"), secrets)

    @pytest.mark.parametrize(
        "header",
        [
            None,
            "",
            basic("sendgrid:wrong"),
            basic("sendgrid:s3cret-Valu"),
            "Bearer " + base64.b64encode(b"sendgrid:s3cret-Value").decode(),
            "Basic not-base64!!",
            "Basic",
        ],
    )
    def test_it_refuses_a_missing_or_wrong_secret(self, header: str | None) -> None:
        assert not check_basic_auth(header, "sendgrid:s3cret-Value")

    def test_nothing_is_accepted_when_no_secret_is_configured(self) -> None:
        assert not check_basic_auth(basic(":"), [])
        assert not check_basic_auth(basic(""), "")


def raw_post(eml: str, **fields: str) -> dict[str, str]:
    return {"email": eml, **fields}


def test_a_date_in_the_future_is_clamped_to_the_time_we_received_it() -> None:
    received = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
    eml = (
        "From: a@example.org\nTo: reservations@alpha.example\nMessage-ID: <f@x>\n"
        "Date: Fri, 01 Jan 2100 00:00:00 +0000\n\nhello\n"
    )
    result = parse_inbound(raw_post(eml), resolve_schema=ADDRESSES.get, received_at=received)
    assert isinstance(result, InboundEmail)
    assert result.message.timestamp == received


def test_a_missing_or_broken_date_is_the_time_we_received_it() -> None:
    received = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
    for date_header in ["", "Date: not a date\n"]:
        eml = f"From: a@example.org\nTo: reservations@alpha.example\nMessage-ID: <d@x>\n{date_header}\nhello\n"
        result = parse_inbound(raw_post(eml), resolve_schema=ADDRESSES.get, received_at=received)
        assert isinstance(result, InboundEmail)
        assert result.message.timestamp == received


def test_a_body_in_a_charset_nobody_knows_is_kept_as_utf_8_not_refused() -> None:
    for content_type in ("text/plain", "text/html"):
        eml = (
            "From: a@example.org\nTo: reservations@alpha.example\nMessage-ID: <cs@x>\n"
            f"Content-Type: {content_type}; charset=x-unknown\n\nAda bilik untuk 12 Jun? caf\u00e9\n"
        )
        result = parse_inbound(raw_post(eml), resolve_schema=ADDRESSES.get)
        assert isinstance(result, InboundEmail)
        assert "Ada bilik untuk 12 Jun?" in result.message.text and "café" in result.message.text


def test_attachment_bytes_are_decoded_and_referenced_by_checksum() -> None:
    eml = (FIXTURES / "with_attachment.eml").read_text()
    result = parse_inbound(raw_post(eml), resolve_schema=ADDRESSES.get)
    assert isinstance(result, InboundEmail)
    (attachment,) = result.attachments
    assert attachment.content.startswith(b"%PDF-1.4")
    assert result.message.media[0].sha256 == attachment.sha256


def test_the_raw_mail_may_arrive_as_an_uploaded_file() -> None:
    class Upload:
        def read(self) -> bytes:
            return (FIXTURES / "first_mail.eml").read_bytes()

    result = parse_inbound({}, {"email": Upload()}, resolve_schema=ADDRESSES.get)
    assert isinstance(result, InboundEmail)
    assert result.message.sender_id == "aisyah.rahman@gmail.com"


def test_the_resolver_sees_lower_cased_addresses_and_no_property_means_unroutable() -> None:
    seen: list[str] = []
    eml = "From: A <a@example.org>\nTo: Reservations@ALPHA.example\nMessage-ID: <u@x>\n\nhi\n"
    result = parse_inbound(raw_post(eml), resolve_schema=lambda a: seen.append(a) or None)
    assert isinstance(result, UnroutableEmail)
    assert seen == ["reservations@alpha.example"]
    assert result.sender == "a@example.org"


def test_a_reply_to_header_is_kept_for_answering() -> None:
    eml = (
        "From: Booking Agent <noreply@agent.example>\nReply-To: Guest <Guest@Example.org>\n"
        "To: reservations@alpha.example\nMessage-ID: <r@x>\n\nplease confirm\n"
    )
    result = parse_inbound(raw_post(eml), resolve_schema=ADDRESSES.get)
    assert isinstance(result, InboundEmail)
    assert result.message.extra["reply_to_address"] == "guest@example.org"


@pytest.mark.parametrize(
    "headers",
    ["Precedence: bulk\n", "X-Autoreply: yes\n", "Auto-Submitted: auto-generated\n"],
)
def test_robot_mail_is_flagged(headers: str) -> None:
    eml = f"From: a@example.org\nTo: reservations@alpha.example\nMessage-ID: <b@x>\n{headers}\nhi\n"
    result = parse_inbound(raw_post(eml), resolve_schema=ADDRESSES.get)
    assert isinstance(result, InboundEmail) and result.is_auto_reply


def test_a_bounce_from_the_mailer_daemon_is_flagged() -> None:
    eml = "From: MAILER-DAEMON@mx.example.org\nTo: reservations@alpha.example\nMessage-ID: <c@x>\n\nundeliverable\n"
    result = parse_inbound(raw_post(eml), resolve_schema=ADDRESSES.get)
    assert isinstance(result, InboundEmail) and result.is_auto_reply


def test_auto_submitted_no_is_a_person() -> None:
    eml = "From: a@example.org\nTo: reservations@alpha.example\nMessage-ID: <n@x>\nAuto-Submitted: no\n\nhi\n"
    result = parse_inbound(raw_post(eml), resolve_schema=ADDRESSES.get)
    assert isinstance(result, InboundEmail) and not result.is_auto_reply


def test_an_empty_post_is_malformed() -> None:
    with pytest.raises(MalformedEmail):
        parse_inbound({}, {}, resolve_schema=ADDRESSES.get)


def test_an_8bit_latin1_mail_survives_when_read_from_the_raw_form_bytes() -> None:
    from django.test import RequestFactory

    from messaging.email import raw_email_field

    eml = (
        b"From: =?iso-8859-1?q?Jos=E9?= <jose@example.es>\r\nTo: reservations@alpha.example\r\n"
        b"Message-ID: <latin1@example.es>\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\nHabitaci\xf3n para dos, por favor. Caf\xe9 incluido?\r\n"
    )
    boundary = "----sendgridboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="to"\r\n\r\nreservations@alpha.example\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="email"\r\n\r\n'
        ).encode()
        + eml
        + f"\r\n--{boundary}--\r\n".encode()
    )
    content_type = f"multipart/form-data; boundary={boundary}"
    request = RequestFactory().generic("POST", "/", data=body, content_type=content_type)
    raw_body = request.body  # read before request.POST, as the view must (Django streams the body once)

    garbled = parse_inbound(request.POST, resolve_schema=ADDRESSES.get)  # Django decoded it as UTF-8
    assert isinstance(garbled, InboundEmail) and "Café" not in garbled.message.text

    raw = raw_email_field(raw_body, request.META["CONTENT_TYPE"])
    assert raw == eml
    result = parse_inbound({**request.POST.dict(), "email": raw}, resolve_schema=ADDRESSES.get)
    assert isinstance(result, InboundEmail)
    assert result.message.text == "Habitación para dos, por favor. Café incluido?"
    assert result.message.sender_name == "José"


def test_raw_email_field_is_none_for_other_posts() -> None:
    from messaging.email import raw_email_field

    assert raw_email_field(b"a=b", "application/x-www-form-urlencoded") is None
    assert (
        raw_email_field(
            b'--x\r\nContent-Disposition: form-data; name="to"\r\n\r\nx\r\n--x--\r\n', "multipart/form-data; boundary=x"
        )
        is None
    )

"""Provider payloads built on demand, in the real formats, for end-to-end tests and benchmarks.

    body = whatsapp_text_body("106540352242922", "60123456789", "Hi, any rooms?")
    headers = whatsapp_signed_headers(body, app_secret)           # X-Hub-Signature-256 + JSON
    post = sendgrid_raw_post("guest@example.org", "reservations@alpha.example", "Hi", "Any rooms?")

Every call makes fresh ids unless given, so repeated deliveries are only repeated on purpose.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from messaging.whatsapp.inbound import sign

WABA_ID = "102290129340398"


def new_wamid() -> str:
    return "wamid.TEST" + uuid.uuid4().hex.upper()


def whatsapp_body(
    phone_number_id: str,
    *,
    messages: Sequence[dict[str, Any]] = (),
    statuses: Sequence[dict[str, Any]] = (),
    contacts: Sequence[dict[str, Any]] = (),
    display_phone_number: str = "60321234567",
) -> bytes:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": display_phone_number, "phone_number_id": phone_number_id},
    }
    if contacts:
        value["contacts"] = list(contacts)
    if messages:
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}],
    }
    return json.dumps(body, separators=(",", ":")).encode()


def whatsapp_text_body(
    phone_number_id: str,
    wa_id: str,
    text: str,
    *,
    wamid: str | None = None,
    name: str = "Test Guest",
    timestamp: int | None = None,
) -> bytes:
    message = {
        "from": wa_id,
        "id": wamid or new_wamid(),
        "timestamp": str(timestamp or int(time.time())),
        "type": "text",
        "text": {"body": text},
    }
    return whatsapp_body(phone_number_id, messages=[message], contacts=[{"profile": {"name": name}, "wa_id": wa_id}])


def whatsapp_status_body(
    phone_number_id: str,
    wamid: str,
    status: str,
    recipient_wa_id: str,
    *,
    error_code: int | None = None,
    timestamp: int | None = None,
) -> bytes:
    entry: dict[str, Any] = {
        "id": wamid,
        "status": status,
        "timestamp": str(timestamp or int(time.time())),
        "recipient_id": recipient_wa_id,
    }
    if error_code is not None:
        entry["errors"] = [{"code": error_code, "title": f"error {error_code}", "message": f"error {error_code}"}]
    return whatsapp_body(phone_number_id, statuses=[entry])


def whatsapp_signed_headers(body: bytes, app_secret: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, app_secret)}


def sendgrid_raw_post(
    sender: str,
    recipient: str,
    subject: str,
    text: str,
    *,
    message_id: str | None = None,
    in_reply_to: str = "",
    references: str = "",
    sender_name: str = "",
) -> dict[str, str]:
    """The form fields SendGrid Inbound Parse posts in raw mode (the whole MIME message in `email`)."""
    mail = EmailMessage()
    mail["From"] = f"{sender_name} <{sender}>" if sender_name else sender
    mail["To"] = recipient
    mail["Subject"] = subject
    mail["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    mail["Message-ID"] = message_id or make_msgid(domain=sender.rpartition("@")[2] or "example.org")
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
    if references:
        mail["References"] = references
    mail.set_content(text)
    return {
        "email": mail.as_string(),
        "to": recipient,
        "from": mail["From"],
        "subject": subject,
        "envelope": json.dumps({"to": [recipient], "from": sender}),
        "charsets": json.dumps({"to": "UTF-8", "from": "UTF-8", "subject": "UTF-8"}),
        "SPF": "pass",
        "spam_score": "0.0",
        "sender_ip": "127.0.0.1",
    }

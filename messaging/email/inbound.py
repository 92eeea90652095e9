"""Inbound e-mail from SendGrid Inbound Parse (raw MIME mode), read with django-anymail's parser.

SendGrid posts multipart/form-data; in raw mode the whole message is the `email` field, which
`AnymailInboundMessage.parse_raw_mime` reads (anymail's own SendGrid view does the same). The
default, parsed mode (`headers`, `text`, `html`, `attachment1…N`) is read too, its attachments as MIME parts
like a raw message's.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import default as default_policy
from typing import Any

from anymail.inbound import AnymailInboundMessage

from messaging.base import Media, NormalizedMessage
from messaging.email.quotes import html_to_text, strip_quoted

CHANNEL = "email"
_MSGID = re.compile(r"<[^<>\s]+>")
_RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "X-Forwarded-To")
_BOUNCE_SENDERS = re.compile(r"^(?:mailer-daemon|postmaster)@", re.IGNORECASE)

AddressResolver = Callable[[str], "str | None"]


class MalformedEmail(ValueError):
    """The post is not an inbound mail we can read; `reason` goes back with the 400."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class EmailAttachment:
    filename: str
    mime_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class InboundEmail:
    """A guest mail routed to a property. `message.provider_message_id` is the Message-ID (dedupe key)."""

    message: NormalizedMessage
    recipient: str  # the property address that routed it
    subject: str
    message_id: str
    in_reply_to: str
    references: tuple[str, ...]
    attachments: tuple[EmailAttachment, ...] = ()
    # Auto-replies and bounces must never be answered: two robots would write to each other forever.
    is_auto_reply: bool = False

    @property
    def dedupe_key(self) -> str:
        return self.message_id


@dataclass(frozen=True)
class UnroutableEmail:
    """No property owns any recipient address: log it and answer 200 (SendGrid drops 4xx silently anyway)."""

    recipients: tuple[str, ...]
    message_id: str
    sender: str


# --- Webhook authentication -------------------------------------------------------------------


def check_basic_auth(authorization: str | None, secrets: str | Sequence[str]) -> bool:
    """Does an `Authorization: Basic …` header carry one of the `user:password` webhook secrets?

    Several secrets may be valid at once while one is rotated out; none configured means no.
    """
    candidates = [secrets] if isinstance(secrets, str) else list(secrets)
    candidates = [s for s in candidates if s]
    if not authorization or not candidates:
        return False
    scheme, _, data = authorization.strip().partition(" ")
    if scheme.lower() != "basic" or not data:
        return False
    try:
        supplied = base64.b64decode(data.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    # Compare against every secret so the time taken does not tell which one nearly matched.
    matched = False
    for secret in candidates:
        matched |= hmac.compare_digest(supplied, secret.encode())
    return matched


# --- Parsing ----------------------------------------------------------------------------------


def raw_email_field(body: bytes, content_type: str) -> bytes | None:
    """The `email` field of a multipart/form-data body as the bytes SendGrid sent.

    Django decodes form fields as UTF-8 and replaces what is not, which garbles a mail sent in
    8-bit Latin-1 or Windows-1252; the webhook view passes these bytes as `email` instead
    (reading `request.body` before `request.POST`, and `request.META["CONTENT_TYPE"]`).
    """
    if not content_type.lower().startswith("multipart/form-data"):
        return None
    envelope = b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    form = BytesParser(policy=default_policy).parsebytes(envelope)
    if not form.is_multipart():
        return None
    for part in form.iter_parts():
        if part.get_param("name", header="content-disposition") == "email":
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else None
    return None


def parse_inbound(
    post_data: Mapping[str, Any],
    files: Mapping[str, Any] | None = None,
    *,
    resolve_schema: AddressResolver,
    received_at: dt.datetime | None = None,
) -> InboundEmail | UnroutableEmail:
    """One SendGrid Inbound Parse post → a routed mail, or the reason no property takes it."""
    received_at = received_at or dt.datetime.now(dt.UTC)
    mail, fingerprint = _load(post_data, files or {})
    sender = mail.from_email
    if isinstance(sender, list):  # legal but rare: several From addresses; the first one writes
        sender = sender[0] if sender else None
    if sender is None or not sender.addr_spec or "@" not in sender.addr_spec:
        raise MalformedEmail("the mail has no From address")
    sender_address = sender.addr_spec.strip().lower()

    message_id = _first_msgid(mail["Message-ID"]) or f"<{fingerprint[:40]}@missing-message-id.nocturn>"
    recipients = _recipients(mail, post_data)
    route = _route(recipients, resolve_schema)
    if route is None:
        return UnroutableEmail(recipients=tuple(recipients), message_id=message_id, sender=sender_address)
    recipient, schema = route

    in_reply_to = _first_msgid(mail["In-Reply-To"])
    references = tuple(_MSGID.findall(" ".join(str(v) for v in mail.get_all("References") or [])))
    # The thread is named by its first message, which every later reply references.
    thread_id = references[0] if references else (in_reply_to or message_id)

    html = _body(mail, "text/html")
    full_text = _body(mail, "text/plain") or (html_to_text(html) if html else "")
    text = strip_quoted(full_text) if full_text else ""
    subject = str(mail.subject or "").strip()
    attachments = tuple(_attachments(mail))
    auto = _is_auto_reply(mail, sender_address)

    extra: dict[str, Any] = {
        "subject": subject,
        "recipient": recipient,
        "references": list(references),
        "full_text": full_text,
        "auto_reply": auto,
    }
    if mail["Reply-To"]:
        reply_to_addresses = mail.get_address_header("Reply-To")
        if reply_to_addresses:
            extra["reply_to_address"] = reply_to_addresses[0].addr_spec.lower()
    spam_score = _float(post_data.get("spam_score"))
    if spam_score is not None:
        extra["spam_score"] = spam_score

    message = NormalizedMessage(
        channel=CHANNEL,
        property_schema=schema,
        sender_id=sender_address,
        sender_name=sender.display_name or "",
        text=text,
        provider_message_id=message_id,
        timestamp=_sent_at(mail, received_at),
        media=tuple(
            Media(kind=_media_kind(a.mime_type), mime_type=a.mime_type, sha256=a.sha256, filename=a.filename)
            for a in attachments
        ),
        kind="email",
        thread_id=thread_id,
        reply_to=in_reply_to,
        extra=extra,
    )
    return InboundEmail(
        message=message,
        recipient=recipient,
        subject=subject,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        attachments=attachments,
        is_auto_reply=auto,
    )


def _load(post_data: Mapping[str, Any], files: Mapping[str, Any]) -> tuple[AnymailInboundMessage, str]:
    """The parsed mail and a fingerprint of what was posted (the dedupe key when Message-ID is missing)."""
    raw: str | bytes | None = post_data.get("email")
    if raw is None and "email" in files:
        raw = files["email"].read()
    if raw:
        raw_bytes = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else raw
        try:
            mail = AnymailInboundMessage.parse_raw_mime_bytes(raw_bytes)
        except Exception as exc:  # the stdlib parser is lenient; anything it raises means garbage
            raise MalformedEmail(f"the raw 'email' field is not a MIME message: {exc}") from None
        return mail, hashlib.sha256(raw_bytes).hexdigest()
    headers = post_data.get("headers")
    if headers:
        text, html = post_data.get("text"), post_data.get("html")
        attachments = _parsed_attachments(post_data, files)
        mail = AnymailInboundMessage.construct(raw_headers=headers, text=text, html=html, attachments=attachments)
        fingerprint = hashlib.sha256("\0".join(str(x or "") for x in (headers, text, html)).encode()).hexdigest()
        return mail, fingerprint
    raise MalformedEmail("the post has neither a raw 'email' field nor parsed 'headers'")


def _body(mail: AnymailInboundMessage, content_type: str) -> str | None:
    """The first body part of this type, as text. A charset Python does not know ("x-unknown", a typo) is read
    as UTF-8 with replacements: the guest's words are kept, never refused (a 500 would have SendGrid retry for days)."""
    for part in mail.walk():
        if part.get_content_type() == content_type and not part.is_attachment():
            try:
                return part.get_content_text()
            except LookupError:
                return part.get_content_text(charset="utf-8", errors="replace")
    return None


def _first_msgid(value: Any) -> str:
    if not value:
        return ""
    found = _MSGID.search(str(value))
    if found:
        return found.group(0)
    bare = str(value).strip()
    return f"<{bare}>" if bare and " " not in bare else ""


def _recipients(mail: AnymailInboundMessage, post_data: Mapping[str, Any]) -> list[str]:
    """Every address the mail was for, the SMTP envelope first (it survives Bcc and mailing lists)."""
    found: list[str] = []
    try:
        envelope = json.loads(post_data.get("envelope") or "{}")
    except (TypeError, ValueError):
        envelope = {}
    envelope_to = envelope.get("to") if isinstance(envelope, dict) else None
    if isinstance(envelope_to, list):
        found.extend(str(a) for a in envelope_to)
    elif isinstance(envelope_to, str):
        found.append(envelope_to)
    for header in _RECIPIENT_HEADERS:
        found.extend(address.addr_spec for address in mail.get_address_header(header))
    unique: list[str] = []
    for address in found:
        normalised = address.strip().lower()
        if normalised and normalised not in unique:
            unique.append(normalised)
    return unique


def _route(recipients: Sequence[str], resolve_schema: AddressResolver) -> tuple[str, str] | None:
    for address in recipients:
        local, _, domain = address.partition("@")
        # "reservations+booking@hotel" is still "reservations@hotel".
        for candidate in dict.fromkeys([address, f"{local.split('+', 1)[0]}@{domain}"]):
            schema = resolve_schema(candidate)
            if schema:
                return candidate, schema
    return None


def _sent_at(mail: AnymailInboundMessage, received_at: dt.datetime) -> dt.datetime:
    try:
        sent = mail.date
    except (TypeError, ValueError):
        sent = None
    if sent is None:
        return received_at
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=dt.UTC)
    # A sender's clock (or a forged Date) far in the future must not reorder the conversation.
    return min(sent.astimezone(dt.UTC), received_at)


def _attachments(mail: AnymailInboundMessage) -> list[EmailAttachment]:
    result = []
    for part in mail.attachments:
        content = part.get_content_bytes() or b""
        filename = part.get_filename() or "attachment"
        result.append(EmailAttachment(filename=filename, mime_type=part.get_content_type(), content=content))
    return result


def _is_auto_reply(mail: AnymailInboundMessage, sender: str) -> bool:
    auto_submitted = str(mail["Auto-Submitted"] or "").strip().lower()
    precedence = str(mail["Precedence"] or "").strip().lower()
    return bool(
        (auto_submitted and auto_submitted != "no")
        or mail["X-Autoreply"]
        or mail["X-Autorespond"]
        or precedence in {"bulk", "junk", "list", "auto_reply"}
        or _BOUNCE_SENDERS.match(sender)
        or mail.get_content_type() == "multipart/report"
    )


def _media_kind(mime_type: str) -> str:
    major = mime_type.split("/", 1)[0]
    return major if major in {"image", "audio", "video"} else "document"


def _float(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def form_fields(body: bytes, content_type: str) -> dict[str, Any]:
    """Every field of a multipart/form-data post (the raw `email` as bytes, the others as text).

    The webhook reads the body itself (so its own size limit applies, not Django's form limit)
    and hands these fields to `parse_inbound`.
    """
    if not content_type.lower().startswith("multipart/form-data"):
        from urllib.parse import parse_qsl

        return dict(parse_qsl(body.decode("utf-8", "replace")))
    envelope = b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    form = BytesParser(policy=default_policy).parsebytes(envelope)
    if not form.is_multipart():
        raise MalformedEmail("the multipart body could not be read")
    fields: dict[str, Any] = {}
    for part in form.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        filename = part.get_param("filename", header="content-disposition")
        if name != "email" and filename:
            # Parsed mode's attachment1…N: files, kept as bytes (decoding them as text would garble them).
            fields[str(name)] = FilePart(str(filename), part.get_content_type(), payload)
            continue
        fields[str(name)] = (
            payload if name == "email" else payload.decode(part.get_content_charset() or "utf-8", "replace")
        )
    return fields


@dataclass(frozen=True)
class FilePart:
    """A file field of the form post (SendGrid's parsed-mode `attachmentN`)."""

    filename: str
    content_type: str
    content: bytes


def _parsed_attachments(post_data: Mapping[str, Any], files: Mapping[str, Any]) -> list[Any]:
    """Parsed mode's `attachment1…N` (named in `attachment-info`, counted by `attachments`) as MIME parts, so
    they are read exactly like a raw message's attachments."""
    try:
        info = json.loads(post_data.get("attachment-info") or "{}")
    except (TypeError, ValueError):
        info = {}
    info = info if isinstance(info, dict) else {}
    try:
        count = int(post_data.get("attachments") or 0)
    except (TypeError, ValueError):
        count = 0
    names = list(dict.fromkeys([*info, *(f"attachment{i}" for i in range(1, count + 1))]))
    parts = []
    for name in names:
        described = info.get(name) if isinstance(info.get(name), dict) else {}
        field = post_data.get(name)
        if isinstance(field, FilePart):
            content, content_type, filename = field.content, field.content_type, field.filename
        elif name in files:  # Django's request.FILES
            upload = files[name]
            content, content_type, filename = upload.read(), upload.content_type, upload.name
        else:
            continue
        parts.append(
            AnymailInboundMessage.construct_attachment(
                content_type=str(described.get("type") or content_type or "application/octet-stream"),
                content=content,
                filename=str(described.get("filename") or filename or name),
            )
        )
    return parts

"""Replies by e-mail through Django's mail backend, threaded into the guest's conversation.

The guest's client threads our answer because `In-Reply-To` names their message and
`References` carries the whole chain (RFC 5322 §3.6.4). We set our own `Message-ID` so the
guest's next reply can be matched to the conversation.
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Sequence
from email.utils import formataddr, make_msgid
from html import escape
from typing import Any

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.core.mail import EmailMultiAlternatives, get_connection
from markdown_it import MarkdownIt

from messaging.base import OutboundMessage, PermanentSendError, SendResult, TransientSendError

_MSGID = re.compile(r"<[^<>\s]+>")
_REPLY_PREFIX = re.compile(r"^\s*(?:re|balas|aw|sv|rif)\s*(?:\[\d+\])?\s*:", re.IGNORECASE)
MAX_REFERENCES = 20  # long chains are trimmed in the middle: the first id names the thread

# breaks: a reply's single line breaks (a booking summary, one fact a line) stay line breaks in the HTML part.
_markdown = MarkdownIt("commonmark", {"html": False, "breaks": True})
# The subject of a reply to a mail that had none, in the guest's language (a Malay guest reads no English).
_NO_SUBJECT = {"ms": "Re: mesej anda"}
_NO_SUBJECT_DEFAULT = "Re: your message"


def new_message_id(from_address: str) -> str:
    """A Message-ID under the property's domain. The outbox can mint it before sending and pass it as
    `extra["message_id"]`: a retry after an unrecorded success then re-sends the same id, which mail
    clients show once."""
    return make_msgid(domain=from_address.rpartition("@")[2] or "localhost")


def reply_subject(subject: str, language: str = "") -> str:
    subject = " ".join((subject or "").split())
    if not subject:
        return _NO_SUBJECT.get(language, _NO_SUBJECT_DEFAULT)
    return subject if _REPLY_PREFIX.match(subject) else f"Re: {subject}"


def reply_references(in_reply_to: str, references: Sequence[str]) -> list[str]:
    """The guest's References plus their Message-ID, de-duplicated, trimmed in the middle."""
    chain: list[str] = []
    for value in [*references, in_reply_to]:
        for msgid in _MSGID.findall(value or ""):
            if msgid not in chain:
                chain.append(msgid)
    if len(chain) > MAX_REFERENCES:
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
    return chain


def build_reply(
    *,
    from_address: str,
    to: str,
    subject: str,
    text: str,
    from_name: str = "",
    in_reply_to: str = "",
    references: Sequence[str] = (),
    html: str | None = None,
    message_id: str | None = None,
    connection: Any = None,
    new_thread: bool = False,
    language: str = "",
) -> EmailMultiAlternatives:
    """A reply from the property's address, threaded under the guest's message, signed with `from_name`
    (the hotel's name: an answer that ends mid-air reads like spam; the conversation keeps the text unsigned).

    Its Message-ID is in `mail.extra_headers["Message-ID"]`: store it with the outbound message.
    """
    headers = {"Message-ID": message_id or new_message_id(from_address)}
    parent = _MSGID.search(in_reply_to or "")
    if parent:
        headers["In-Reply-To"] = parent.group(0)
    chain = reply_references(in_reply_to, references)
    if chain:
        headers["References"] = " ".join(chain)
    mail = EmailMultiAlternatives(
        # A message that starts a thread (a booking confirmation) keeps its subject as written.
        subject=" ".join(subject.split()) if new_thread else reply_subject(subject, language),
        body=f"{text}\n\n-- \n{from_name}" if from_name else text,  # "-- ": the signature delimiter clients know
        from_email=formataddr((from_name, from_address)) if from_name else from_address,
        to=[to],
        headers=headers,
        connection=connection,
    )
    if html is None:
        html = _markdown.render(text) + (f"<p>-- <br>{escape(from_name)}</p>" if from_name else "")
    mail.attach_alternative(html, "text/html")
    return mail


class EmailAdapter:
    """The e-mail channel's sender. `message.extra` carries `from_address`, `from_name`, `subject`,
    `references`, the guest's `language` (and `new_thread` for a message we start); `message.reply_to` is the
    guest's Message-ID."""

    channel = "email"
    max_length = 100_000

    def __init__(self, connection: Any = None) -> None:
        self.connection = connection

    def format(self, text: str) -> list[str]:
        return [text.strip()] if text.strip() else []

    def send(self, message: OutboundMessage) -> SendResult:
        parts = self.format(message.text)
        if not parts:
            raise PermanentSendError("nothing to send: the text is empty")
        from_address = message.extra.get("from_address")
        if not from_address:
            raise PermanentSendError("no from_address for the property")
        mail = build_reply(
            from_address=from_address,
            from_name=message.extra.get("from_name", ""),
            to=message.recipient_id,
            subject=message.extra.get("subject", ""),
            text=parts[0],
            in_reply_to=message.reply_to,
            references=message.extra.get("references", ()),
            message_id=message.extra.get("message_id"),
            connection=self.connection or get_connection(),
            new_thread=bool(message.extra.get("new_thread")),
            language=message.extra.get("language", ""),
        )
        try:
            mail.send(fail_silently=False)
        except AnymailRecipientsRefused as exc:
            raise PermanentSendError(f"recipient refused: {exc}") from exc
        except AnymailAPIError as exc:
            status = getattr(exc, "status_code", None)
            if status is None or status >= 500 or status == 429:
                raise TransientSendError(f"mail provider failed: {exc}") from exc
            raise PermanentSendError(f"mail provider refused: {exc}") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            # 4xx ("mailbox busy", greylisting) is the server asking us to come back later.
            error = TransientSendError if codes and all(400 <= c < 500 for c in codes) else PermanentSendError
            raise error(f"recipient refused: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            error = TransientSendError if 400 <= exc.smtp_code < 500 else PermanentSendError
            raise error(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientSendError(f"mail server unreachable: {exc}") from exc
        msgid = mail.extra_headers["Message-ID"]
        return SendResult(provider_message_id=msgid, parts=1, provider_message_ids=(msgid,))

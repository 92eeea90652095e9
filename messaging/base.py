"""The one inbound message type and the adapter interface every channel implements."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field, fields
from typing import Any, Protocol

from core.durability import TransientError
from core.inputs import clean_json, clean_text


@dataclass(frozen=True)
class Media:
    """A media attachment as the provider describes it; the bytes are fetched later, never inline."""

    kind: str  # image | audio | video | document | sticker
    provider_media_id: str = ""
    mime_type: str = ""
    sha256: str = ""
    filename: str = ""
    caption: str = ""
    url: str = ""


@dataclass(frozen=True)
class NormalizedMessage:
    """One guest message, whatever channel it came from.

    `property_schema` names the tenant schema it was routed to; `provider_message_id` is the
    channel's own id (wamid, Message-ID, a widget client id) and makes ingestion idempotent.
    """

    channel: str  # whatsapp | web | email
    property_schema: str
    sender_id: str  # wa_id, e-mail address, widget visitor id
    text: str
    provider_message_id: str
    timestamp: dt.datetime
    sender_name: str = ""
    media: tuple[Media, ...] = ()
    kind: str = "text"  # the provider's message type (text, image, location, interactive, …)
    thread_id: str = ""  # the channel's conversation key: the property number, a mail thread id
    reply_to: str = ""  # the provider id of the message this one answers (a quoted reply, In-Reply-To)
    extra: dict[str, Any] = field(default_factory=dict)  # channel specifics kept for staff and audit

    def __post_init__(self) -> None:
        # The input boundary for what a guest wrote: a NUL (PostgreSQL refuses it) is dropped and a
        # lone surrogate (encryption cannot encode it) becomes U+FFFD; nothing else is lost. A text
        # `clean_text` returns unchanged is the same object: nothing to set.
        for name in _field_names():
            value = getattr(self, name)
            if isinstance(value, str) and (cleaned := clean_text(value, name, surrogates="replace")) is not value:
                object.__setattr__(self, name, cleaned)
        object.__setattr__(self, "extra", clean_json(self.extra, "extra", surrogates="replace"))


@functools.cache
def _field_names() -> tuple[str, ...]:
    """NormalizedMessage's fields, read once (`dataclasses.fields` builds its tuple on every call)."""
    return tuple(spec.name for spec in fields(NormalizedMessage))


@dataclass(frozen=True)
class OutboundMessage:
    channel: str
    recipient_id: str
    text: str
    thread_id: str = ""
    reply_to: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str
    parts: int = 1
    # Every id the provider gave, one per part, so delivery statuses of later parts can be matched.
    provider_message_ids: tuple[str, ...] = ()


class ChannelAdapter(Protocol):
    channel: str
    max_length: int

    def format(self, text: str) -> list[str]:
        """Fit a reply to the channel: split, strip unsupported formatting."""
        ...

    def send(self, message: OutboundMessage) -> SendResult:
        """Deliver one outbound message; raise a transient or permanent error on failure."""
        ...


class ChannelSendError(Exception):
    """A send failed. `retryable` tells the outbox whether trying again later can help.

    `parts_sent` counts the parts of a split message that did go out before the failure, so a
    retry resumes after them (`OutboundMessage.extra["resume_from_part"]`) instead of sending
    them twice.
    """

    retryable = False

    def __init__(self, reason: str, *, parts_sent: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.parts_sent = parts_sent


class TransientSendError(ChannelSendError, TransientError):
    """Worth retrying with back-off: provider overload, 5xx, timeouts, rate limits.

    It is a `core.durability.TransientError`, so a `DurableTask` retries it with back-off and
    jitter by itself, and writes a dead letter only after the last retry.
    """

    retryable = True


class PermanentSendError(ChannelSendError):
    """Retrying the same request cannot succeed: show it to people instead."""

"""WhatsApp Cloud API channel: webhook authentication and parsing, sending, media, send rate."""

from messaging.whatsapp.adapter import (
    DownloadedMedia,
    MediaInfo,
    WhatsAppAdapter,
    within_customer_service_window,
)
from messaging.whatsapp.errors import (
    AccountProblem,
    MediaRejected,
    OutsideWindow,
    Permanent,
    RateLimited,
    TokenExpired,
    Transient,
    Undeliverable,
    WhatsAppError,
)
from messaging.whatsapp.inbound import (
    Ignored,
    InboundMessage,
    MalformedPayload,
    StatusError,
    StatusUpdate,
    Unroutable,
    WebhookEvent,
    parse_webhook,
    sign,
    to_e164,
    verify_signature,
    verify_subscription,
)
from messaging.whatsapp.ratelimit import SendRateLimiter

__all__ = [
    "AccountProblem",
    "DownloadedMedia",
    "Ignored",
    "InboundMessage",
    "MalformedPayload",
    "MediaInfo",
    "MediaRejected",
    "OutsideWindow",
    "Permanent",
    "RateLimited",
    "SendRateLimiter",
    "StatusError",
    "StatusUpdate",
    "TokenExpired",
    "Transient",
    "Undeliverable",
    "Unroutable",
    "WebhookEvent",
    "WhatsAppAdapter",
    "WhatsAppError",
    "parse_webhook",
    "sign",
    "to_e164",
    "verify_signature",
    "verify_subscription",
    "within_customer_service_window",
]

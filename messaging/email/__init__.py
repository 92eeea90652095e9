"""E-mail channel: SendGrid Inbound Parse (via django-anymail) in, Django's mail backend out."""

from messaging.email.inbound import (
    EmailAttachment,
    InboundEmail,
    MalformedEmail,
    UnroutableEmail,
    check_basic_auth,
    parse_inbound,
    raw_email_field,
)
from messaging.email.outbound import (
    EmailAdapter,
    build_reply,
    new_message_id,
    reply_references,
    reply_subject,
)
from messaging.email.quotes import html_to_text, strip_quoted

__all__ = [
    "EmailAdapter",
    "EmailAttachment",
    "InboundEmail",
    "MalformedEmail",
    "UnroutableEmail",
    "build_reply",
    "check_basic_auth",
    "html_to_text",
    "new_message_id",
    "parse_inbound",
    "raw_email_field",
    "reply_references",
    "reply_subject",
    "strip_quoted",
]

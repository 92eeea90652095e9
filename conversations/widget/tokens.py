"""Guest tokens: signed, scoped to one conversation of one property, issued to one widget key.

A token names its schema, so the API and the websocket can route it without trusting anything
else the client sends; the signature (SECRET_KEY, own salt) makes it unforgeable.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

SALT = "nocturn.guest-token.v1"


@dataclass(frozen=True)
class GuestGrant:
    schema_name: str
    conversation_id: int
    widget_key_id: int


def issue(grant: GuestGrant) -> str:
    return signing.dumps(
        {"s": grant.schema_name, "c": grant.conversation_id, "k": grant.widget_key_id}, salt=SALT, compress=False
    )


def verify(token: str) -> GuestGrant | None:
    """The grant, or None for a token that is forged, malformed or too old."""
    if not token or len(token) > 512:
        return None
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.GUEST_TOKEN_MAX_AGE_DAYS * 86400)
        return GuestGrant(str(data["s"]), int(data["c"]), int(data["k"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None

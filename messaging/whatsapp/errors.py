"""Graph API failures classified by what the caller must do about them.

Meta answers errors as `{"error": {"code", "message", "error_subcode", "error_data": {"details"},
"fbtrace_id"}}`. The code decides the meaning; the HTTP status only decides when there is no code.
`alert` names who must hear about a permanent failure: "staff" (this guest can't be reached),
"platform_admins" (the platform's credentials or account need fixing), or "" (nobody in particular).
"""

from __future__ import annotations

from typing import Any

from messaging.base import ChannelSendError, PermanentSendError, TransientSendError

# Codes from Meta's Cloud API error reference.
OUTSIDE_WINDOW_CODES = frozenset({131047})  # re-engagement: more than 24 h since the guest's last message
RATE_LIMIT_CODES = frozenset({4, 80007, 130429, 131048, 131056})  # app, account, number, spam, pair limits
UNDELIVERABLE_CODES = frozenset({131026})  # not on WhatsApp, old app, terms not accepted
TOKEN_CODES = frozenset({190})  # access token expired or revoked
TRANSIENT_CODES = frozenset({1, 2, 131000, 131016, 133004})  # unknown / temporarily unavailable
ADMIN_CODES = frozenset({10, 200, 131031, 131042, 368, 132001})  # permissions, account locked, payment, template

PERMANENT_GENERIC = "permanent"


class WhatsAppError(ChannelSendError):
    """A Graph API failure; `code` is Meta's error code when it gave one."""

    alert = ""

    def __init__(
        self,
        reason: str,
        *,
        code: int | None = None,
        http_status: int | None = None,
        details: str = "",
        fbtrace_id: str = "",
        parts_sent: int = 0,
        retry_after: float | None = None,
        maybe_sent: bool = False,
    ) -> None:
        super().__init__(reason, parts_sent=parts_sent)
        self.code = code
        self.http_status = http_status
        self.details = details
        self.fbtrace_id = fbtrace_id
        self.retry_after = retry_after
        # A timeout after the request left us: Meta may have sent it; the Cloud API has no idempotency key.
        self.maybe_sent = maybe_sent

    def __str__(self) -> str:
        code = f" (code {self.code})" if self.code is not None else ""
        status = f" [HTTP {self.http_status}]" if self.http_status else ""
        return f"{self.reason}{code}{status}"


class Transient(WhatsAppError, TransientSendError):
    """Retry with back-off: 5xx, timeouts, connection errors, Meta's temporary errors."""


class RateLimited(Transient):
    """Too fast for the number, the pair or the app: retry later, slower."""


class Permanent(WhatsAppError, PermanentSendError):
    """Other 4xx: the request itself is wrong; retrying will not help."""


class OutsideWindow(Permanent):
    """Free text outside the 24-hour customer service window: send an approved template instead."""


class Undeliverable(Permanent):
    """This guest cannot receive WhatsApp messages from us: staff must reach them another way."""

    alert = "staff"


class TokenExpired(Permanent):
    """The access token is expired or revoked: nothing sends until a platform admin replaces it."""

    alert = "platform_admins"


class AccountProblem(Permanent):
    """Permissions, payment, a locked account or a missing template: the platform must act."""

    alert = "platform_admins"


class MediaRejected(Permanent):
    """A media file over the size limit or of a type we do not accept."""


def error_class_for(code: int | None, http_status: int | None) -> type[WhatsAppError]:
    if code in OUTSIDE_WINDOW_CODES:
        return OutsideWindow
    if code in RATE_LIMIT_CODES:
        return RateLimited
    if code in UNDELIVERABLE_CODES:
        return Undeliverable
    if code in TOKEN_CODES:
        return TokenExpired
    if code in TRANSIENT_CODES:
        return Transient
    if code in ADMIN_CODES:
        return AccountProblem
    if http_status == 429:
        return RateLimited
    if http_status is not None and http_status >= 500:
        return Transient
    if http_status == 401:
        return TokenExpired
    return Permanent


def from_response(
    http_status: int, body: Any, *, parts_sent: int = 0, retry_after: float | None = None
) -> WhatsAppError:
    """The exception for an error answer of the Graph API (any non-2xx)."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        error = {}
    raw_code = error.get("code")
    code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else None
    error_data = error.get("error_data") if isinstance(error.get("error_data"), dict) else {}
    reason = str(error.get("message") or error.get("error_user_msg") or f"Graph API answered HTTP {http_status}")
    cls = error_class_for(code, http_status)
    return cls(
        reason,
        code=code,
        http_status=http_status,
        details=str(error_data.get("details") or ""),
        fbtrace_id=str(error.get("fbtrace_id") or ""),
        parts_sent=parts_sent,
        retry_after=retry_after,
    )

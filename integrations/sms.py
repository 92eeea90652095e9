"""SMS, the last-resort channel for integration notices: a provider interface and two providers.

- `ConsoleSmsProvider` (development): logs the text instead of sending it.
- `HttpSmsProvider`: a Twilio-like form API — `POST {SMS_API_URL}` with HTTP basic auth
  (`SMS_ACCOUNT_SID`:`SMS_AUTH_TOKEN`) and the form fields `To`, `From`, `Body`; a 2xx answer is
  JSON with the message's `sid`. 5xx, 429 and network failures are transient (retried with
  back-off); any other 4xx is permanent (a bad number, a blocked recipient).

`provider()` reads `SMS_PROVIDER` (`console`, `http`, or empty for none).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import httpx
import structlog
from django.conf import settings

from messaging.base import PermanentSendError, TransientSendError

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class SmsResult:
    provider_id: str


class SmsProvider(Protocol):
    name: str

    def send(self, to: str, text: str) -> SmsResult:
        """Send one text to an E.164 number; raise TransientSendError or PermanentSendError."""
        ...


class ConsoleSmsProvider:
    name = "console"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, to: str, text: str) -> SmsResult:
        self.sent.append((to, text))
        # Masked, and no text: logs never hold a guest's contact details or booking (PDPA).
        log.info("sms_console", to=f"…{to[-4:]}", chars=len(text))
        return SmsResult(provider_id=f"console-{len(self.sent)}")


class HttpSmsProvider:
    name = "http"

    def __init__(self, url: str, account_sid: str, auth_token: str, sender: str, *, timeout: float = 10.0) -> None:
        self.url = url.format(sid=account_sid)
        self.auth = (account_sid, auth_token)
        self.sender = sender
        self.timeout = timeout

    def send(self, to: str, text: str) -> SmsResult:
        try:
            response = httpx.post(
                self.url, data={"To": to, "From": self.sender, "Body": text}, auth=self.auth, timeout=self.timeout
            )
        except httpx.TimeoutException as exc:
            raise TransientSendError(f"SMS provider timed out: {exc}") from exc
        except httpx.HTTPError as exc:
            raise TransientSendError(f"SMS provider unreachable: {exc}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientSendError(f"SMS provider answered {response.status_code}")
        if response.status_code >= 400:
            raise PermanentSendError(f"SMS provider refused ({response.status_code}): {_reason(response)}")
        try:
            sid = response.json().get("sid")
        except ValueError:
            sid = None
        if not isinstance(sid, str) or not sid:
            # Accepted without an id: sending again could text the guest twice.
            raise PermanentSendError("SMS provider accepted the message without a sid")
        return SmsResult(provider_id=sid)


def _reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("message") or body.get("code") or body)[:200] if isinstance(body, dict) else str(body)[:200]


_console = ConsoleSmsProvider()


def provider() -> SmsProvider | None:
    kind = (settings.SMS_PROVIDER or "").strip().lower()
    if kind == "console":
        return _console
    if kind == "http" and settings.SMS_API_URL:
        return HttpSmsProvider(
            settings.SMS_API_URL,
            settings.SMS_ACCOUNT_SID,
            settings.SMS_AUTH_TOKEN,
            settings.SMS_FROM,
            timeout=settings.SMS_HTTP_TIMEOUT,
        )
    return None

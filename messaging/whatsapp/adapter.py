"""Sending through the WhatsApp Cloud API (Graph API) with httpx, and fetching guests' media.

Every call has explicit timeouts and every failure leaves as one of the classified errors of
`errors.py`, so callers decide by meaning (retry, template, tell staff, alert admins), never by
parsing messages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

import messaging.whatsapp.errors as errors  # the module, not the package (which imports this one)
from messaging.base import OutboundMessage, SendResult
from messaging.media_types import DEFAULT_MEDIA_TYPES
from messaging.whatsapp.formatting import MAX_BODY, markdown_to_whatsapp, split_text
from messaging.whatsapp.ratelimit import SendRateLimiter

CUSTOMER_SERVICE_WINDOW = dt.timedelta(hours=24)
# Meta's limits for an interactive reply-buttons message: body text, button count, button title.
BUTTONS_BODY_MAX = 1024
BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20


def within_customer_service_window(last_guest_message_at: dt.datetime | None, now: dt.datetime) -> bool:
    """May we send free text? Only within 24 hours of the guest's last message."""
    if last_guest_message_at is None:
        return False
    if last_guest_message_at.tzinfo is None or now.tzinfo is None:
        raise ValueError("aware datetimes only")
    return dt.timedelta(0) <= now - last_guest_message_at < CUSTOMER_SERVICE_WINDOW


@dataclass(frozen=True)
class MediaInfo:
    media_id: str
    url: str
    mime_type: str
    sha256: str
    file_size: int | None


@dataclass(frozen=True)
class DownloadedMedia:
    media_id: str
    content: bytes
    mime_type: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


class WhatsAppAdapter:
    """One property number's sender. Use it as a context manager (or call `close()`)."""

    channel = "whatsapp"
    max_length = MAX_BODY

    def __init__(
        self,
        phone_number_id: str,
        access_token: str,
        *,
        base_url: str = "https://graph.facebook.com",
        api_version: str = "v23.0",
        timeout: float = 10.0,
        connect_timeout: float = 3.0,
        schema: str = "",
        rate_limiter: SendRateLimiter | None = None,
        media_max_bytes: int = 16 * 1024 * 1024,
        media_types: Sequence[str] = DEFAULT_MEDIA_TYPES,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.phone_number_id = phone_number_id
        self.schema = schema
        self.api_base = f"{base_url.rstrip('/')}/{api_version.strip('/')}"
        self.rate_limiter = rate_limiter
        self.media_max_bytes = media_max_bytes
        self.media_types = frozenset(t.lower() for t in media_types)
        self._auth = {"Authorization": f"Bearer {access_token}"}
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, connect_timeout)),
            transport=transport,
            follow_redirects=False,
        )

    @classmethod
    def from_settings(cls, phone_number_id: str, access_token: str = "", **overrides: Any) -> WhatsAppAdapter:
        from django.conf import settings

        options: dict[str, Any] = {
            "base_url": settings.GRAPH_API_BASE_URL,
            "api_version": settings.GRAPH_API_VERSION,
            "timeout": settings.WHATSAPP_HTTP_TIMEOUT,
            "media_max_bytes": settings.WHATSAPP_MEDIA_MAX_BYTES,
            "media_types": settings.WHATSAPP_MEDIA_TYPES,
        }
        options.update(overrides)
        return cls(phone_number_id, access_token or settings.WHATSAPP_ACCESS_TOKEN, **options)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> WhatsAppAdapter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- Sending ------------------------------------------------------------------------------

    def format(self, text: str) -> list[str]:
        return split_text(markdown_to_whatsapp(text), self.max_length)

    def send(self, message: OutboundMessage) -> SendResult:
        """Send a text reply, split into parts; on failure the error's `parts_sent` says how far it got.

        `message.extra["resume_from_part"]` skips parts a previous attempt already delivered.
        `message.extra["buttons"]` (`[{"id", "title"}]`, at most 3): the last part goes as an interactive
        reply-buttons message; the guest's tap comes back as an `interactive.button_reply` with the id.
        """
        parts = self.format(message.text)
        if not parts:
            raise errors.Permanent("nothing to send: the text is empty")
        buttons = list(message.extra.get("buttons") or ())[:BUTTONS_MAX]
        if buttons and len(parts[-1]) > BUTTONS_BODY_MAX:
            parts = [*parts[:-1], *split_text(parts[-1], BUTTONS_BODY_MAX)]  # the buttons' body has a tighter limit
        start = int(message.extra.get("resume_from_part", 0))
        ids: list[str] = []
        for index in range(start, len(parts)):
            payload: dict[str, Any] = {
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": _recipient(message.recipient_id),
                "type": "text",
                "text": {"body": parts[index]},
            }
            if buttons and index == len(parts) - 1:
                del payload["text"]
                payload["type"] = "interactive"
                payload["interactive"] = _reply_buttons(parts[index], buttons)
            if index == 0 and message.reply_to:
                payload["context"] = {"message_id": message.reply_to}
            try:
                ids.append(self._send_payload(payload))
            except errors.WhatsAppError as exc:
                exc.parts_sent = index
                raise
        return SendResult(provider_message_id=ids[0] if ids else "", parts=len(parts), provider_message_ids=tuple(ids))

    def send_template(self, to: str, name: str, language: str, components: Sequence[dict[str, Any]] = ()) -> SendResult:
        """An approved template: the only thing allowed outside the 24-hour window."""
        template: dict[str, Any] = {"name": name, "language": {"code": language}}
        if components:
            template["components"] = list(components)
        wamid = self._send_payload(
            {"messaging_product": "whatsapp", "to": _recipient(to), "type": "template", "template": template}
        )
        return SendResult(provider_message_id=wamid, parts=1, provider_message_ids=(wamid,))

    def mark_read_with_typing(self, wamid: str) -> None:
        """Blue ticks and a typing indicator (it clears on our reply or after 25 s)."""
        self._request(
            "POST",
            f"{self.api_base}/{self.phone_number_id}/messages",
            json={
                "messaging_product": "whatsapp",
                "status": "read",
                "message_id": wamid,
                "typing_indicator": {"type": "text"},
            },
        )

    def _send_payload(self, payload: dict[str, Any]) -> str:
        if self.rate_limiter is not None:
            wait = self.rate_limiter.acquire(self.schema, self.phone_number_id)
            if wait > 0:
                raise errors.RateLimited("per-number send rate reached", retry_after=wait)
        body = self._request("POST", f"{self.api_base}/{self.phone_number_id}/messages", json=payload)
        messages = body.get("messages") if isinstance(body, dict) else None
        first = messages[0] if isinstance(messages, list) and messages else None
        wamid = first.get("id") if isinstance(first, dict) else None
        if not isinstance(wamid, str) or not wamid:
            # Accepted but unreadable: retrying could send it twice, so it is not retryable.
            raise errors.Permanent("Graph API accepted the message without a message id", maybe_sent=True)
        return wamid

    # --- The number itself --------------------------------------------------------------------

    def phone_number(self) -> dict[str, Any]:
        """Meta's record of this number (`GET /{phone-number-id}`), read with this adapter's token.

        It answers only when the token may use the number; Meta refuses an unknown id and one of
        another business alike (400, code 100), so a success proves the binding.
        """
        body = self._request(
            "GET", f"{self.api_base}/{self.phone_number_id}", params={"fields": "id,display_phone_number,verified_name"}
        )
        if not isinstance(body, dict) or str(body.get("id") or "") != self.phone_number_id:
            raise errors.Permanent(f"number {self.phone_number_id}: the Graph API answered for another object")
        return body

    # --- Media --------------------------------------------------------------------------------

    def media_info(self, media_id: str) -> MediaInfo:
        body = self._request("GET", f"{self.api_base}/{media_id}")
        if not isinstance(body, dict) or not isinstance(body.get("url"), str):
            raise errors.Permanent(f"media {media_id}: the Graph API gave no download url")
        size = body.get("file_size")
        return MediaInfo(
            media_id=media_id,
            url=body["url"],
            mime_type=str(body.get("mime_type") or ""),
            sha256=str(body.get("sha256") or ""),
            file_size=int(size) if isinstance(size, int | str) and str(size).isdigit() else None,
        )

    def download_media(self, media_id: str) -> DownloadedMedia:
        """Fetch a guest's media; the url lives 5 minutes, so a failed download starts over from the id."""
        info = self.media_info(media_id)
        mime_type = info.mime_type.split(";")[0].strip().lower()
        if mime_type not in self.media_types:
            raise errors.MediaRejected(f"media {media_id}: type {info.mime_type or 'unknown'!r} is not accepted")
        if info.file_size is not None and info.file_size > self.media_max_bytes:
            raise errors.MediaRejected(f"media {media_id}: {info.file_size} bytes is over {self.media_max_bytes}")
        chunks: list[bytes] = []
        received = 0
        try:
            with self._http.stream("GET", info.url, headers=self._auth) as response:
                if response.status_code >= 400:
                    # An expired or refused url: fetching the id again gives a fresh one.
                    raise errors.Transient(
                        f"media {media_id}: download answered HTTP {response.status_code}",
                        http_status=response.status_code,
                    )
                for chunk in response.iter_bytes():
                    received += len(chunk)
                    if received > self.media_max_bytes:
                        raise errors.MediaRejected(f"media {media_id}: more than {self.media_max_bytes} bytes")
                    chunks.append(chunk)
        except httpx.HTTPError as exc:
            raise errors.Transient(f"media {media_id}: download failed: {exc.__class__.__name__}") from exc
        content = b"".join(chunks)
        digest = hashlib.sha256(content).hexdigest()
        if info.sha256 and info.sha256.lower() != digest:
            raise errors.Transient(f"media {media_id}: checksum mismatch (truncated download?)")
        return DownloadedMedia(media_id=media_id, content=content, mime_type=mime_type, sha256=digest)

    # --- HTTP ---------------------------------------------------------------------------------

    def _request(self, method: str, url: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, url, headers=self._auth, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise errors.Transient(f"Graph API unreachable: {exc.__class__.__name__}") from exc
        except httpx.TransportError as exc:
            # The request may have reached Meta before the answer was lost.
            raise errors.Transient(f"Graph API did not answer: {exc.__class__.__name__}", maybe_sent=True) from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            raise errors.from_response(response.status_code, body, retry_after=_retry_after(response))
        if body is None:
            raise errors.Permanent(f"Graph API answered HTTP {response.status_code} without JSON", maybe_sent=True)
        return body


def _recipient(recipient_id: str) -> str:
    # We store guests as "+{wa_id}"; Meta wants the wa_id back, which may differ from a dialled number.
    return recipient_id.strip().lstrip("+")


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _reply_buttons(body: str, buttons: Sequence[dict[str, str]]) -> dict[str, Any]:
    """An interactive reply-buttons object as the Cloud API takes it (ids ≤ 256 chars, titles ≤ 20)."""
    replies = [
        {"type": "reply", "reply": {"id": str(b["id"])[:256], "title": str(b["title"])[:BUTTON_TITLE_MAX]}}
        for b in buttons
    ]
    return {"type": "button", "body": {"text": body}, "action": {"buttons": replies}}

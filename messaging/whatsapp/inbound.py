"""WhatsApp Cloud API webhooks: signature, subscription check, and the parser into routed events.

The parser is all-or-nothing: it either returns every event of a body or raises
`MalformedPayload`, so the webhook view can answer 400 without having stored half a batch.
Inside a well-formed body nothing a guest can send makes it raise: unknown message types,
unknown statuses and unknown interactive types come out as events with their raw data kept.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

from core.inputs import BadInput, load_json
from messaging.base import Media, NormalizedMessage
from messaging.whatsapp.errors import WhatsAppError, error_class_for

CHANNEL = "whatsapp"
SIGNATURE_PREFIX = "sha256="
MEDIA_TYPES = frozenset({"image", "audio", "video", "document", "sticker"})
TEMPLATE_FIELD = "message_template_status_update"

SchemaResolver = Callable[[str], "str | None"]


class MalformedPayload(ValueError):
    """The body is not a WhatsApp webhook we can read; `reason` says why (sent back with the 400)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- Authentication ---------------------------------------------------------------------------


_HEX_SHA256 = re.compile("[0-9a-f]{64}")


def verify_signature(raw_body: bytes, header: str | None, app_secret: str) -> bool:
    """Check `X-Hub-Signature-256` (HMAC-SHA256 of the raw body keyed by the app secret).

    Anything but a well-formed matching header is False; an unset secret never verifies, so a
    misconfigured deployment refuses traffic instead of accepting it unsigned.
    """
    if not header or not app_secret or not isinstance(raw_body, bytes | bytearray):
        return False
    header = header.strip()
    if not header.lower().startswith(SIGNATURE_PREFIX):
        return False
    received = header[len(SIGNATURE_PREFIX) :].strip().lower()
    if not _HEX_SHA256.fullmatch(received):
        return False
    # One call into OpenSSL's HMAC: the `hmac.new` object (two hash objects, a copy) cost more than the digest.
    expected = hmac.digest(app_secret.encode(), bytes(raw_body), "sha256").hex()
    return hmac.compare_digest(expected, received)


def sign(raw_body: bytes, app_secret: str) -> str:
    """The header value Meta would send for `raw_body` (for tests, fakes and benchmarks)."""
    return SIGNATURE_PREFIX + hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()


def verify_subscription(params: Mapping[str, Any], verify_token: str) -> str | None:
    """The challenge to echo for a valid `GET ?hub.mode=subscribe&hub.verify_token=…`, else None."""
    if not verify_token:
        return None
    mode = _first(params.get("hub.mode"))
    token = _first(params.get("hub.verify_token"))
    challenge = _first(params.get("hub.challenge"))
    if mode != "subscribe" or not isinstance(token, str) or not challenge:
        return None
    if not hmac.compare_digest(token.encode(), verify_token.encode()):
        return None
    return str(challenge)


def _first(value: Any) -> Any:
    # A QueryDict's .get already returns one value; a plain dict of lists (parse_qs) does not.
    if isinstance(value, list | tuple):
        return value[0] if value else None
    return value


# --- Events -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboundMessage:
    """A guest message routed to a property."""

    phone_number_id: str
    message: NormalizedMessage

    @property
    def dedupe_key(self) -> str:
        return self.message.provider_message_id


@dataclass(frozen=True)
class StatusError:
    code: int | None
    title: str = ""
    message: str = ""
    details: str = ""


@dataclass(frozen=True)
class StatusUpdate:
    """Delivery news about a message we sent (sent, delivered, read, failed, or a future status)."""

    phone_number_id: str
    property_schema: str
    provider_message_id: str  # the wamid we got back when sending
    status: str
    timestamp: dt.datetime
    recipient_id: str  # E.164
    recipient_wa_id: str
    errors: tuple[StatusError, ...] = ()
    conversation_id: str = ""
    pricing_category: str = ""
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @property
    def dedupe_key(self) -> str:
        # Meta re-delivers statuses too; one wamid goes through each status at most once.
        return f"{self.provider_message_id}:{self.status}"

    def as_error(self) -> WhatsAppError | None:
        """A failed status as the same classified error a synchronous send would raise (None otherwise)."""
        if not self.failed:
            return None
        first = self.errors[0] if self.errors else StatusError(code=None)
        error_class = error_class_for(first.code, None)
        return error_class(first.message or first.title or "delivery failed", code=first.code, details=first.details)


@dataclass(frozen=True)
class Unroutable:
    """A change for a phone number id no property owns: log it and still answer 200."""

    phone_number_id: str
    kind: str  # message | status
    provider_id: str
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Ignored:
    """A change we do not handle (another webhook field, a change-level error): log and answer 200."""

    field: str
    reason: str
    phone_number_id: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TemplateStatus:
    """Meta's review of a message template (field `message_template_status_update`): APPROVED, REJECTED,
    PAUSED, DISABLED, … It names the WhatsApp Business account (`entry.id`), not a number: the receiver
    routes it to every property with a number in that account."""

    waba_id: str
    template_id: str
    name: str
    language: str
    event: str
    reason: str = ""
    time: int = 0

    @property
    def dedupe_key(self) -> str:
        return f"template:{self.template_id or self.name}:{self.language}:{self.event}:{self.time}"


WebhookEvent = InboundMessage | StatusUpdate | Unroutable | Ignored | TemplateStatus


# --- Parser -----------------------------------------------------------------------------------


def parse_webhook(body: bytes | str | Mapping[str, Any], resolve_schema: SchemaResolver) -> list[WebhookEvent]:
    """Every event of a webhook body, in order; raises `MalformedPayload` for an unreadable body."""
    payload = load_body(body)
    if payload.get("object") != "whatsapp_business_account":
        raise MalformedPayload(f"object must be 'whatsapp_business_account', got {payload.get('object')!r}")
    entries = _list(payload, "entry", "body")
    events: list[WebhookEvent] = []
    for e, entry in enumerate(entries):
        where = f"entry[{e}]"
        if not isinstance(entry, dict):
            raise MalformedPayload(f"{where} must be an object")
        for c, change in enumerate(_list(entry, "changes", where)):
            if isinstance(change, dict) and change.get("field") == TEMPLATE_FIELD:
                events.append(_parse_template_status(entry, change, f"{where}.changes[{c}]"))
                continue
            events.extend(_parse_change(change, f"{where}.changes[{c}]", resolve_schema))
    return events


# The doors refuse a body over 3 MB before it gets here (conversations/pipeline/receive.py); this only
# keeps load_json's own cap out of their way.
PARSE_MAX_BYTES = 16 * 1024 * 1024


def load_body(body: bytes | str | Mapping[str, Any]) -> dict[str, Any]:
    """The webhook body as a JSON object, or MalformedPayload saying why not."""
    if isinstance(body, Mapping):
        return dict(body)
    try:
        # Meta's text is the guest's: NUL dropped, lone surrogates replaced, never refused; depth capped.
        payload = load_json(body, "body", max_bytes=PARSE_MAX_BYTES, surrogates="replace")
    except BadInput as exc:
        raise MalformedPayload(f"body is not JSON we accept: {exc.reason}") from None
    if not isinstance(payload, dict):
        raise MalformedPayload("body must be a JSON object")
    return payload


def _list(obj: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = obj.get(key)
    if not isinstance(value, list):
        raise MalformedPayload(f"{where}.{key} must be a list")
    return value


def _str(obj: Mapping[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value:
        raise MalformedPayload(f"{where}.{key} is missing")
    return value


def _parse_change(change: Any, where: str, resolve_schema: SchemaResolver) -> list[WebhookEvent]:
    if not isinstance(change, dict):
        raise MalformedPayload(f"{where} must be an object")
    field_name = change.get("field")
    value = change.get("value")
    if field_name != "messages":
        # Account, template and quality updates arrive on the same URL when subscribed.
        return [
            Ignored(field=str(field_name), reason="field not handled", raw=value if isinstance(value, dict) else {})
        ]
    if not isinstance(value, dict):
        raise MalformedPayload(f"{where}.value must be an object")
    metadata = value.get("metadata")
    if not isinstance(metadata, dict):
        raise MalformedPayload(f"{where}.value.metadata must be an object")
    phone_number_id = _str(metadata, "phone_number_id", f"{where}.value.metadata")
    messages = value.get("messages", [])
    statuses = value.get("statuses", [])
    if not isinstance(messages, list) or not isinstance(statuses, list):
        raise MalformedPayload(f"{where}.value.messages and .statuses must be lists")
    contacts = value.get("contacts", [])
    names = _contact_names(contacts if isinstance(contacts, list) else [])

    schema = resolve_schema(phone_number_id)
    events: list[WebhookEvent] = []
    for i, raw in enumerate(messages):
        w = f"{where}.value.messages[{i}]"
        if schema is None:
            events.append(Unroutable(phone_number_id, "message", _peek_id(raw, w), raw))
        else:
            events.append(InboundMessage(phone_number_id, _parse_message(raw, w, schema, phone_number_id, names)))
    for i, raw in enumerate(statuses):
        w = f"{where}.value.statuses[{i}]"
        if schema is None:
            events.append(Unroutable(phone_number_id, "status", _peek_id(raw, w), raw))
        else:
            events.append(_parse_status(raw, w, schema, phone_number_id))
    if not messages and not statuses:
        errors = value.get("errors")
        reason = f"change-level errors: {errors}" if errors else "no messages or statuses"
        events.append(Ignored(field="messages", reason=reason, phone_number_id=phone_number_id, raw=value))
    return events


def _parse_template_status(entry: Mapping[str, Any], change: Mapping[str, Any], where: str) -> WebhookEvent:
    value = change.get("value")
    if not isinstance(value, dict) or not value.get("message_template_name") or not value.get("event"):
        return Ignored(
            field=TEMPLATE_FIELD, reason="no template name or event", raw=value if isinstance(value, dict) else {}
        )
    time = entry.get("time")
    return TemplateStatus(
        waba_id=_str(entry, "id", where.split(".changes", 1)[0]),
        template_id=str(value.get("message_template_id") or ""),
        name=str(value["message_template_name"]),
        language=str(value.get("message_template_language") or ""),
        event=str(value["event"]).upper(),
        reason=str(value.get("reason") or ""),
        time=time if isinstance(time, int) and not isinstance(time, bool) else 0,
    )


def _peek_id(raw: Any, where: str) -> str:
    if not isinstance(raw, dict):
        raise MalformedPayload(f"{where} must be an object")
    return _str(raw, "id", where)


def _contact_names(contacts: list[Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for contact in contacts:
        if isinstance(contact, dict):
            profile = contact.get("profile") if isinstance(contact.get("profile"), dict) else {}
            wa_id = contact.get("wa_id")
            if isinstance(wa_id, str) and isinstance(profile.get("name"), str):
                names[wa_id] = profile["name"]
    return names


@functools.lru_cache(maxsize=10_000)
def to_e164(wa_id: str) -> str:
    """`+{wa_id}` formatted by phonenumbers; a number it cannot parse keeps its digits as given.

    Cached: a guest writes many messages, and parsing the number cost the webhook more CPU than
    parsing the rest of the body (the answer depends on the number only).
    """
    try:
        number = phonenumbers.parse("+" + wa_id, None)
    except phonenumbers.NumberParseException:
        return "+" + wa_id
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _wa_id(raw: Mapping[str, Any], key: str, where: str) -> str:
    return _str(raw, key, where).strip().lstrip("+")


def _sender_id(wa_id: str) -> str:
    # Meta may one day identify a user by something other than digits (a group, a username id):
    # refusing the body would make Meta retry it for days, so such an id is kept as it is.
    return to_e164(wa_id) if wa_id.isdigit() else wa_id


def _timestamp(raw: Mapping[str, Any], where: str) -> dt.datetime:
    value = raw.get("timestamp")
    try:
        seconds = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise MalformedPayload(f"{where}.timestamp must be unix seconds") from None
    try:
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise MalformedPayload(f"{where}.timestamp is out of range") from None


def _obj(raw: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key)
    return value if isinstance(value, dict) else {}


def _parse_message(
    raw: Any, where: str, schema: str, phone_number_id: str, names: Mapping[str, str]
) -> NormalizedMessage:
    if not isinstance(raw, dict):
        raise MalformedPayload(f"{where} must be an object")
    wamid = _str(raw, "id", where)
    system = _obj(raw, "system")
    if raw.get("type") == "system" and not raw.get("from"):
        # A user-id change names no number: the notice is kept under the id it is about, never refused.
        raw = {**raw, "from": str(system.get("previous_user_id") or system.get("user_id") or "unknown")}
    wa_id = _wa_id(raw, "from", where)
    timestamp = _timestamp(raw, where)
    kind = raw.get("type") if isinstance(raw.get("type"), str) and raw.get("type") else "unknown"
    text, media, extra = _content(kind, raw)
    extra["wa_id"] = wa_id
    context = _obj(raw, "context")
    if context:
        extra["context"] = context
    for key in ("referral", "errors"):
        if raw.get(key):
            extra[key] = raw[key]
    reply_to = str(context.get("id") or "")
    if kind == "reaction":
        reply_to = str(extra["reaction"].get("message_id") or "")
    if kind in ("edit", "revoke"):
        reply_to = str(extra[kind].get("original_message_id") or "")
    return NormalizedMessage(
        channel=CHANNEL,
        property_schema=schema,
        sender_id=_sender_id(wa_id),
        sender_name=names.get(wa_id, ""),
        text=text,
        provider_message_id=wamid,
        timestamp=timestamp,
        media=media,
        kind=kind,
        thread_id=phone_number_id,
        reply_to=reply_to,
        extra=extra,
    )


def _content(kind: str, raw: Mapping[str, Any]) -> tuple[str, tuple[Media, ...], dict[str, Any]]:
    """The text the engine reads, the media to fetch, and the type's details for staff."""
    body = _obj(raw, kind)
    if kind == "text":
        return str(body.get("body") or ""), (), {}
    if kind in MEDIA_TYPES:
        media = Media(
            kind=kind,
            provider_media_id=str(body.get("id") or ""),
            mime_type=str(body.get("mime_type") or ""),
            sha256=str(body.get("sha256") or ""),
            filename=str(body.get("filename") or ""),
            caption=str(body.get("caption") or ""),
        )
        extra: dict[str, Any] = {}
        if kind == "audio" and body.get("voice"):
            extra["voice"] = True
        if kind == "sticker" and body.get("animated") is not None:
            extra["animated"] = bool(body.get("animated"))
        return media.caption, (media,), extra
    if kind == "location":
        location = {k: body.get(k) for k in ("latitude", "longitude", "name", "address", "url") if k in body}
        described = ", ".join(str(location[k]) for k in ("name", "address") if location.get(k))
        coordinates = f"{body.get('latitude')}, {body.get('longitude')}"
        text = f"[location] {described} ({coordinates})" if described else f"[location] {coordinates}"
        return text, (), {"location": location}
    if kind == "interactive":
        reply_type = str(body.get("type") or "")
        reply = _obj(body, reply_type)
        interactive = {"type": reply_type, **reply}
        title = str(reply.get("title") or "")
        # Flows (nfm_reply) and future interactive types keep their raw data; the title, if any, is the text.
        return title, (), {"interactive": interactive}
    if kind == "button":
        return str(body.get("text") or ""), (), {"button": {"payload": body.get("payload"), "text": body.get("text")}}
    if kind == "reaction":
        # An empty emoji means the guest removed their reaction.
        reaction = {"emoji": body.get("emoji"), "message_id": body.get("message_id")}
        return str(body.get("emoji") or ""), (), {"reaction": reaction}
    if kind == "contacts":
        cards = raw.get("contacts") if isinstance(raw.get("contacts"), list) else []
        lines = []
        for card in cards:
            if isinstance(card, dict):
                name = _obj(card, "name").get("formatted_name") or ""
                phones = [p.get("phone") for p in card.get("phones") or [] if isinstance(p, dict) and p.get("phone")]
                lines.append(" ".join([str(name), *map(str, phones)]).strip())
        return "[contact] " + "; ".join(line for line in lines if line), (), {"contacts": cards}
    if kind == "unsupported":
        return "", (), {"unsupported": True}
    if kind == "edit":
        # The guest changed a message: the new content, read as that type would be, for the original id.
        inner = _obj(body, "message")
        inner_kind = inner.get("type") if isinstance(inner.get("type"), str) and inner.get("type") else "unknown"
        text, media, inner_extra = _content(inner_kind, inner) if inner_kind not in ("edit", "revoke") else ("", (), {})
        edit = {"original_message_id": body.get("original_message_id"), "type": inner_kind}
        return text, media, {**inner_extra, "edit": edit}
    if kind == "revoke":
        return "", (), {"revoke": {"original_message_id": body.get("original_message_id")}}
    if kind == "system":
        # Meta's notices about the user (a new number, a new identity): never a guest writing to us.
        notice = {k: body.get(k) for k in ("type", "body", "wa_id", "user_id", "previous_user_id") if k in body}
        identity = _obj(raw, "identity")
        return "", (), {"system": notice, **({"identity": identity} if identity else {})}
    # A type Meta adds after this code was written: keep everything, crash on nothing.
    return "", (), {"unknown_type": True, "raw": dict(raw)}


def _parse_status(raw: Any, where: str, schema: str, phone_number_id: str) -> StatusUpdate:
    if not isinstance(raw, dict):
        raise MalformedPayload(f"{where} must be an object")
    wa_id = _wa_id(raw, "recipient_id", where)
    errors = []
    for error in raw.get("errors") or []:
        if not isinstance(error, dict):
            continue
        code = error.get("code")
        errors.append(
            StatusError(
                code=int(code) if isinstance(code, int | str) and str(code).isdigit() else None,
                title=str(error.get("title") or ""),
                message=str(error.get("message") or ""),
                details=str(_obj(error, "error_data").get("details") or ""),
            )
        )
    return StatusUpdate(
        phone_number_id=phone_number_id,
        property_schema=schema,
        provider_message_id=_str(raw, "id", where),
        status=_str(raw, "status", where),
        timestamp=_timestamp(raw, where),
        recipient_id=_sender_id(wa_id),
        recipient_wa_id=wa_id,
        errors=tuple(errors),
        conversation_id=str(_obj(raw, "conversation").get("id") or ""),
        pricing_category=str(_obj(raw, "pricing").get("category") or ""),
        raw=raw,
    )

"""Right to deletion: one operation purges one guest of one property, everywhere we keep them.

Found by phone and/or e-mail through the blind indexes (guest rows, channel identities, leads and
outbox recipients), then deleted in one transaction: guests cascade to their identities,
conversations, messages, session state, handoffs, read markers, outbox rows, media rows and leads;
inbound events (linked by message, or naming the contact in their encrypted payload), greeting
state and leads that only quote the contact are deleted explicitly; the stored GM reports lose the
callback rows of the guest's leads and the guest's own words in their top questions. Files and Redis keys
are removed once the transaction has committed, so a failure leaves everything as it was. The audit
event keeps counts and a keyed hash of the contact, nothing that names the guest.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import structlog
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Q
from django.http import HttpRequest
from django_tenants.utils import schema_context

from analytics.services.report import redact_reports
from conversations import sessions
from conversations.models import (
    Conversation,
    GreetingState,
    Guest,
    GuestIdentity,
    InboundEvent,
    MediaAttachment,
    Message,
    OutboxItem,
)
from core import crypto
from core.audit import AuditAction
from core.redis import get_redis, key
from gaps.services.report import guests_wordings
from leads.models import Lead
from privacy.models import AuditEvent
from privacy.services import audit
from properties.models import Property, User

log = structlog.get_logger(__name__)


class ErasureRequestError(ValueError):
    """The request names no usable phone number or e-mail address."""


@dataclass
class ErasureResult:
    guests: int = 0
    deleted: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    reports: int = 0  # stored GM reports their callback rows or questions were taken out of
    conversation_ids: list[int] = field(default_factory=list)
    audit_event: AuditEvent | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "guests": self.guests,
            "deleted": self.deleted,
            "files": len(self.files),
            "reports": self.reports,
            "audit_event": self.audit_event.pk if self.audit_event else None,
        }


def validate_request(phone: str | None, email: str | None) -> tuple[str, str]:
    """Normalised (E.164 phone, lower-cased e-mail); at least one, each well formed."""
    phone = (phone or "").strip()
    email = (email or "").strip()
    if not phone and not email:
        raise ErasureRequestError("Give the guest's phone number or e-mail address (or both).")
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ErasureRequestError("That e-mail address is not valid.") from exc
    if phone:
        normalized = crypto.normalize_phone(phone, crypto.current_region())
        digits = sum(ch.isdigit() for ch in normalized)
        if not normalized.startswith("+") or not 7 <= digits <= 15 or any(ch.isalpha() for ch in phone):
            raise ErasureRequestError("That phone number is not valid.")
        phone = normalized
    return phone, crypto.normalize_email(email)


def erase_guest(
    phone: str | None = None,
    email: str | None = None,
    *,
    actor: User | None = None,
    property: Property | None = None,
    request: HttpRequest | None = None,
    guest_ids: list[int] | None = None,
) -> ErasureResult:
    """Purge the guest known by `phone` / `email` from the active property's schema (or `property`'s).

    `guest_ids` (the admin action) erases those guest records and everything their contacts lead to.
    """
    if property is not None and connection.schema_name != property.schema_name:
        with schema_context(property.schema_name):
            return erase_guest(phone, email, actor=actor, property=property, request=request, guest_ids=guest_ids)
    if connection.schema_name == "public":
        raise RuntimeError("erase_guest runs in a property's schema: pass property=")
    if guest_ids and not (phone or email):
        phone, email = "", ""
    else:
        phone, email = validate_request(phone, email)
    with transaction.atomic():
        result = _erase(phone, email, set(guest_ids or []))
        result.audit_event = audit.record(
            AuditAction.GUEST_ERASED,
            actor=actor,
            property=property,
            target_type="guest",
            # A keyed hash, so a later request for the same contact can be matched to this one.
            target_id=crypto.pseudonym(f"{phone}|{email}") if phone or email else "",
            details={
                "guests": result.guests,
                "deleted": result.deleted,
                "files": len(result.files),
                "reports": result.reports,
            },
            request=request,
        )
        files, conversations, schema = list(result.files), list(result.conversation_ids), connection.schema_name
        transaction.on_commit(lambda: _after_commit(schema, files, conversations))
    log.info("guest_erased", guests=result.guests, deleted=result.deleted, files=len(result.files))
    return result


def _payload_names(payload: Any, indexes: set[str], provider_ids: set[str]) -> bool:
    """Whether a raw inbound event is this guest's: its sender, its reply-to, or a status of our message to them."""
    if not isinstance(payload, dict):
        return False
    message = payload.get("message") if isinstance(payload.get("message"), dict) else payload
    extra = message.get("extra") if isinstance(message.get("extra"), dict) else {}
    candidates = [message.get("sender_id"), extra.get("wa_id"), extra.get("reply_to_address")]
    if any(isinstance(c, str) and c and crypto.contact_index(c) in indexes for c in candidates):
        return True
    return bool(payload.get("wamid")) and payload.get("wamid") in provider_ids


def _erase(phone: str, email: str, seed_guest_ids: set[int]) -> ErasureResult:
    by_contact = Q()
    if phone:
        by_contact |= Q(phone=phone)
    if email:
        by_contact |= Q(email=email)
    contacts = [c for c in (phone, email) if c]
    guest_ids = set(seed_guest_ids)
    if by_contact:
        guest_ids |= set(Guest.objects.filter(by_contact).values_list("pk", flat=True))
    guest_ids |= set(GuestIdentity.objects.filter(external_id__in=contacts).values_list("guest_id", flat=True))
    leads = Lead.objects.filter(by_contact | Q(guest_id__in=guest_ids))
    guest_ids |= set(leads.values_list("guest_id", flat=True))
    guest_ids |= set(
        OutboxItem.objects.filter(recipient__in=contacts).values_list("message__conversation__guest_id", flat=True)
    )
    guest_ids.discard(None)
    identities = list(GuestIdentity.objects.filter(guest_id__in=guest_ids).values_list("external_id", flat=True))
    # Every form this person is known by, as blind-index values: matches raw payloads without plaintext SQL.
    known = [*contacts, *identities]
    for guest_phone, guest_email in Guest.objects.filter(pk__in=guest_ids).values_list("phone", "email"):
        known += [guest_phone, guest_email]
    indexes = {crypto.contact_index(c) for c in known if c}

    conversation_ids = list(Conversation.objects.filter(guest_id__in=guest_ids).values_list("pk", flat=True))
    messages = Message.objects.filter(conversation_id__in=conversation_ids)
    message_ids = set(messages.values_list("pk", flat=True))
    provider_ids = {p for p in messages.exclude(provider_message_id=None).values_list("provider_message_id", flat=True)}
    for ids in OutboxItem.objects.filter(message_id__in=message_ids).values_list("provider_ids", flat=True):
        provider_ids.update(str(i) for i in ids or [])

    deleted: Counter[str] = Counter()
    # Inbound events first: their message link is SET_NULL, and an unlinked one still holds the raw payload.
    files: set[str] = set()
    event_ids = set(InboundEvent.objects.filter(message_id__in=message_ids).values_list("pk", flat=True))
    for event in InboundEvent.objects.filter(message__isnull=True).only("pk", "payload").iterator(chunk_size=500):
        if _payload_names(event.payload, indexes, provider_ids):
            event_ids.add(event.pk)
    for event in InboundEvent.objects.filter(pk__in=event_ids).only("payload"):
        payload = event.payload if isinstance(event.payload, dict) else {}
        files.update(a.get("name", "") for a in payload.get("attachments", []) if isinstance(a, dict))
    _count(deleted, InboundEvent.objects.filter(pk__in=event_ids).delete())

    files.update(
        MediaAttachment.objects.filter(message_id__in=message_ids)
        .exclude(storage_name="")
        .values_list("storage_name", flat=True)
    )
    # The GM's stored reports list the night's leads by name and number, and quote guests' unanswered questions:
    # their rows and their words go too (read before the questions go with the guests).
    reports = redact_reports(Lead.objects.filter(by_contact | Q(guest_id__in=guest_ids)), guests_wordings(guest_ids))
    _count(deleted, GreetingState.objects.filter(contact_index__in=indexes).delete())
    _count(deleted, leads.exclude(guest_id__in=guest_ids).delete())
    _count(deleted, Guest.objects.filter(pk__in=guest_ids).delete())
    # Media is content-addressed per property: keep a file another guest's message still uses.
    files.discard("")
    still_used = set(MediaAttachment.objects.filter(storage_name__in=files).values_list("storage_name", flat=True))
    return ErasureResult(
        guests=len(guest_ids),
        deleted=dict(sorted(deleted.items())),
        files=sorted(files - still_used),
        reports=reports,
        conversation_ids=conversation_ids,
    )


def _count(counter: Counter[str], outcome: tuple[int, dict[str, int]]) -> None:
    for label, n in outcome[1].items():
        if n:
            counter[label] += n


def _after_commit(schema: str, files: list[str], conversation_ids: list[int]) -> None:
    storage = storages["default"]
    for name in files:
        with contextlib.suppress(FileNotFoundError):
            storage.delete(name)
    with schema_context(schema):
        for conversation_id in conversation_ids:
            sessions.forget(conversation_id)
    with contextlib.suppress(Exception):
        redis = get_redis()
        turn_keys = [key(schema, "turn", cid) for cid in conversation_ids]
        if turn_keys:
            redis.delete(*turn_keys)

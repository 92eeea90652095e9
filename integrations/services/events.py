"""Receiving an event from a hotel system: validate, store once per event id, find the guest, queue the notice.

Runs inside the property's schema. The answer never waits for the guest to be notified: the
notice is a task queued once the event's row commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import structlog
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from conversations.services import find_or_create_guest_by_contact
from core.durability import enqueue
from core.inputs import BadInput, load_json
from integrations.models import IntegrationEvent, NotificationStatus
from integrations.serializers import IntegrationEventSerializer

log = structlog.get_logger(__name__)

STALE_PENDING = dt.timedelta(minutes=1)  # a notice queued normally leaves within seconds

# Named, not imported: the tasks module wraps these services (see core.durability.task_named).
NOTIFY_GUEST_TASK = "integrations.tasks.notify_guest"


class InvalidEvent(Exception):
    """The event can never be accepted as sent (answer 4xx; the sender must not retry it)."""

    def __init__(self, error: str, details: Any = None) -> None:
        super().__init__(error)
        self.error = error
        self.details = details


class EventConflict(InvalidEvent):
    """An event id already used for a different event."""


@dataclass(frozen=True)
class Outcome:
    event: IntegrationEvent
    replayed: bool
    body: dict[str, Any] = field(default_factory=dict)


def body_digest(data: Any) -> str:
    """The event's fingerprint, independent of key order and whitespace (a re-serialised retry is the same event)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def validate(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InvalidEvent("the body must be a JSON object")
    serializer = IntegrationEventSerializer(data=data)
    if not serializer.is_valid():
        errors = serializer.errors
        type_errors = errors.get("type") if isinstance(errors, dict) else None
        if type_errors:
            raise InvalidEvent(str(type_errors[0]), errors)
        raise InvalidEvent("the event does not match the schema", errors)
    return dict(serializer.validated_data)


def _stored_payload(validated: dict[str, Any]) -> dict[str, Any]:
    """The event as kept on our side: the guest's contact details stay on the guest only (PDPA)."""
    stored = json.loads(json.dumps(validated, default=str))
    stored["guest"] = {"language": validated["guest"].get("language", "en")}
    return stored


def accept(data: Any, *, key_id: str = "") -> Outcome:
    """Store the event once; a retry gets the first answer back, a different event under a used id → EventConflict."""
    validated = validate(data)
    digest = body_digest(data)
    existing = IntegrationEvent.objects.filter(event_id=validated["id"]).first()
    if existing is not None:
        return _replay(existing, digest)
    schema = connection.schema_name
    try:
        with transaction.atomic():
            guest_data = validated["guest"]
            guest, _ = find_or_create_guest_by_contact(
                phone=guest_data.get("phone", ""),
                email=guest_data.get("email", ""),
                name=guest_data.get("name", ""),
                language=guest_data.get("language", "en"),
            )
            event = IntegrationEvent.objects.create(
                event_id=validated["id"],
                event_type=validated["type"],
                body_sha256=digest,
                payload=_stored_payload(validated),
                occurred_at=validated.get("occurred_at"),
                key_id=key_id,
                guest=guest,
                guest_name=str(guest_data.get("name") or "")[:200],
                received_at=timezone.now(),
            )
            event.result = {
                "event_id": event.event_id,
                "type": event.event_type,
                "status": "accepted",
                "record_id": event.pk,
                "guest_id": guest.pk,
                "received_at": event.received_at.isoformat().replace("+00:00", "Z"),
            }
            event.save(update_fields=["result"])
            transaction.on_commit(lambda: _enqueue_notice(schema, event.pk))
    except IntegrityError:
        # The same id arrived twice at once: the other request stored it; answer as a retry.
        existing = IntegrationEvent.objects.filter(event_id=validated["id"]).first()
        if existing is None:
            raise
        return _replay(existing, digest)
    log.info("integration_event_accepted", record=event.pk, type=event.event_type, key_id=key_id)
    return Outcome(event, replayed=False, body=event.result)


def _replay(existing: IntegrationEvent, digest: str) -> Outcome:
    if existing.body_sha256 != digest:
        raise EventConflict(f"event id {existing.event_id!r} was already used for a different event")
    log.info("integration_event_replayed", record=existing.pk)
    return Outcome(existing, replayed=True, body=existing.result)


def _enqueue_notice(schema: str, event_id: int) -> None:
    try:
        enqueue(NOTIFY_GUEST_TASK, args=[event_id], schema=schema)
    except Exception:  # the event is stored: the beat job queues what stays pending
        log.exception("integration_enqueue_failed", schema=schema, record=event_id)


def stale_pending(older_than: dt.timedelta = STALE_PENDING, limit: int = 200) -> list[int]:
    """Events whose notice was never queued (the broker was down at the time): the beat job's work."""
    return list(
        IntegrationEvent.objects.filter(
            notification_status=NotificationStatus.PENDING, received_at__lt=timezone.now() - older_than
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )


def parse_json(body: bytes) -> Any:
    """The signed body through the input boundary: depth capped before parsing, NUL and lone surrogates refused."""
    try:
        return load_json(body, "body", max_bytes=len(body), max_depth=settings.INPUT_MAX_JSON_DEPTH, nul="reject")
    except BadInput as error:
        raise InvalidEvent(f"the body is not acceptable JSON: {error}") from None

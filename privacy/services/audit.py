"""The audit trail's writer: `record` appends who did what, on which property, without any guest PII.

Registered as `core.audit`'s recorder (privacy's AppConfig.ready): other apps call `core.audit.record`.
"""

from __future__ import annotations

from typing import Any

import structlog
from django.db import connection
from django.http import HttpRequest

from core.redaction import mask_value
from privacy.models import AuditEvent
from properties.models import Property, User

log = structlog.get_logger(__name__)


def _current_property() -> Property | None:
    if connection.schema_name == "public":
        return None
    return Property.objects.filter(schema_name=connection.schema_name).first()


def _client_ip(request: HttpRequest | None) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is whatever the client wrote unless a trusted proxy sets it.
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    action: str,
    *,
    actor: User | None = None,
    property: Property | None = None,  # the domain's word
    target_type: str = "",
    target_id: str | int = "",
    details: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append one audit event in the caller's transaction (rolled back with it).

    `actor` defaults to the request's authenticated user; `property` to the property whose schema
    is active. `details` is masked for phone numbers and e-mail addresses as a last line of defence:
    callers pass counts and ids, never a guest's contact data.
    """
    user = getattr(request, "user", None)
    if actor is None and user is not None and user.is_authenticated:
        actor = user
    if property is None:
        property = _current_property()
    event = AuditEvent.objects.create(
        action=action,
        actor=actor if actor is not None and actor.pk else None,
        actor_email=actor.email if actor is not None else "",
        property=property,
        target_type=target_type[:100],
        target_id=str(target_id)[:100],
        details=mask_value(details or {}),
        ip=_client_ip(request),
    )
    log.info("audit", action=action, target_type=target_type, target_id=str(target_id), audit_id=event.pk)
    return event

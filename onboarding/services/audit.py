"""Every settings, staff and onboarding change goes to the shared audit trail (`core.audit`, kept by privacy)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from core.audit import record
from properties.models import Property, User


def audit(
    action: str,
    *,
    actor: User | None,
    property_: Property,
    target_type: str = "",
    target_id: str | int = "",
    details: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> None:
    record(
        action,
        actor=actor,
        property=property_,
        target_type=target_type,
        target_id=str(target_id),
        details=details,
        request=request,
    )

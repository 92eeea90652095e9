"""The audit seam: any app records who did what through `record`, whichever app keeps the trail.

The trail (`privacy.models.AuditEvent`, public schema) belongs to the privacy app, which sits above
the apps that audit (conversations, leads, integrations). Privacy registers its writer here in its
AppConfig.ready; the writer appends the event in the caller's transaction. Without one, `record`
raises: an audit must never be silently dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.http import HttpRequest


class AuditAction(models.TextChoices):
    ADMIN_ADD = "admin.add", "Admin: added"
    ADMIN_CHANGE = "admin.change", "Admin: changed"
    ADMIN_DELETE = "admin.delete", "Admin: deleted"
    LEAD_VIEW = "lead.view", "Lead viewed"
    LEAD_LIST = "lead.list", "Leads listed"
    LEAD_EXPORT = "lead.export", "Leads exported"
    TAKEOVER = "conversation.takeover", "Conversation taken over"
    RELEASE = "conversation.release", "Conversation handed back"
    GUEST_ERASED = "guest.erased", "Guest erased"
    RETENTION_PURGE = "retention.purge", "Retention purge"
    GAP_ANSWERED = "gap.answered", "Unanswered question answered"
    GAP_DISMISSED = "gap.dismissed", "Unanswered question dismissed"
    GAP_FOLLOW_UP = "gap.follow_up", "Answer sent to a waiting guest"


# Called with record()'s arguments (see below); returns the stored event.
Recorder = Callable[..., Any]

_recorder: Recorder | None = None


def register_recorder(recorder: Recorder) -> None:
    global _recorder
    _recorder = recorder


def record(
    action: str,
    *,
    actor: AbstractBaseUser | None = None,
    property: models.Model | None = None,  # the domain's word
    target_type: str = "",
    target_id: str | int = "",
    details: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> Any:
    """Append one audit event in the caller's transaction (rolled back with it); returns the event.

    `actor` defaults to the request's authenticated user, `property` to the property whose schema is
    active. `details` carries counts and ids, never a guest's contact data (it is masked anyway).
    """
    if _recorder is None:
        raise ImproperlyConfigured("No audit recorder is registered: the privacy app registers it in its ready().")
    return _recorder(
        action,
        actor=actor,
        property=property,
        target_type=target_type,
        target_id=target_id,
        details=details,
        request=request,
    )


@dataclass(frozen=True)
class By:
    """Who acts, on which property, through which request: what the events of one staff operation share.

    `audit.By(actor, property_, request).record("staff.invited", "invitation", invitation.pk, {"role": role})`.
    """

    actor: AbstractBaseUser | None
    property: models.Model | None
    request: HttpRequest | None = None

    def record(
        self, action: str, target_type: str, target_id: str | int = "", details: dict[str, Any] | None = None
    ) -> Any:
        return record(action, target_type=target_type, target_id=target_id, details=details, **vars(self))

"""Audit hooks: every admin action (public admin and each property's admin) becomes an audit event.

Both admins log each add, change and delete through `LogEntry.objects.log_actions` (the tenant
admin's entries land in the property's schema). Wrapping that one method covers every ModelAdmin
and bulk deletes (which `bulk_create` their entries, so no post_save signal fires) without
touching each admin class. The entry's `object_repr` is left out: it is often a guest's name.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry, LogEntryManager
from django.contrib.contenttypes.models import ContentType

from core.audit import AuditAction, register_recorder
from privacy.services import audit
from properties.models import User

_ACTIONS = {ADDITION: AuditAction.ADMIN_ADD, CHANGE: AuditAction.ADMIN_CHANGE, DELETION: AuditAction.ADMIN_DELETE}


def _changed_fields(change_message: Any) -> list[str]:
    if isinstance(change_message, str):
        try:
            change_message = json.loads(change_message or "[]")
        except ValueError:
            return []
    fields: list[str] = []
    for part in change_message if isinstance(change_message, list) else []:
        if isinstance(part, dict):
            fields.extend(part.get("changed", {}).get("fields", []))
    return fields


# Apps whose objects print as a guest (Guest, Conversation "with Siti", Lead "— Siti"): the admin
# history would keep that text in plaintext in django_admin_log.
GUEST_APPS = {"conversations", "leads"}


def _scrub_object_repr(entries: Any) -> None:
    entries = entries if isinstance(entries, list) else [entries]
    for entry in entries:
        if isinstance(entry, LogEntry) and entry.pk and entry.content_type.app_label in GUEST_APPS:
            label = f"{entry.content_type.name} #{entry.object_id}"
            LogEntry.objects.filter(pk=entry.pk).update(object_repr=label)
            entry.object_repr = label


def audit_log_actions(original: Callable[..., Any]) -> Callable[..., Any]:
    def log_actions(
        self: LogEntryManager, user_id: int, queryset: Any, action_flag: int, change_message: Any = "", **kwargs: Any
    ) -> Any:
        objects = list(queryset)  # read before a deletion empties the queryset
        result = original(self, user_id, objects, action_flag, change_message, **kwargs)
        _scrub_object_repr(result)
        actor = User.objects.filter(pk=user_id).first()
        changed = _changed_fields(change_message)
        for obj in objects:
            content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
            audit.record(
                _ACTIONS.get(action_flag, AuditAction.ADMIN_CHANGE),
                actor=actor,
                target_type=f"{content_type.app_label}.{content_type.model}",
                target_id=str(obj.pk),
                details={"changed_fields": changed} if changed else {},
            )
        return result

    log_actions.__wrapped__ = original  # type: ignore[attr-defined]
    return log_actions


def install() -> None:
    manager_class = type(LogEntry.objects)
    if not hasattr(manager_class.log_actions, "__wrapped__"):
        manager_class.log_actions = audit_log_actions(manager_class.log_actions)  # type: ignore[method-assign]


def register() -> None:
    """What the privacy app plugs in at start (its AppConfig.ready): the recorder behind `core.audit.record`
    (core sits below privacy, so it cannot import the trail) and the hook on every admin action."""
    register_recorder(audit.record)
    install()

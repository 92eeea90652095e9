"""Public admin: the audit trail, read-only, for platform admins only. Tenant admin: retention settings, and
the right to deletion as an action on the guests."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest

from conversations.admin import GuestAdmin
from conversations.models import Guest
from core.admin import ReadOnlyAdmin, SingleRowAdmin
from privacy.models import AuditEvent, RetentionSettings
from privacy.services.erasure import erase_guest
from properties.models import Property
from properties.tenant_admin import tenant_admin_site


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_email", "action", "property", "target_type", "target_id", "ip"]
    list_filter = ["action", "property"]
    search_fields = ["actor_email", "action", "target_type", "target_id"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    list_select_related = ["property"]

    # Platform admins only (superusers), and nobody may write: the trail is append-only.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RetentionSettings, site=tenant_admin_site)
class RetentionSettingsAdmin(SingleRowAdmin):
    list_display = ["conversation_days", "lead_days", "greeting_state_days", "updated_at"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ErasableGuestAdmin(GuestAdmin):
    """The guests' admin with the right to deletion: erasure is privacy's, so privacy adds it (the usual
    Django way to extend another app's admin: register a subclass in its place)."""

    actions = [*(GuestAdmin.actions or ()), "erase_guests"]

    @admin.action(description="Erase the selected guests everywhere (PDPA right to deletion)", permissions=["delete"])
    def erase_guests(self, request: HttpRequest, queryset: QuerySet[Guest]) -> None:
        guest_ids = list(queryset.values_list("pk", flat=True))
        if not guest_ids:  # ids of another schema, or rows already gone
            self.message_user(request, "None of the selected guests exist here; nothing was erased.", messages.WARNING)
            return
        property_ = Property.objects.get(schema_name=connection.schema_name)
        result = erase_guest(
            actor=request.user,
            property=property_,
            request=request,
            guest_ids=guest_ids,
        )
        self.message_user(
            request,
            f"Erased {result.guests} guest(s): "
            + ", ".join(f"{table} {n}" for table, n in result.deleted.items())
            + f"; {len(result.files)} file(s). Audit event {result.audit_event.pk if result.audit_event else '-'}.",
            messages.SUCCESS,
        )


tenant_admin_site.unregister(Guest)  # registered by conversations.admin, imported above
tenant_admin_site.register(Guest, ErasableGuestAdmin)

"""Public admin: the audit trail, read-only, for platform admins only. Tenant admin: retention settings."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from privacy.models import AuditEvent, RetentionSettings
from properties.tenant_admin import tenant_admin_site


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RetentionSettings, site=tenant_admin_site)
class RetentionSettingsAdmin(admin.ModelAdmin):
    list_display = ["conversation_days", "lead_days", "greeting_state_days", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not RetentionSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

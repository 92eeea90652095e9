"""The pipeline's rows in a property's back office (tenant admin: each schema shows only its own rows)."""

from __future__ import annotations

from django.contrib import admin

from conversations.models import ChannelSettings, InboundEvent, MediaAttachment, OutboxItem, WhatsAppTemplate
from properties.tenant_admin import tenant_admin_site


@admin.register(OutboxItem, site=tenant_admin_site)
class OutboxItemAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "channel",
        "recipient",
        "state",
        "delivery_state",
        "attempts",
        "error_code",
        "alert",
        "created_at",
    )
    list_filter = ("channel", "state", "delivery_state")
    readonly_fields = [f.name for f in OutboxItem._meta.fields]


@admin.register(InboundEvent, site=tenant_admin_site)
class InboundEventAdmin(admin.ModelAdmin):
    list_display = ("id", "channel", "kind", "provider_id", "state", "received_at")
    list_filter = ("channel", "kind", "state")
    readonly_fields = [f.name for f in InboundEvent._meta.fields]


@admin.register(MediaAttachment, site=tenant_admin_site)
class MediaAttachmentAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "mime_type", "size", "message", "created_at")
    readonly_fields = [f.name for f in MediaAttachment._meta.fields]


@admin.register(WhatsAppTemplate, site=tenant_admin_site)
class WhatsAppTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "language", "purpose", "is_approved")


@admin.register(ChannelSettings, site=tenant_admin_site)
class ChannelSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "buffer_window_seconds", "greeting_enabled")

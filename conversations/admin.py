from __future__ import annotations

from django.contrib import admin

from conversations.models import Conversation, Guest, GuestIdentity, Handoff, HandoffSettings, Message
from core.admin import ContactSearchAdmin, SingleRowAdmin
from properties.tenant_admin import tenant_admin_site


class GuestIdentityInline(admin.TabularInline):
    model = GuestIdentity
    extra = 0


@admin.register(Guest, site=tenant_admin_site)
class GuestAdmin(ContactSearchAdmin):
    """Privacy's admin registers its subclass in this one's place, with the erasure action (privacy.admin)."""

    list_display = ["__str__", "phone", "email", "language", "consent_given_at", "last_seen_at"]
    list_filter = ["language"]
    # Encrypted fields: exact phone / e-mail through the blind index ("=" makes Django use iexact).
    search_fields = ["=phone", "=email"]
    inlines = [GuestIdentityInline]


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ["created_at", "role", "content", "provider_message_id"]
    readonly_fields = fields


@admin.register(Conversation, site=tenant_admin_site)
class ConversationAdmin(ContactSearchAdmin):
    list_display = ["id", "guest", "channel", "status", "ai_mode", "is_after_hours", "message_count", "last_message_at"]
    list_filter = ["channel", "status", "ai_mode", "is_after_hours"]
    search_fields = ["=guest__phone", "=guest__email"]  # exact, through the blind index
    inlines = [MessageInline]
    list_select_related = ["guest"]


@admin.register(Message, site=tenant_admin_site)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "conversation", "role", "channel", "created_at"]
    list_filter = ["role", "channel"]
    search_fields = ["provider_message_id"]  # content is encrypted


from conversations.pipeline import admin as _pipeline_admin  # noqa: E402,F401 - registers the pipeline models


@admin.register(Handoff, site=tenant_admin_site)
class HandoffAdmin(admin.ModelAdmin):
    list_display = ["id", "conversation", "trigger", "created_at", "taken_over_at", "resolved_at", "alert_emailed_at"]
    list_filter = ["trigger"]
    readonly_fields = ["conversation", "reason", "trigger", "context", "requested_by_user_id", "created_at",
                       "taken_over_at", "taken_over_by_user_id", "resolved_at", "resolved_by_user_id",
                       "alert_emailed_at"]  # fmt: skip


@admin.register(HandoffSettings, site=tenant_admin_site)
class HandoffSettingsAdmin(SingleRowAdmin):
    list_display = ["__str__", "alert_after_seconds"]

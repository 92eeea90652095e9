"""Back office for integrations.

Platform admin (public host): credentials — create one (the secret is shown once, on the page that
follows) and rotate (a new secret under the same key id; the old one keeps working for the grace
period). Each property's own admin: its events, read-only, with the notification outcome.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from core.admin import ReadOnlyAdmin
from integrations.models import IntegrationCredential, IntegrationEvent
from integrations.services import credentials
from properties.tenant_admin import tenant_admin_site

SECRETS_TEMPLATE = "admin/integrations/issued_secrets.html"


def _issued_page(request: HttpRequest, issued: list[credentials.IssuedCredential], title: str) -> TemplateResponse:
    response = TemplateResponse(
        request, SECRETS_TEMPLATE, {**admin.site.each_context(request), "title": title, "issued": issued}
    )
    response["Cache-Control"] = "no-store"  # the secret must not stay in any cache
    return response


@admin.register(IntegrationCredential)
class IntegrationCredentialAdmin(admin.ModelAdmin):
    list_display = ["key_id", "label", "property", "is_active", "created_at", "rotated_at", "last_used_at"]
    list_filter = ["is_active", "property"]
    search_fields = ["key_id", "label", "property__slug"]
    fields = ["property", "label", "is_active", "key_id", "created_at", "rotated_at", "previous_valid_until",
              "last_used_at"]  # fmt: skip
    readonly_fields = ["key_id", "created_at", "rotated_at", "previous_valid_until", "last_used_at"]
    actions = ["rotate_secret"]

    def get_readonly_fields(self, request: HttpRequest, obj: IntegrationCredential | None = None) -> list[str]:
        # A credential stays with the property it was made for.
        return [*self.readonly_fields, "property"] if obj is not None else list(self.readonly_fields)

    def save_model(self, request: HttpRequest, obj: IntegrationCredential, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        issued = credentials.create(obj.property, label=obj.label, actor=request.user, request=request)  # type: ignore[arg-type]
        obj.pk, obj.key_id, obj.created_at = (
            issued.credential.pk,
            issued.credential.key_id,
            issued.credential.created_at,
        )
        if not obj.is_active:
            IntegrationCredential.objects.filter(pk=obj.pk).update(is_active=False)
        request._issued_credentials = [issued]  # type: ignore[attr-defined]

    def response_add(
        self, request: HttpRequest, obj: IntegrationCredential, post_url_continue: Any = None
    ) -> HttpResponse:
        issued = getattr(request, "_issued_credentials", None)
        if not issued:
            return super().response_add(request, obj, post_url_continue)
        return _issued_page(request, issued, "New integration credential")

    @admin.action(description="Rotate the secret (the old one stays valid for the grace period)")
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[IntegrationCredential]) -> TemplateResponse:
        issued = [credentials.rotate(c, actor=request.user, request=request) for c in queryset]  # type: ignore[arg-type]
        return _issued_page(request, issued, "Rotated integration secrets")


@admin.register(IntegrationEvent, site=tenant_admin_site)
class IntegrationEventAdmin(ReadOnlyAdmin):
    """Events come from the hotel's systems only."""

    list_display = ["event_id", "event_type", "guest", "notification_status", "delivery", "received_at"]
    list_filter = ["event_type", "notification_status", "notification_channel"]
    search_fields = ["=event_id"]
    list_select_related = ["guest", "notification_message__outbox", "fallback_message__outbox"]
    readonly_fields = [*(f.name for f in IntegrationEvent._meta.fields), "delivery"]

    @admin.display(description="Delivery")
    def delivery(self, obj: IntegrationEvent) -> str:
        """What the outbox (or the SMS provider) says happened on each channel tried."""
        parts = []
        for channel, message in ((obj.notification_channel, obj.notification_message),
                                 (obj.fallback_channel, obj.fallback_message)):  # fmt: skip
            if not channel:
                continue
            item = getattr(message, "outbox", None) if message is not None else None
            if item is not None:
                state = item.delivery_state or item.state
                parts.append(f"{channel}: {state}" + (f" ({item.error_code})" if item.error_code else ""))
            elif channel == "sms":
                parts.append(f"sms: {'sent' if obj.provider_id else 'failed'}")
        return " → ".join(parts) or "—"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the row is the event id's idempotency record (a guest's erasure removes it with them)

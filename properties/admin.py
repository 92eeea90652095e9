"""The platform admin (public host): properties, domains, channel bindings, staff and memberships."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from properties.models import Domain, EmailBinding, Membership, Property, User, WhatsAppBinding, WidgetKey
from properties.services import rotate_widget_key

admin.site.site_header = "Nocturn AI — platform admin"
# The index links to what a platform admin comes here to do first: onboard a property.
admin.site.index_template = "admin/platform_index.html"
# Only platform admins (superusers) reach the public admin; hotel staff use their property's host.
admin.site.has_permission = lambda request: bool(request.user.is_active and request.user.is_superuser)  # type: ignore[method-assign]


class PropertyRows(admin.TabularInline):
    """A property's rows of one kind on its page, with no blank forms below them (add one on demand)."""

    extra = 0


class DomainInline(PropertyRows):
    model = Domain


class MembershipInline(PropertyRows):
    model = Membership
    autocomplete_fields = ["user"]


class WhatsAppBindingInline(PropertyRows):
    model = WhatsAppBinding
    fields = ["phone_number_id", "display_phone_number", "waba_id", "is_active"]


class EmailBindingInline(PropertyRows):
    model = EmailBinding


class WidgetKeyInline(PropertyRows):
    model = WidgetKey
    readonly_fields = ["public_key", "created_at"]


@admin.register(Property)
class PropertyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "schema_name", "timezone", "plan", "is_active", "created_at"]
    list_filter = ["plan", "is_active", "country"]
    search_fields = ["name", "slug"]
    inlines = [DomainInline, MembershipInline, WhatsAppBindingInline, EmailBindingInline, WidgetKeyInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Property | None = None) -> list[str]:
        # The schema name is fixed at creation: renaming it would orphan the property's data.
        return ["schema_name", "created_at", "updated_at"] if obj else ["created_at", "updated_at"]


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["domain", "tenant", "is_primary"]
    search_fields = ["domain"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_superuser", "is_active", "last_login"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    filter_horizontal = ()
    list_filter = ["is_superuser", "is_active"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "property", "role", "created_at"]
    list_filter = ["role", "property"]
    search_fields = ["user__email", "property__name"]


@admin.register(WhatsAppBinding)
class WhatsAppBindingAdmin(admin.ModelAdmin):
    list_display = ["display_phone_number", "phone_number_id", "property", "is_active"]
    list_filter = ["property", "is_active"]
    search_fields = ["phone_number_id", "display_phone_number"]


@admin.register(EmailBinding)
class EmailBindingAdmin(admin.ModelAdmin):
    list_display = ["address", "property", "is_active"]
    list_filter = ["property", "is_active"]
    search_fields = ["address"]


@admin.register(WidgetKey)
class WidgetKeyAdmin(admin.ModelAdmin):
    list_display = ["public_key", "property", "is_active", "expires_at"]
    list_filter = ["property", "is_active"]
    readonly_fields = ["public_key", "created_at"]
    actions = ["rotate_keys"]

    @admin.action(description="Rotate selected keys (old key stays valid for 24 hours)")
    def rotate_keys(self, request: HttpRequest, queryset: QuerySet[WidgetKey]) -> None:
        for key in queryset.select_related("property"):
            try:
                new = rotate_widget_key(key, actor=request.user)  # type: ignore[arg-type]
            except ValidationError as exc:
                self.message_user(request, f"{key}: {'; '.join(exc.messages)}", messages.WARNING)
                continue
            self.message_user(
                request,
                f"{key.property}: new key {new.public_key}; old key expires {key.expires_at:%Y-%m-%d %H:%M} UTC.",
                messages.SUCCESS,
            )

"""The admin a property's host serves: its own conversations, knowledge, leads and analytics.

Only the property's managers and platform admins get in (the rule of `properties.permissions`);
what each may do per model comes from `properties.auth.PropertyMemberBackend` (the role in this
property), never from global grants.
Every tenant app's admin registers on this site. It lives here, not in core, because who may
enter is an access rule, and access is decided by this app (roles, memberships).
"""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from properties.models import User
from properties.permissions import MANAGERS, allows, served_property


class TenantAdminLoginForm(AdminAuthenticationForm):
    """The property's managers sign in here whatever `is_staff` says: entry is their role in this property
    (Django's admin form asks for `is_staff`, which only platform admins have, so managers were refused)."""

    def confirm_login_allowed(self, user: User) -> None:
        property_ = served_property()
        if not (user.is_active and property_ is not None and allows(user, property_, MANAGERS)):
            raise ValidationError(
                "This back office is for the property's managers. Agents and viewers use the staff pages.",
                code="invalid_login",
            )


class TenantAdminSite(AdminSite):
    site_header = "Nocturn AI — property back office"
    index_title = "This property's data"
    login_form = TenantAdminLoginForm

    def each_context(self, request: HttpRequest) -> dict[str, object]:
        context = super().each_context(request)
        property_ = served_property()
        if property_ is not None:
            context["site_header"] = f"{property_.name} — Nocturn AI back office"
        return context

    def has_permission(self, request: HttpRequest) -> bool:
        property_ = served_property()
        return property_ is not None and allows(request.user, property_, MANAGERS)


tenant_admin_site = TenantAdminSite(name="tenant_admin")

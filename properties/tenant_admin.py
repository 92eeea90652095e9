"""The admin a property's host serves: its own conversations, knowledge, leads and analytics.

Only the property's managers and platform admins get in (the rule of `properties.permissions`);
what each may do per model comes from `properties.auth.PropertyMemberBackend` (the role in this
property), never from global grants.
Every tenant app's admin registers on this site. It lives here, not in core, because who may
enter is an access rule, and access is decided by this app (roles, memberships).
"""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.http import HttpRequest

from properties.permissions import MANAGERS, allows, served_property


class TenantAdminSite(AdminSite):
    site_header = "Nocturn AI — property back office"
    index_title = "This property's data"

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

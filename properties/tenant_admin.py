"""The admin a property's host serves: its own conversations, knowledge, leads and analytics.

Only the property's managers and platform admins get in; what each may do per model comes from
`properties.auth.PropertyMemberBackend` (the role in this property), never from global grants.
Every tenant app's admin registers on this site. It lives here, not in core, because who may
enter is an access rule, and access is decided by this app (roles, memberships).
"""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.db import connection
from django.http import HttpRequest

from properties.auth import current_role
from properties.models import Role


class TenantAdminSite(AdminSite):
    site_header = "Nocturn AI — property back office"
    index_title = "This property's data"

    def each_context(self, request: HttpRequest) -> dict[str, object]:
        context = super().each_context(request)
        tenant = getattr(connection, "tenant", None)
        if tenant is not None:
            context["site_header"] = f"{tenant.name} — Nocturn AI back office"
        return context

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if not (user.is_active and user.is_authenticated):
            return False
        return user.is_superuser or current_role(user) == Role.MANAGER


tenant_admin_site = TenantAdminSite(name="tenant_admin")

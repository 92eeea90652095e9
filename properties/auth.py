"""Authentication and permissions scoped to the property being served.

Staff log in on their property's host. The backend only lets members (and platform admins) in,
and model permissions come from the member's role in *the current* property, never from global
grants, so a role in property A means nothing on property B's host or admin.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from properties.models import Role, User
from properties.permissions import READERS, allows, role_of, served_property

TENANT_APP_LABELS = {"conversations", "knowledge", "leads", "analytics", "privacy", "integrations"}

# What each role may do on the tenant apps' models in the tenant admin and the API.
ROLE_ACTIONS: dict[str, dict[str, set[str]]] = {
    Role.MANAGER: {app: {"view", "add", "change", "delete"} for app in TENANT_APP_LABELS},
    Role.AGENT: {
        "conversations": {"view", "change"},
        "leads": {"view", "change"},
        "knowledge": {"view"},
        "analytics": set(),
        "privacy": set(),
        "integrations": set(),
    },
    Role.VIEWER: {
        "conversations": {"view"},
        "leads": {"view"},
        "knowledge": {"view"},
        "analytics": set(),
        "privacy": set(),
        "integrations": set(),
    },
}


def login_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The e-mail a login attempt is for, as django-axes counts it (AXES_USERNAME_CALLABLE).

    The login form and the admins post it as `username`, the JWT endpoint as `email` (our
    USERNAME_FIELD); counting both the same way, case-folded, means one lockout per person
    whichever door is tried.
    """
    for source in (credentials or {}, getattr(request, "POST", None) or {}, getattr(request, "data", None) or {}):
        for field in ("username", User.USERNAME_FIELD):
            value = source.get(field) if hasattr(source, "get") else None
            if isinstance(value, str) and value.strip():
                return value.strip().lower()
    return ""


def may_enter_current_property(user: User) -> bool:
    """On a property's host, members and platform admins; on the public host, anyone (each API call is scoped)."""
    property_ = served_property()
    return property_ is None or allows(user, property_, READERS)


def _role_here(user: User) -> str | None:
    """The user's role in the property being served, kept on the user object for this request.

    The admin asks for a permission per model and action many times a page; `request.user` lives
    for one request, so a role changed in between is read again on the next one.
    """
    property_ = served_property()
    if property_ is None:
        return None
    cache = user.__dict__.setdefault("_role_cache", {})
    if property_.pk not in cache:
        cache[property_.pk] = role_of(user, property_)
    return cache[property_.pk]


class PropertyMemberBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None or not may_enter_current_property(user):
            return None
        return user

    def has_perm(self, user_obj: Any, perm: str, obj: object = None) -> bool:
        if not user_obj.is_active:
            return False
        app_label, _, codename = perm.partition(".")
        action = codename.split("_", 1)[0]
        role = _role_here(user_obj)
        return role is not None and action in ROLE_ACTIONS[role].get(app_label, set())

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        role = _role_here(user_obj)
        return user_obj.is_active and role is not None and bool(ROLE_ACTIONS[role].get(app_label))

    def get_all_permissions(self, user_obj: Any, obj: object = None) -> set[str]:
        return set()

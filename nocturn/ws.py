"""Websocket tenancy: resolve the property from the host and authenticate staff inside it.

django-tenants has no websocket support; the schema does not follow a consumer into the thread
pool, so everything here runs with an explicit schema, and consumers use `in_schema`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils.crypto import constant_time_compare
from django_tenants.utils import schema_context

from properties.models import Domain, Property, User
from properties.permissions import role_label

T = TypeVar("T")


def host_of(scope: dict[str, Any]) -> str:
    for name, value in scope.get("headers", []):
        if name == b"host":
            return value.decode("latin-1").split(":", 1)[0].lower()
    return ""


def header_of(scope: dict[str, Any], wanted: bytes) -> str:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return value.decode("latin-1")
    return ""


def from_own_host(scope: dict[str, Any]) -> bool:
    """Whether the page that opened the socket is on the property's own host (scheme aside).

    The session cookie goes with any socket a browser opens to this host, whichever page opens
    it; every property host is same-site with the others, so SameSite does not stop a page on a
    sibling subdomain. The Origin header says which page it is; a browser always sends it and a
    page cannot forge it. No Origin (not a browser) is refused too: staff sockets are for the
    dashboard.
    """
    origin, host = header_of(scope, b"origin"), header_of(scope, b"host").lower()
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and bool(host) and parts.netloc.lower() == host


def cookies_of(scope: dict[str, Any]) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, val = part.strip().partition("=")
                cookies[key] = val
    return cookies


def property_for_host(host: str) -> Property | None:
    with schema_context("public"):
        domain = Domain.objects.select_related("tenant").filter(domain=host).first()
        if domain is None or domain.tenant.schema_name == "public" or not domain.tenant.is_active:
            return None
        return domain.tenant


def staff_for_session(session_key: str, property_: Property) -> tuple[User, str] | None:
    """The session's user and their role in `property_`, or None if not signed in or not a member."""
    if not session_key:
        return None
    with schema_context("public"):
        session = SessionStore(session_key=session_key)
        user_id = session.get(SESSION_KEY)
        if user_id is None or session.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS:
            return None
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None or not constant_time_compare(session.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()):
            return None
        role = role_label(user, property_)  # the access rule: members and platform admins
        return (user, role) if role else None


class StaffAuthMiddleware:
    """Admit a websocket only from a page of the property's own host, for a member of that property."""

    def __init__(self, inner: Callable[..., Any]) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> Any:
        property_ = await database_sync_to_async(property_for_host)(host_of(scope)) if from_own_host(scope) else None
        staff = None
        if property_ is not None:
            session_key = cookies_of(scope).get(settings.SESSION_COOKIE_NAME, "")
            staff = await database_sync_to_async(staff_for_session)(session_key, property_)
        if staff is None:
            # Closing before accept makes daphne answer the handshake with 403.
            await send({"type": "websocket.close", "code": 4403})
            return None
        scope = {**scope, "property": property_, "user": staff[0], "role": staff[1]}
        return await self.inner(scope, receive, send)


def in_schema(property_: Property, fn: Callable[..., T]) -> Callable[..., Any]:
    """Wrap a sync function so it runs in the thread pool inside `property_`'s schema."""

    def run(*args: Any, **kwargs: Any) -> T:
        with schema_context(property_.schema_name):
            return fn(*args, **kwargs)

    return database_sync_to_async(run)

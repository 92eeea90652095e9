"""Who may do what to a property's data: one rule, decided here for every door.

The rule
--------
1. A platform admin (a superuser) passes everywhere, on every property.
2. Anyone else must be a member of the property. Not a member, or no such property: **404**.
   Staff of one property never learn whether another exists, so "not there" and "not yours"
   get the same answer.
3. A member whose role is not among the roles the door accepts: **403**. They know the
   property; they may just not do this.

Anonymous callers never reach the rule: the API answers 401 (DRF's `IsAuthenticated`), a page
sends them to the login. The role sets below are the only ones doors name.

Where it is applied
-------------------
- API on the public host (`/api/v1/properties/{id}/…`, JWT or session):
  `property_for_user(user, property_id, roles)`, or `require_role` once the resource is found.
- Pages on a property's host: `@staff_page(roles)`. The host itself
  (`properties.middleware.PropertyMembershipMiddleware`) answers 404 to a signed-in
  non-member on every path, whatever page or admin lies behind it.
- The tenant admin: `TenantAdminSite.has_permission` lets in `MANAGERS` (Django's admin sends
  a member it refuses to its own login page, as it does for anyone without permission).
- Service guards (rotating a widget key, managing staff): `allows`.
- The staff websocket (`nocturn.ws`): `role_label`; a refused handshake is closed (a websocket
  has no 404 to give).

One way to read each thing
--------------------------
- A user's role in a property: `role_of(user, property_)` (None when not a member);
  `role_label` for what the API and the websocket show (platform admins included).
- The property a request is served for: `served_property()`, the tenant django-tenants resolved
  from the host (None on the public host). Code without a request (services, tasks) reads the
  property of the schema it runs in with `properties.services.current_property()`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse

from properties.models import Membership, Property, Role, User

READERS = frozenset({Role.MANAGER, Role.AGENT, Role.VIEWER})  # every member
WRITERS = frozenset({Role.MANAGER, Role.AGENT})  # viewers read only
MANAGERS = frozenset({Role.MANAGER})

PLATFORM_ADMIN = "platform_admin"  # the role shown for a superuser (who needs no membership)

_REFUSALS = {
    WRITERS: "Viewers may look but not change anything.",
    MANAGERS: "Only the property's managers may do this.",
}

View = Callable[..., HttpResponse]


def role_of(user: User | Any, property_: Property) -> str | None:
    """`user`'s role in `property_`, or None if they are not a member (or not signed in).

    Read from the database every time: a role changed a moment ago counts at once.
    """
    if not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.filter(user_id=user.pk, property_id=property_.pk).values_list("role", flat=True).first()


def role_label(user: User | Any, property_: Property) -> str | None:
    """The role to show: `platform_admin` for a superuser, else the membership's role (None: not a member)."""
    return PLATFORM_ADMIN if user.is_superuser else role_of(user, property_)


def allows(user: User | Any, property_: Property, roles: Collection[str] = READERS) -> bool:
    """True if `user` is a platform admin or a member of `property_` with one of `roles`."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or (property_.is_active and role_of(user, property_) in roles)


def require_role(
    user: User | Any, property_: Property, roles: Collection[str] = READERS, message: str | None = None
) -> None:
    """The rule: Http404 for a non-member, PermissionDenied (403) for a member without one of `roles`.

    Both are Django's own exceptions: a page turns them into 404 / 403 pages, DRF into 404 / 403
    JSON answers with the same text.
    """
    if getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser:
        return
    if not property_.is_active:
        # A suspended property closes every staff door (API, pages, its admin); platform admins only.
        raise Http404("No such property.")
    role = role_of(user, property_)
    if role is None:
        raise Http404("No such property.")
    if role not in roles:
        raise PermissionDenied(message or _REFUSALS.get(frozenset(roles), "Your role may not do this."))


def property_for_user(user: User | Any, property_id: int | str, roles: Collection[str] = READERS) -> Property:
    """The property `property_id` named in an API path, if `user` may act on it with one of `roles`.

    404 if there is no such property or `user` is not a member of it; 403 for a member with
    another role (see the rule above).
    """
    try:
        property_ = Property.objects.exclude(schema_name="public").get(pk=int(property_id))
    except (Property.DoesNotExist, ValueError, TypeError):
        raise Http404("No such property.") from None
    require_role(user, property_, roles)
    return property_


def served_property() -> Property | None:
    """The property whose host this request came to (django-tenants resolved it), or None on the public host.

    django-tenants puts the `Property` it loaded for this request on the connection; a
    `schema_context` (a task, a test) puts a stand-in there instead, which is no host's property.
    """
    tenant = getattr(connection, "tenant", None)
    if not isinstance(tenant, Property) or tenant.schema_name == "public":
        return None
    return tenant


def staff_page(roles: Collection[str] = READERS) -> Callable[[View], View]:
    """A page on a property's host for its members with one of `roles` (and platform admins).

    Anonymous visitors go to the login page; then the rule: 404 off a property's host or for a
    non-member, 403 for another role.
    """

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            property_ = served_property()
            if property_ is None:
                raise Http404("Staff pages live on a property's host.")
            require_role(request.user, property_, roles)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def request_allows(request: HttpRequest, roles: Collection[str]) -> bool:
    """On a property's host: may the signed-in user act with one of `roles` here? (Pages show or hide forms.)"""
    property_ = served_property()
    return property_ is not None and allows(request.user, property_, roles)

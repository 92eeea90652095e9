from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.utils import timezone
from django_tenants.middleware.main import TenantMainMiddleware

from properties.permissions import READERS, require_role, served_property


class _Middleware:
    """A plain Django middleware: holds the next handler."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response


class PropertyMembershipMiddleware(_Middleware):
    """On a property's host, a signed-in account that is not a member of that property gets 404.

    Session cookies are host-scoped already; this closes the remaining door of a cookie or a
    session replayed against another property's host, on every path of the host (pages, tenant
    admin, login), with the one answer the access rule gives a non-member.
    """

    def __call__(self, request: HttpRequest) -> HttpResponse:
        property_ = served_property()
        if property_ is not None and request.user.is_authenticated:
            require_role(request.user, property_, READERS)  # Http404 for a non-member
        return self.get_response(request)


class PropertyTimezoneMiddleware(_Middleware):
    """On a property's host every time shown (pages, forms, CSV) is in the property's own zone.

    Django keeps times in UTC; the template filters and `localtime` read the active zone, which
    this activates for the request and resets afterwards (a worker thread serves other hosts next).
    """

    def __call__(self, request: HttpRequest) -> HttpResponse:
        property_ = served_property()
        if property_ is None:
            return self.get_response(request)
        with timezone.override(property_.tzinfo):
            return self.get_response(request)


class PropertyHostMiddleware(TenantMainMiddleware):
    """django-tenants' host routing, with one change: a subdomain of BASE_DOMAIN that names no
    property answers 404 instead of serving the public site (which made any name look like a
    hotel's). The public host itself, and hosts outside BASE_DOMAIN, still get the public site.
    """

    def no_tenant_found(self, request: HttpRequest, hostname: str) -> HttpResponse | None:
        if hostname.endswith(f".{settings.BASE_DOMAIN}"):
            return HttpResponseNotFound("No such property.", content_type="text/plain; charset=utf-8")
        return super().no_tenant_found(request, hostname)

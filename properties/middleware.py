from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from properties.permissions import READERS, require_role, served_property


class PropertyMembershipMiddleware:
    """On a property's host, a signed-in account that is not a member of that property gets 404.

    Session cookies are host-scoped already; this closes the remaining door of a cookie or a
    session replayed against another property's host, on every path of the host (pages, tenant
    admin, login), with the one answer the access rule gives a non-member.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        property_ = served_property()
        if property_ is not None and request.user.is_authenticated:
            require_role(request.user, property_, READERS)  # Http404 for a non-member
        return self.get_response(request)


class PropertyTimezoneMiddleware:
    """On a property's host every time shown (pages, forms, CSV) is in the property's own zone.

    Django keeps times in UTC; the template filters and `localtime` read the active zone, which
    this activates for the request and resets afterwards (a worker thread serves other hosts next).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        property_ = served_property()
        if property_ is None:
            return self.get_response(request)
        with timezone.override(property_.tzinfo):
            return self.get_response(request)

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden

from properties.auth import current_role, may_enter_current_property


class PropertyMembershipMiddleware:
    """On a property's host, a signed-in account that is not a member of that property gets 403.

    Session cookies are host-scoped already; this closes the remaining door of a cookie or a
    session replayed against another property's host.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not may_enter_current_property(user):
            return HttpResponseForbidden("This account is not a member of this property.")
        request.role = current_role(user) if user.is_authenticated else None  # type: ignore[attr-defined]
        return self.get_response(request)

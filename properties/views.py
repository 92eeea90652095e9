from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from conversations.dashboard.views import inbox


def home(request: HttpRequest) -> HttpResponse:
    """The staff home page is the live inbox."""
    return inbox(request)

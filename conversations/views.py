"""Pages on a property's host: the widget demo, and the widget script itself."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from properties.models import WidgetKey

WIDGET_JS = Path(settings.BASE_DIR) / "static" / "widget.js"


def public_base_url(request: HttpRequest) -> str:
    """Where the widget API lives: WIDGET_API_BASE, or the public host on this request's port."""
    if settings.WIDGET_API_BASE:
        return settings.WIDGET_API_BASE.rstrip("/")
    port = request.get_port()
    default_port = "443" if request.is_secure() else "80"
    suffix = "" if port == default_port else f":{port}"
    return f"{request.scheme}://{settings.BASE_DOMAIN}{suffix}"


@require_GET
def widget_demo(request: HttpRequest) -> HttpResponse:
    """A page that embeds the widget exactly as a hotel's website would, with this property's first key."""
    property_ = connection.tenant
    origin = f"{request.scheme}://{request.get_host()}"
    keys = [
        k
        for k in WidgetKey.objects.filter(property__schema_name=property_.schema_name, is_active=True).order_by("id")
        if k.is_usable()
    ]
    # A key being replaced (it has an end) last: the embed code shown must not be one that stops within a day.
    keys.sort(key=lambda k: k.expires_at is not None)
    # The first key that allows this very page, so the demo works wherever it is served; else the first key.
    widget_key = next((k for k in keys if k.allows_origin(origin)), keys[0] if keys else None)
    api_base = public_base_url(request)
    response = render(
        request,
        "widget/demo.html",
        {"property": property_, "widget_key": widget_key, "api_base": api_base, "origin": origin},
    )
    # This page stands in for a hotel's website: it loads widget.js from the API host, talks to it
    # over HTTP and a websocket, and the widget styles its shadow root with a <style> element.
    websocket_base = "ws" + api_base.removeprefix("http")
    response._csp_update = {  # type: ignore[attr-defined]  # read by django-csp's middleware
        "script-src": [api_base],
        "connect-src": [api_base, websocket_base],
        "style-src": ["'unsafe-inline'"],
    }
    return response


@lru_cache(maxsize=1)
def _widget_source() -> bytes:
    return WIDGET_JS.read_bytes()


@require_GET
def widget_script(request: HttpRequest) -> HttpResponse:
    """static/widget.js, served by the app so one <script src> works without a static file server."""
    body = _widget_source() if not settings.DEBUG else WIDGET_JS.read_bytes()
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    response["X-Content-Type-Options"] = "nosniff"
    return response

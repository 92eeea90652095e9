"""Request latency for every HTTP request Django answers (websockets are not requests)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse
from opentelemetry import trace

from core.metrics import http_request_duration

UNMATCHED = "<unmatched>"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetricsMiddleware:
    """First in the chain, so the time includes tenant resolution and every other middleware.

    The route label is the URL pattern (`api/v1/properties/<int:property_id>/leads`), never the
    path, so ids and slugs never become label values.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = (match.route or match.view_name) if match is not None else UNMATCHED
        if match is not None:
            span = trace.get_current_span()  # the tracing middleware's server span, when tracing is on
            if span.is_recording():
                # It named the span before django-tenants chose the URL conf (so "POST" for every
                # public-host route); the route is known now.
                span.update_name(f"{request.method} {route}")
        site = "public" if connection.schema_name == "public" else "property"
        method = request.method if request.method in METHODS else "other"  # any verb a client invents is one label
        http_request_duration.labels(route=route, method=method, status=str(response.status_code), site=site).observe(
            time.perf_counter() - started
        )
        return response

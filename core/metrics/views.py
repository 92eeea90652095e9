"""`GET /metrics` on the public host, for the platform's Prometheus and its operators only.

A bearer token (`METRICS_TOKEN`, compared in constant time) or a platform admin's session.
Nothing else gets in: no credentials is 401, a property's staff (manager or not) is 403, since
the figures cover every property.
"""

from __future__ import annotations

import hmac
import os

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from core.metrics.state import state_collector


def _bearer_ok(request: HttpRequest) -> bool | None:
    """True/False for a presented token; None when no bearer token was presented."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    expected = settings.METRICS_TOKEN
    return bool(expected) and hmac.compare_digest(header[len("Bearer ") :].encode(), expected.encode())


def exposition() -> bytes:
    """Every process's event metrics (multiprocess files, or this process's registry) + the state read now."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        events = generate_latest(registry)
    else:
        events = generate_latest(REGISTRY)
    state = CollectorRegistry()
    state.register(state_collector)
    return events + generate_latest(state)


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    token = _bearer_ok(request)
    user = request.user
    if token is False:
        return HttpResponse("invalid token\n", status=401, content_type="text/plain", headers=_challenge())
    if not token:
        if not user.is_authenticated:
            return HttpResponse(
                "authentication required\n", status=401, content_type="text/plain", headers=_challenge()
            )
        if not (user.is_active and user.is_superuser):
            return HttpResponse("platform admins only\n", status=403, content_type="text/plain")
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


def _challenge() -> dict[str, str]:
    return {"WWW-Authenticate": 'Bearer realm="metrics"'}

"""The widget's visit door (public host): the widget was shown to a visitor session, counted for the day.

Analytics owns the count, so it owns the door, opened with the widget API's own checks (key,
origin, throttle, CORS): conversations never imports analytics.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django_tenants.utils import schema_context

from analytics.services.visitors import record_widget_visit
from conversations.widget import throttle
from conversations.widget.api import (
    MAX_CLIENT_ID,
    Refusal,
    check_key,
    guarded,
    json_body,
    key_named,
    throttle_or_refuse,
)


def _visit(request: HttpRequest) -> tuple[dict[str, Any], int]:
    """POST /api/v1/widget/visits {key, visitor_id} → 200 {counted}: the widget was shown to a visitor session."""
    data = json_body(request)
    widget_key = check_key(request, key_named(str(data.get("key") or "")))
    visitor_id = data.get("visitor_id")
    if not isinstance(visitor_id, str) or not 8 <= len(visitor_id) <= MAX_CLIENT_ID or not visitor_id.isprintable():
        raise Refusal(400, f"visitor_id must be a string of 8 to {MAX_CLIENT_ID} printable characters.")
    throttle_or_refuse(throttle.visit_limits(request, widget_key.pk))
    with schema_context(widget_key.property.schema_name):
        counted = record_widget_visit(visitor_id)
    return {"counted": counted}, 200


widget_visits = guarded(_visit, "POST")

"""`POST /api/v1/integrations/{property}/events`: events from the hotel's own systems (public host).

Order of checks, so each failure has one clear answer: the property (404), the signature over the
raw body (401, nothing parsed or stored), the JSON and the event's schema (400: never retried),
the event id (200 with the first answer for a retry, 409 for a different event under a used id),
then 202. A failure of ours (the database) is a 503 with Retry-After, so the sender retries.
"""

from __future__ import annotations

import re
import time

import structlog
from django.conf import settings
from django.db import DatabaseError
from django_tenants.utils import tenant_context
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations import signing
from integrations.serializers import (
    IntegrationErrorSerializer,
    IntegrationEventResultSerializer,
    IntegrationEventSerializer,
)
from integrations.services import credentials, events
from properties.models import Property

log = structlog.get_logger(__name__)

MAX_BODY_BYTES = 64 * 1024
SLUG = re.compile(r"[a-z][a-z0-9-]{1,40}")
RETRY_AFTER_SECONDS = "30"

EXAMPLE_EVENT = {
    "id": "evt_20261129_0001",
    "type": "booking.confirmed",
    "occurred_at": "2026-11-29T09:30:00Z",
    "guest": {"name": "Aisyah Rahman", "phone": "+60123456789", "email": "aisyah@example.com", "language": "ms"},
    "booking": {
        "reference": "BK-1001",
        "check_in": "2026-12-20",
        "check_out": "2026-12-22",
        "room_type": "Deluxe King",
        "adults": 2,
    },
}


def _error(status: int, error: str, details: object = None, headers: dict[str, str] | None = None) -> Response:
    body: dict[str, object] = {"error": error}
    if details is not None:
        body["details"] = details
    return Response(body, status=status, headers=headers)


class IntegrationEventsView(APIView):
    authentication_classes: list = []  # the HMAC signature is the authentication
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]  # documents the body as JSON; the view itself reads the raw bytes (signed)
    throttle_classes: list = []

    @extend_schema(
        operation_id="integration_event_create",
        summary="Receive an event from the hotel's own system (POS, PMS)",
        description=(
            "Signed with the property's integration secret: `X-Nocturn-Signature: t=<unix seconds>,v1=<hex>` where "
            "`v1` is HMAC-SHA256(secret, `<t>.` + raw body). A timestamp more than 5 minutes (by default) from "
            "our clock is refused. The event id makes the call idempotent: a retry of the same event gets the "
            "first answer with 200; a different event under a used id gets 409. The guest is notified "
            "asynchronously; the answer never waits for it."
        ),
        tags=["integrations"],
        auth=[],
        parameters=[
            OpenApiParameter(
                "property",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="The property's slug (as in its host name `{slug}.<base domain>`).",
                pattern=r"^[a-z][a-z0-9-]{1,40}$",
            ),
            OpenApiParameter(
                signing.HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="`t=<unix seconds>,v1=<hex HMAC-SHA256>`; several `v1=` entries are allowed.",
            ),
        ],
        request=IntegrationEventSerializer,
        responses={
            202: OpenApiResponse(IntegrationEventResultSerializer, description="Accepted; the guest will be notified."),
            200: OpenApiResponse(
                IntegrationEventResultSerializer, description="A retry of an accepted event: the first answer."
            ),
            400: OpenApiResponse(
                IntegrationErrorSerializer, description="Bad JSON, schema errors or an unknown event type."
            ),
            401: OpenApiResponse(IntegrationErrorSerializer, description="Missing, stale or invalid signature."),
            404: OpenApiResponse(IntegrationErrorSerializer, description="No such property."),
            409: OpenApiResponse(
                IntegrationErrorSerializer, description="The event id was used for a different event."
            ),
            413: OpenApiResponse(IntegrationErrorSerializer, description="Body larger than 64 KiB."),
            503: OpenApiResponse(IntegrationErrorSerializer, description="Temporarily unavailable: retry later."),
        },
        examples=[OpenApiExample("booking.confirmed", value=EXAMPLE_EVENT, request_only=True)],
    )
    def post(self, request: Request, property: str) -> Response:  # the URL's own word
        try:
            return self._receive(request, property)
        except DatabaseError:
            log.exception("integration_event_store_failed", property=property)
            return _error(503, "temporarily unavailable, retry later", headers={"Retry-After": RETRY_AFTER_SECONDS})

    def _receive(self, request: Request, slug: str) -> Response:
        # Anything that cannot be a slug (a NUL byte would even upset PostgreSQL) is simply unknown.
        property_ = Property.objects.filter(slug=slug, is_active=True).first() if SLUG.fullmatch(slug) else None
        if property_ is None:
            return _error(404, "unknown property")
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return _error(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
        body = request.body
        if len(body) > MAX_BODY_BYTES:
            return _error(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
        candidates = credentials.candidate_secrets(property_)
        try:
            _, secret = signing.verify(
                request.headers.get(signing.HEADER),
                body,
                [secret for _, secret in candidates],
                now=time.time(),
                tolerance=settings.INTEGRATION_SIGNATURE_TOLERANCE,
            )
        except signing.SignatureError as exc:
            log.warning("integration_bad_signature", property=property_.slug, reason=str(exc))
            return _error(401, f"invalid signature: {exc}")
        credential = next(c for c, s in candidates if s == secret)
        credentials.mark_used(credential)
        try:
            data = events.parse_json(body)
            with tenant_context(property_):
                outcome = events.accept(data, key_id=credential.key_id)
        except events.EventConflict as exc:
            return _error(409, exc.error)
        except events.InvalidEvent as exc:
            return _error(400, exc.error, exc.details)
        headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
        return Response(outcome.body, status=200 if outcome.replayed else 202, headers=headers)

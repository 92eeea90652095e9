from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from nocturn.health import check_services


@extend_schema(summary="Health of PostgreSQL, Redis and the Celery broker", responses={200: dict, 503: dict})
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def health(request: Request) -> Response:
    checks = check_services()
    down = [name for name, state in checks.items() if state != "ok"]
    body = {"status": "ok" if not down else "down", "down": down, "checks": checks}
    return Response(body, status=503 if down else 200)

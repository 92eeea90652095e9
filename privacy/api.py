"""Privacy API on the public host: a property's managers (and platform admins) erase a guest."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status as http
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from privacy.serializers import ErasureRequestSerializer, ErasureResultSerializer
from privacy.services.erasure import ErasureRequestError, erase_guest
from properties.permissions import MANAGERS, property_for_user


@extend_schema(
    summary="Erase one guest of a property (PDPA right to deletion)",
    description="Purges every record of the guest known by this phone number and/or e-mail address: "
    "conversations, messages, leads, media files, sessions, inbound events, outbox, their rows of the stored GM "
    "reports. All or nothing. "
    "Managers of the property and platform admins only.",
    request=ErasureRequestSerializer,
    responses={200: ErasureResultSerializer},
)
@api_view(["POST"])
def erase_guest_view(request: Request, property_id: int) -> Response:
    property_ = property_for_user(request.user, property_id, MANAGERS)  # 404 outside, 403 below a manager
    body = ErasureRequestSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    try:
        result = erase_guest(
            body.validated_data.get("phone"),
            body.validated_data.get("email"),
            actor=request.user,
            property=property_,
            request=request,
        )
    except ErasureRequestError as exc:
        return Response({"detail": str(exc)}, status=http.HTTP_400_BAD_REQUEST)
    return Response(ErasureResultSerializer(result.summary()).data)

"""Cross-property API on the public host: every call is scoped to the caller's memberships."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from properties.permissions import property_for_user
from properties.serializers import PropertySerializer
from properties.services import properties_of


@extend_schema(responses=PropertySerializer(many=True), summary="The properties the caller belongs to")
@api_view(["GET"])
def property_list(request: Request) -> Response:
    return Response(PropertySerializer(properties_of(request.user), many=True, context={"request": request}).data)


@extend_schema(responses=PropertySerializer, summary="One property the caller belongs to (404 otherwise)")
@api_view(["GET"])
def property_detail(request: Request, property_id: int) -> Response:
    property_ = property_for_user(request.user, property_id)
    return Response(PropertySerializer(property_, context={"request": request}).data)

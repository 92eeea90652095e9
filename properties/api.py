"""Cross-property API on the public host: every call is scoped to the caller's memberships."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.views import TokenBlacklistView, TokenObtainPairView
from rest_framework_simplejwt.views import TokenRefreshView as BaseTokenRefreshView

from properties.permissions import property_for_user
from properties.serializers import PropertySerializer
from properties.services import properties_of


class TokenObtainView(TokenObtainPairView):
    """simplejwt's token endpoint, answering 429 while django-axes holds the e-mail + IP locked out.

    Axes marks the lockout on the request it was given, which here is DRF's wrapper, so its
    middleware (which looks at Django's request) never sees it: the view turns it into a 429.
    """

    @extend_schema(
        responses={
            200: TokenObtainPairSerializer,
            400: OpenApiResponse(description="E-mail or password missing or malformed."),
            401: OpenApiResponse(description="Wrong e-mail or password."),
            429: OpenApiResponse(description="Too many failed sign-ins from this address: locked for a while."),
        },
        summary="Obtain a JWT pair (throttled: 5 failures per e-mail and IP lock out for 15 minutes)",
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            return super().post(request, *args, **kwargs)
        except AuthenticationFailed:
            if getattr(request, "axes_locked_out", False):
                return Response(
                    {"detail": "Too many failed sign-ins. Try again later."}, status=status.HTTP_429_TOO_MANY_REQUESTS
                )
            raise


class TokenRefreshView(BaseTokenRefreshView):
    """simplejwt's refresh endpoint with its error answers documented (the fuzzer holds us to the schema)."""

    @extend_schema(
        responses={
            200: TokenRefreshSerializer,
            400: OpenApiResponse(description="The refresh token is missing or malformed."),
            401: OpenApiResponse(description="The refresh token is invalid or expired."),
        },
        summary="Exchange a refresh token for a new pair (the refresh token given is then revoked: use it once)",
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


class LogoutView(TokenBlacklistView):
    """Revoke a refresh token (simplejwt's blacklist); access tokens it issued expire within minutes."""

    @extend_schema(
        responses={
            200: OpenApiResponse(description="Revoked."),
            400: OpenApiResponse(description="The refresh token is missing or malformed."),
            401: OpenApiResponse(description="The refresh token is invalid, expired or already revoked."),
        },
        summary="Log out: revoke a refresh token",
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


# The same list as GET /api/v1/properties (onboarding's collection), kept for clients that add a slash;
# documented once, under the canonical path.
@extend_schema(exclude=True)
@api_view(["GET"])
def property_list(request: Request) -> Response:
    return Response(PropertySerializer(properties_of(request.user), many=True, context={"request": request}).data)


@extend_schema(responses=PropertySerializer, summary="One property the caller belongs to (404 otherwise)")
@api_view(["GET"])
def property_detail(request: Request, property_id: int) -> Response:
    property_ = property_for_user(request.user, property_id)
    return Response(PropertySerializer(property_, context={"request": request}).data)

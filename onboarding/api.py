"""Property API on the public host: create (platform admins), settings and onboarding (managers), staff.

404 for a property outside the caller's memberships (nothing is learnt of it), 403 for its agents
and viewers, 400 with every error at once (and nothing saved) for bad values.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from core.boundary import object_body
from onboarding.services import staff, wizard
from onboarding.services.settings import SettingsInvalid, get_settings, rotate_property_key, update_settings
from properties.models import Membership, PendingEmailBinding, PlanTier
from properties.permissions import MANAGERS, property_for_user
from properties.serializers import PropertySerializer
from properties.services import (
    NewProperty,
    properties_of,
    property_host,
    property_origin,
)


def _errors(exc: ValidationError) -> dict[str, Any]:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    return {"detail": exc.messages}


class NewPropertySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    slug = serializers.CharField(max_length=41)
    timezone = serializers.CharField(max_length=64, default="Asia/Kuala_Lumpur")
    country = serializers.CharField(max_length=2, default="MY")
    notification_email = serializers.EmailField(required=False, default="")
    website = serializers.URLField(required=False, default="")
    plan = serializers.ChoiceField(choices=PlanTier.values, default=PlanTier.STARTER)


@extend_schema(
    methods=["POST"],
    request=NewPropertySerializer,
    responses={201: PropertySerializer, 400: OpenApiResponse(description="Invalid values"), 403: None},
    summary="Create a property with its schema and domain (platform admins)",
    operation_id="property_create",
)
@extend_schema(
    methods=["GET"],
    responses=PropertySerializer(many=True),
    summary="The properties the caller belongs to",
    operation_id="property_collection_list",
)
@api_view(["GET", "POST"])
def property_collection(request: Request) -> Response:
    if request.method == "GET":
        return Response(PropertySerializer(properties_of(request.user), many=True, context={"request": request}).data)
    if not request.user.is_superuser:
        raise ApiPermissionDenied("Only platform admins create properties.")
    serializer = NewPropertySerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    try:
        property_ = wizard.create_for_onboarding(
            NewProperty(**serializer.validated_data), actor=request.user, request=request._request
        )
    except ValidationError as exc:
        return Response(_errors(exc), status=status.HTTP_400_BAD_REQUEST)
    body = PropertySerializer(property_, context={"request": request}).data
    body["host"] = property_host(property_.slug)
    body["onboarding"] = wizard.report(property_)
    return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(
    methods=["GET"], responses={200: OpenApiResponse(description="Every settings section")}, summary="Settings"
)
@extend_schema(
    methods=["PUT"],
    request={"application/json": {"type": "object"}},
    responses={200: OpenApiResponse(description="The saved sections"), 400: OpenApiResponse(description="Errors")},
    summary="Change settings: every section given is validated, then all are saved together or none",
)
@api_view(["GET", "PUT"])
def property_settings(request: Request, property_id: int) -> Response:
    property_ = property_for_user(request.user, property_id, MANAGERS)
    if request.method == "PUT":
        if not isinstance(request.data, dict) or not request.data:
            return Response({"detail": "Send an object of settings sections."}, status=400)
        try:
            update_settings(property_, dict(request.data), actor=request.user, request=request._request)
        except SettingsInvalid as exc:
            return Response({"detail": str(exc.message), "errors": exc.errors}, status=400)
        connection.set_schema_to_public()
    return Response(get_settings(property_))


ONBOARD_STEPS = {
    "details": wizard.save_details,
    "hours": wizard.save_hours,
    "whatsapp": wizard.save_whatsapp,
    "whatsapp_test": wizard.send_test_message,
    "email": wizard.save_email,
    "widget": wizard.save_widget,
}


@extend_schema(
    request={"application/json": {"type": "object"}},
    responses={200: OpenApiResponse(description="Checklist, missing items, next step")},
    summary='Advance onboarding: {"step": "details|hours|whatsapp|whatsapp_test|email|widget|knowledge|try|live", '
    '"data": {…}}; with no step, only the report',
)
@api_view(["POST"])
def onboard(request: Request, property_id: int) -> Response:
    property_ = property_for_user(request.user, property_id, MANAGERS)
    body = object_body(request.data)
    step, data = body.get("step"), body.get("data") or {}
    extra: dict[str, Any] = {}
    if not isinstance(step, str | None):
        return Response({"errors": {"step": ["Send the step's name as a string."]}}, status=400)
    if not isinstance(data, dict):
        return Response({"errors": {"data": ["Send the step's fields as an object."]}}, status=400)
    try:
        if step in ONBOARD_STEPS:
            result = ONBOARD_STEPS[step](property_, data, actor=request.user, request=request._request)
            if step == "widget":
                extra["widget_key"] = result.public_key
            if step == "whatsapp_test":
                extra["message_id"] = result
            if step == "email":
                # Another domain's address waits for the link mailed to it; nothing is bound yet.
                pending = isinstance(result, PendingEmailBinding)
                extra["email"] = {"address": result.address, "status": "pending_verification" if pending else "bound"}
        elif step == "knowledge":
            items = data.get("items")
            if not isinstance(items, list) or not items:
                raise ValidationError({"items": "Send the knowledge items as a non-empty list."})
            extra["knowledge"] = wizard.knowledge_save(
                property_, items, str(data.get("source") or "api"), actor=request.user, request=request._request
            )
        elif step == "try":
            answer = wizard.try_question(property_, str(data.get("question") or ""))
            extra["answer"] = {"text": answer.text, "hits": [h.title for h in answer.hits]}
        elif step == "live":
            wizard.go_live(property_, actor=request.user, request=request._request)
        elif step not in (None, ""):
            raise ValidationError({"step": f"Unknown step {step!r}."})
    except ValidationError as exc:
        connection.set_schema_to_public()
        return Response({"errors": _errors(exc), **wizard.report(property_)}, status=400)
    connection.set_schema_to_public()
    return Response({**wizard.report(property_), **extra})


@extend_schema(
    request=None,
    responses={
        201: OpenApiResponse(description="The new key"),
        409: OpenApiResponse(description="The key is already being replaced: rotate its successor"),
    },
    summary="Rotate a widget key",
)
@api_view(["POST"])
def rotate_key(request: Request, property_id: int, key_id: int) -> Response:
    property_ = property_for_user(request.user, property_id, MANAGERS)
    try:
        rotated = rotate_property_key(property_, key_id, actor=request.user, request=request._request)
    except ValidationError as exc:
        return Response(_errors(exc), status=409)
    if rotated is None:
        return Response({"detail": "No such widget key."}, status=404)
    key, new = rotated
    return Response(
        {"id": new.pk, "public_key": new.public_key, "old_key_expires_at": key.expires_at.isoformat()}, status=201
    )


def _member_json(m: Membership) -> dict[str, Any]:
    return {"id": m.pk, "email": m.user.email, "role": m.role}


@extend_schema(
    request={"application/json": {"type": "object"}},
    responses={200: OpenApiResponse(description="Members and pending invitations")},
    summary="Staff: list (GET) or invite by e-mail (POST {email, role})",
)
@api_view(["GET", "POST"])
def members(request: Request, property_id: int) -> Response:
    property_ = property_for_user(request.user, property_id, MANAGERS)
    if request.method == "POST":
        body = object_body(request.data)
        # The link opens on the property's own host, with this request's scheme and port (":8000" locally).
        url = property_origin(property_.slug, request._request)
        try:
            staff.invite(
                property_,
                str(body.get("email") or ""),
                str(body.get("role") or ""),
                actor=request.user,
                accept_url=url.rstrip("/") + "/invitations/{token}/",
                request=request._request,
            )
        except ValidationError as exc:
            return Response({"errors": _errors(exc)}, status=400)
    return Response(
        {
            "members": [_member_json(m) for m in staff.members(property_)],
            "invitations": [{"email": i.email, "role": i.role} for i in staff.pending_invitations(property_)],
        },
        status=201 if request.method == "POST" else 200,
    )


@extend_schema(
    request={"application/json": {"type": "object"}},
    responses={200: OpenApiResponse(description="The member"), 204: None},
    summary="Change a member's role (PATCH {role}) or remove them (DELETE)",
)
@api_view(["PATCH", "DELETE"])
def member_detail(request: Request, property_id: int, membership_id: int) -> Response:
    property_ = property_for_user(request.user, property_id, MANAGERS)
    try:
        if request.method == "DELETE":
            staff.remove(property_, membership_id, actor=request.user, request=request._request)
            return Response(status=204)
        role = object_body(request.data).get("role")
        membership = staff.change_role(
            property_, membership_id, str(role or ""), actor=request.user, request=request._request
        )
    except Membership.DoesNotExist:
        return Response({"detail": "No such member."}, status=404)
    except PermissionDenied as exc:
        raise ApiPermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        return Response({"errors": _errors(exc)}, status=400)
    return Response(_member_json(Membership.objects.select_related("user").get(pk=membership.pk)))

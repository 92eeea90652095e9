"""The gap inbox's API on the public host (JWT or session): list, one gap, answer, dismiss, follow up.

Every call names its property and runs in its schema. Outside the caller's properties: 404; reading
is for every member, answering, dismissing and following up for managers (others 403).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django_tenants.utils import schema_context
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from gaps import serializers as s
from gaps.services import followups, inbox
from properties.permissions import MANAGERS, property_for_user


def _refusal(exc: inbox.GapError) -> Response:
    body = {exc.field: [str(exc)]} if exc.field else {"detail": str(exc)}
    return Response(body, status=exc.status)


def _unavailable(exc: inbox.GapUnavailable) -> Response:
    return Response({"detail": str(exc)}, status=503, headers={"Retry-After": "30"})


def _act(
    request: Request,
    property_id: int,
    gap_id: int,
    body: type[Serializer],
    action: Callable[..., Any],
    result: type[Serializer],
) -> Response:
    """A manager's write on one gap in the property's schema: the body validated, `action(gap_id, user=…,
    **body)` run, its result serialized; refusals become 4xx, a provider outage 503."""
    property_ = property_for_user(request.user, property_id, MANAGERS)
    with schema_context(property_.schema_name):
        try:
            inbox.gap_for(gap_id)  # 404 before validating a body for a gap that is not there
            data = body(data=request.data)
            data.is_valid(raise_exception=True)
            return Response(result(action(gap_id, user=request.user, **data.validated_data)).data)
        except inbox.GapError as exc:
            return _refusal(exc)
        except inbox.GapUnavailable as exc:
            return _unavailable(exc)


@extend_schema(
    summary="A property's gaps: questions the assistant could not answer, grouped (by count, then recency)",
    parameters=[s.GapFilterSerializer],
    responses=s.GapSerializer(many=True),
)
@api_view(["GET"])
def gap_list(request: Request, property_id: int) -> Response:
    property_ = property_for_user(request.user, property_id)
    wanted = s.GapFilterSerializer(data=request.query_params)
    if not wanted.is_valid():
        raise ValidationError(wanted.errors)
    with schema_context(property_.schema_name):
        rows = list(inbox.gaps(**wanted.validated_data)[:200])
        return Response(s.GapSerializer(rows, many=True).data)


@extend_schema(summary="One gap, with the guests still waiting for its answer", responses=s.GapDetailSerializer)
@api_view(["GET"])
def gap_detail(request: Request, property_id: int, gap_id: int) -> Response:
    property_ = property_for_user(request.user, property_id)
    with schema_context(property_.schema_name):
        return Response(s.GapDetailSerializer(inbox.gap_for(gap_id)).data)


@extend_schema(
    summary="Answer a gap: a knowledge item (EN, optional BM), embedded; the gap closes and its questions are tried",
    request=s.AnswerSerializer,
    responses={200: s.AnswerResultSerializer, 409: None, 503: None},
)
@api_view(["POST"])
def gap_answer(request: Request, property_id: int, gap_id: int) -> Response:
    return _act(request, property_id, gap_id, s.AnswerSerializer, inbox.answer_gap, s.AnswerResultSerializer)


@extend_schema(
    summary="Dismiss a gap with a reason ('not_offered' may also write a bilingual knowledge item saying so)",
    request=s.DismissSerializer,
    responses={200: s.GapSerializer, 409: None, 503: None},
)
@api_view(["POST"])
def gap_dismiss(request: Request, property_id: int, gap_id: int) -> Response:
    return _act(request, property_id, gap_id, s.DismissSerializer, inbox.dismiss_gap, s.GapSerializer)


@extend_schema(
    summary="Send an answered gap's answer to the guests still waiting (each guest once, however often it is called)",
    request=s.FollowUpRequestSerializer,
    responses={200: s.FollowUpResultSerializer, 409: None},
)
@api_view(["POST"])
def gap_follow_up(request: Request, property_id: int, gap_id: int) -> Response:
    return _act(
        request, property_id, gap_id, s.FollowUpRequestSerializer, followups.send_follow_ups, s.FollowUpResultSerializer
    )

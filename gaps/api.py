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


def _write_view(
    summary: str, body: type[Serializer], action: Callable[..., Any], result: type[Serializer], *, outage: bool = True
) -> Callable[..., Response]:
    """The API view of one manager's write on a gap (`_act` with these parts), documented as such."""
    responses: dict[int, Any] = {200: result, 409: None, **({503: None} if outage else {})}

    @extend_schema(summary=summary, request=body, responses=responses)
    @api_view(["POST"])
    def view(request: Request, property_id: int, gap_id: int) -> Response:
        return _act(request, property_id, gap_id, body, action, result)

    return view


gap_answer = _write_view(
    "Answer a gap: a knowledge item (EN, optional BM), embedded; the gap closes and its questions are tried",
    s.AnswerSerializer,
    inbox.answer_gap,
    s.AnswerResultSerializer,
)
gap_dismiss = _write_view(
    "Dismiss a gap with a reason ('not_offered' may also write a bilingual knowledge item saying so)",
    s.DismissSerializer,
    inbox.dismiss_gap,
    s.GapSerializer,
)
gap_follow_up = _write_view(
    "Send an answered gap's answer to the guests still waiting (each guest once, however often it is called)",
    s.FollowUpRequestSerializer,
    followups.send_follow_ups,
    s.FollowUpResultSerializer,
    outage=False,  # only making an answer searchable (answering, dismissing) waits on the embedding provider
)

"""Leads API on the public host (JWT or session). Every call names its property and runs in its schema.

Lead ids are per property (each schema has its own sequence), so a lead is always addressed with
its property: `/properties/{id}/leads/{lead_id}`, or `/leads/{lead_id}?property={id}`. Outside the
caller's properties the answer is 404; viewers may read, not write (403).
"""

from __future__ import annotations

from django_tenants.utils import schema_context
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status as http
from rest_framework.decorators import api_view
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from core import audit
from core.audit import AuditAction
from leads.models import Lead
from leads.serializers import LeadReviewSerializer, LeadSerializer, LeadUpdateSerializer, ReviewVerdictSerializer
from leads.services.leads import LeadChanges, LeadError, record_review, rubric_agreement_rate, update_lead
from leads.services.queries import FILTER_CHOICES, lead_filter, lead_for, pending_reviews
from properties.models import Property
from properties.permissions import WRITERS, property_for_user, require_role

# The filters of `leads.services.queries.lead_filter`, documented for the schema (and the fuzzer).
FILTER_PARAMETERS = [
    *(OpenApiParameter(name, str, enum=values) for name, values in FILTER_CHOICES.items()),
    OpenApiParameter("after_hours", bool),
]


class LeadPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200


def _property_param(request: Request) -> str:
    value = request.query_params.get("property")
    if not value:
        raise ValidationError({"property": "Required: the id of the property this lead belongs to."})
    return value


@extend_schema(
    summary="A property's leads (filters, pagination)",
    parameters=[*FILTER_PARAMETERS, OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
    responses=LeadSerializer(many=True),
)
@api_view(["GET"])
def lead_list(request: Request, property_id: int) -> Response:
    property_ = property_for_user(request.user, property_id)
    wanted, errors = lead_filter(request.query_params)
    if errors:
        raise ValidationError(errors)
    with schema_context(property_.schema_name):
        leads = wanted.apply(Lead.objects.prefetch_related("conversation_links")).order_by("-created_at", "-id")
        paginator = LeadPagination()
        page = paginator.paginate_queryset(leads, request)
        audit.record(
            AuditAction.LEAD_LIST,
            request=request,
            property=property_,
            target_type="leads.lead",
            details={"filters": wanted.as_params(), "ids": [lead.pk for lead in page or []]},
        )
        return paginator.get_paginated_response(LeadSerializer(page, many=True).data)


def _detail(request: Request, property_: Property, lead_id: int) -> Response:
    with schema_context(property_.schema_name):
        lead = lead_for(lead_id)
        if request.method == "GET":
            audit.record(
                AuditAction.LEAD_VIEW,
                request=request,
                property=property_,
                target_type="leads.lead",
                target_id=str(lead.pk),
            )
            return Response(LeadSerializer(lead).data)
        require_role(request.user, property_, WRITERS)
        changes = LeadUpdateSerializer(data=request.data, context={"lead": lead})
        changes.is_valid(raise_exception=True)
        try:
            lead = update_lead(lead.pk, LeadChanges(**changes.validated_data))
        except LeadError as exc:
            return Response({"detail": str(exc)}, status=http.HTTP_400_BAD_REQUEST)
        return Response(LeadSerializer(lead_for(lead.pk)).data)


@extend_schema(summary="One lead of a property", responses=LeadSerializer, request=LeadUpdateSerializer)
@api_view(["GET", "PATCH"])
def lead_detail(request: Request, property_id: int, lead_id: int) -> Response:
    return _detail(request, property_for_user(request.user, property_id), lead_id)


@extend_schema(
    summary="One lead (its property given as ?property=)",
    parameters=[OpenApiParameter("property", OpenApiTypes.INT, required=True)],
    responses=LeadSerializer,
    request=LeadUpdateSerializer,
)
@api_view(["GET", "PATCH"])
def lead_detail_by_id(request: Request, lead_id: int) -> Response:
    return _detail(request, property_for_user(request.user, _property_param(request)), lead_id)


@extend_schema(summary="Record a reviewer's verdict on the rubric's reading of a lead",
               request=ReviewVerdictSerializer, responses={201: LeadReviewSerializer})  # fmt: skip
@api_view(["POST"])
def lead_review(request: Request, property_id: int, lead_id: int) -> Response:
    property_ = property_for_user(request.user, property_id)
    with schema_context(property_.schema_name):
        lead = lead_for(lead_id)
        require_role(request.user, property_, WRITERS)
        verdict = ReviewVerdictSerializer(data=request.data)
        verdict.is_valid(raise_exception=True)
        try:
            data = verdict.validated_data
            review = record_review(lead.pk, request.user, data["verdict"], data["corrected_fields"], data["comment"])
        except LeadError as exc:
            return Response({"detail": str(exc)}, status=http.HTTP_400_BAD_REQUEST)
        return Response(LeadReviewSerializer(review).data, status=http.HTTP_201_CREATED)


@extend_schema(summary="The review queue's figures: pending leads and the rubric's agreement rate",
               responses=dict)  # fmt: skip
@api_view(["GET"])
def review_stats(request: Request, property_id: int) -> Response:
    property_ = property_for_user(request.user, property_id)
    with schema_context(property_.schema_name):
        pending = pending_reviews().count()
        return Response({"pending": pending, **rubric_agreement_rate()})

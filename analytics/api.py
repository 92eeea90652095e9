"""Analytics API on the public host, always scoped to one property the caller manages.

Revenue and response-time figures are commercial: the property's managers and platform admins
only; its agents and viewers get 403, anyone else 404 (the rule of `properties.permissions`).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view
from rest_framework.exceptions import ValidationError as BadRequest
from rest_framework.request import Request
from rest_framework.response import Response

from analytics.models import GMReport
from analytics.serializers import DailyAggregateSerializer, GMReportSerializer
from analytics.services.aggregation import daily_rows
from analytics.services.period import PRESETS, parse_period
from analytics.services.summary import summary
from properties.permissions import MANAGERS, property_for_user

PERIOD_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="First local date (default: 29 days before today)"),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last local date, at most today (default: today, live)"),
    OpenApiParameter("preset", OpenApiTypes.STR, enum=list(PRESETS), description="Instead of from/to; default 30d"),
]


def _period(request: Request) -> tuple[dt.date, dt.date]:
    try:
        params = request.query_params
        return parse_period(params.get("from"), params.get("to"), params.get("preset"))
    except ValidationError as error:
        raise BadRequest({"detail": error.messages[0]}) from error


@extend_schema(
    parameters=PERIOD_PARAMETERS, responses=DailyAggregateSerializer(many=True), summary="Daily figures of a property"
)
@api_view(["GET"])
def daily(request: Request, property_id: int) -> Response:
    property_ = property_for_user(request.user, property_id, MANAGERS)
    with schema_context(property_.schema_name):
        return Response(DailyAggregateSerializer(daily_rows(*_period(request)), many=True).data)


@extend_schema(
    parameters=PERIOD_PARAMETERS,
    responses=OpenApiTypes.OBJECT,
    summary="The GM's key figures for a period, with the period before it",
    description=(
        "`estimated_revenue_recovered` is the forecast of the open pipeline: after-hours leads captured in the "
        "period and neither converted nor lost now (a converted lead counts in `converted_revenue` only). "
        "`funnel` counts the period's leads that reached at least each stage: `contacted` includes `converted`; "
        "`lost` is counted in `captured` only."
    ),
)
@api_view(["GET"])
def period_summary(request: Request, property_id: int) -> Response:
    property_ = property_for_user(request.user, property_id, MANAGERS)
    with schema_context(property_.schema_name):
        return Response(summary(*_period(request)))


@extend_schema(responses=GMReportSerializer(many=True), summary="The daily reports sent to the GM")
@api_view(["GET"])
def reports(request: Request, property_id: int) -> Response:
    property_ = property_for_user(request.user, property_id, MANAGERS)
    with schema_context(property_.schema_name):
        return Response(GMReportSerializer(GMReport.objects.all()[:90], many=True).data)

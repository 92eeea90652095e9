"""Integration routes (public host, under /api/v1/); a trailing slash is accepted too, never redirected."""

from django.urls import path

from integrations import api

urlpatterns = [
    path("integrations/<str:property>/events", api.IntegrationEventsView.as_view(), name="integration-events"),
    # The same door with a trailing slash, left out of the schema (it would document one endpoint twice).
    path("integrations/<str:property>/events/", api.IntegrationEventsView.as_view(schema=None)),
]

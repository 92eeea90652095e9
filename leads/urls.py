"""Leads routes under the public host's /api/v1/ (included from nocturn.urls_public)."""

from django.urls import path

from leads import api

urlpatterns = [
    path("properties/<int:property_id>/leads", api.lead_list, name="lead-list"),
    path("properties/<int:property_id>/leads/review-stats", api.review_stats, name="lead-review-stats"),
    path("properties/<int:property_id>/leads/<int:lead_id>", api.lead_detail, name="lead-detail"),
    path("properties/<int:property_id>/leads/<int:lead_id>/review", api.lead_review, name="lead-review"),
    path("leads/<int:lead_id>", api.lead_detail_by_id, name="lead-detail-by-id"),
]

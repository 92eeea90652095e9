"""Gap routes under the public host's /api/v1/ (included from nocturn.urls_public)."""

from django.urls import path

from gaps import api

urlpatterns = [
    path("properties/<int:property_id>/gaps", api.gap_list, name="gap-list"),
    path("properties/<int:property_id>/gaps/<int:gap_id>", api.gap_detail, name="gap-detail"),
    path("properties/<int:property_id>/gaps/<int:gap_id>/answer", api.gap_answer, name="gap-answer"),
    path("properties/<int:property_id>/gaps/<int:gap_id>/dismiss", api.gap_dismiss, name="gap-dismiss"),
    path("properties/<int:property_id>/gaps/<int:gap_id>/follow-up", api.gap_follow_up, name="gap-follow-up"),
]

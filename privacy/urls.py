"""Privacy routes under the public host's /api/v1/ (included from nocturn.urls_public)."""

from django.urls import path

from privacy import api

urlpatterns = [
    path("properties/<int:property_id>/guests/erase", api.erase_guest_view, name="guest-erase"),
]

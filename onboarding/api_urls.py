"""Property API routes (public host), included under /api/v1/."""

from django.urls import path

from onboarding import api

urlpatterns = [
    path("properties", api.property_collection, name="property-collection"),
    path("properties/<int:property_id>/settings", api.property_settings, name="property-settings"),
    path("properties/<int:property_id>/onboard", api.onboard, name="property-onboard"),
    path("properties/<int:property_id>/widget-keys/<int:key_id>/rotate", api.rotate_key, name="property-widget-rotate"),
    path("properties/<int:property_id>/members", api.members, name="property-members"),
    path("properties/<int:property_id>/members/<int:membership_id>", api.member_detail, name="property-member"),
]

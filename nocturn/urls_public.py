"""URLs of the public host: platform admin, cross-property API, webhooks, API schema and docs."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from conversations import views as conversation_views
from core.metrics import views as metrics_views
from nocturn.api import health
from onboarding import views as onboarding_views
from properties import api as properties_api

api_v1 = [
    path("health", health, name="health"),
    path("auth/token", properties_api.TokenObtainView.as_view(), name="token_obtain"),
    path("auth/token/refresh", properties_api.TokenRefreshView.as_view(), name="token_refresh"),
    path("auth/logout", properties_api.LogoutView.as_view(), name="token_logout"),
    path("", include("onboarding.api_urls")),
    path("properties/", properties_api.property_list, name="property-list"),
    path("properties/<int:property_id>", properties_api.property_detail, name="property-detail"),
    path("", include("leads.urls")),
    path("", include("privacy.urls")),
    path("", include("conversations.widget.urls")),
    path("", include("conversations.api_urls")),
    path("", include("knowledge.urls")),
    path("", include("gaps.urls")),
    path("", include("analytics.api_urls")),
    path("", include("conversations.webhook_urls")),
    path("", include("integrations.urls")),
]

# An /api/ URL that no route matches (say /api/v1/leads/-1) still answers JSON.
handler404 = "nocturn.errors.not_found"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("metrics", metrics_views.metrics, name="metrics"),
    path("api/v1/", include(api_v1)),
    path("widget.js", conversation_views.widget_script, name="widget-script"),
    path("onboarding/new/", onboarding_views.new_property, name="new-property"),
    # This host's own routes: without it the generator reads ROOT_URLCONF (the tenant URL conf).
    path("api/schema/", SpectacularAPIView.as_view(urlconf="nocturn.urls_public"), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script under our CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

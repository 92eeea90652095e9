"""URLs of a property's host: staff pages, the property's own admin, its API."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from conversations import views as conversation_views
from nocturn.api import health
from properties.tenant_admin import tenant_admin_site

urlpatterns = [
    path("", include("dashboard.urls")),  # the staff home (/) is the dashboard's live inbox
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", tenant_admin_site.urls),
    path("analytics/", include("analytics.urls")),
    path("gaps/", include("gaps.page_urls")),
    path("", include("onboarding.urls")),
    path("api/v1/health", health, name="health"),
    path("widget-demo/", conversation_views.widget_demo, name="widget-demo"),
    path("widget.js", conversation_views.widget_script, name="widget-script"),
]

"""URLs of the public host: platform admin, cross-property API, webhooks, API schema and docs.

Every app's API routes are listed here, grouped by app, so one file shows all this host answers.
"""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from analytics import api as analytics_api
from analytics import widget as analytics_widget
from conversations import api as conversations_api
from conversations import views as conversation_views
from conversations import webhooks
from conversations.widget import api as widget_api
from core.metrics import views as metrics_views
from gaps import api as gaps_api
from integrations.api import IntegrationEventsView
from knowledge import api as knowledge_api
from leads import api as leads_api
from nocturn.api import health
from onboarding import api as onboarding_api
from onboarding import views as onboarding_views
from privacy import api as privacy_api
from properties import api as properties_api

# The prefix of every route about one property.
prop = "properties/<int:property_id>"
conversation = f"{prop}/conversations/<int:conversation_id>"

api_v1 = [
    path("health", health, name="health"),
    path("auth/token", properties_api.TokenObtainView.as_view(), name="token_obtain"),
    path("auth/token/refresh", properties_api.TokenRefreshView.as_view(), name="token_refresh"),
    path("auth/logout", properties_api.LogoutView.as_view(), name="token_logout"),
    # onboarding: properties, their settings, members and widget keys
    path("properties", onboarding_api.property_collection, name="property-collection"),
    path(f"{prop}/settings", onboarding_api.property_settings, name="property-settings"),
    path(f"{prop}/onboard", onboarding_api.onboard, name="property-onboard"),
    path(f"{prop}/widget-keys/<int:key_id>/rotate", onboarding_api.rotate_key, name="property-widget-rotate"),
    path(f"{prop}/members", onboarding_api.members, name="property-members"),
    path(f"{prop}/members/<int:membership_id>", onboarding_api.member_detail, name="property-member"),
    # properties
    path("properties/", properties_api.property_list, name="property-list"),
    path(prop, properties_api.property_detail, name="property-detail"),
    # leads
    path(f"{prop}/leads", leads_api.lead_list, name="lead-list"),
    path(f"{prop}/leads/review-stats", leads_api.review_stats, name="lead-review-stats"),
    path(f"{prop}/leads/<int:lead_id>", leads_api.lead_detail, name="lead-detail"),
    path(f"{prop}/leads/<int:lead_id>/review", leads_api.lead_review, name="lead-review"),
    path("leads/<int:lead_id>", leads_api.lead_detail_by_id, name="lead-detail-by-id"),
    # privacy
    path(f"{prop}/guests/erase", privacy_api.erase_guest_view, name="guest-erase"),
    # the widget's conversations (public, keyed)
    path("conversations", widget_api.conversations_collection, name="widget-conversations"),
    path("conversations/<int:conversation_id>", widget_api.conversation_detail, name="widget-conversation"),
    path("conversations/<int:conversation_id>/messages", widget_api.conversation_messages, name="widget-messages"),
    # conversations, for staff
    path(f"{prop}/conversations", conversations_api.conversation_list, name="conversation-list"),
    path(conversation, conversations_api.conversation_detail, name="conversation-detail"),
    path(f"{conversation}/handoff", conversations_api.conversation_handoff, name="conversation-handoff"),
    path(f"{conversation}/takeover", conversations_api.conversation_takeover, name="conversation-takeover"),
    path(f"{conversation}/resolve", conversations_api.conversation_resolve, name="conversation-resolve"),
    path(f"{conversation}/messages", conversations_api.conversation_reply, name="conversation-reply"),
    path(f"{conversation}/assign", conversations_api.conversation_assign, name="conversation-assign"),
    path(f"{conversation}/notes", conversations_api.conversation_notes, name="conversation-notes"),
    path(f"{prop}/saved-replies", conversations_api.saved_replies, name="saved-replies"),
    path(f"{prop}/saved-replies/<int:reply_id>", conversations_api.saved_reply, name="saved-reply"),
    # knowledge
    path(f"{prop}/knowledge-base", knowledge_api.knowledge_base, name="knowledge-base"),
    path(f"{prop}/knowledge-base/search", knowledge_api.knowledge_search, name="knowledge-search"),
    path(f"{prop}/knowledge-base/jobs/<int:job_id>", knowledge_api.knowledge_job, name="knowledge-job"),
    # gaps
    path(f"{prop}/gaps", gaps_api.gap_list, name="gap-list"),
    path(f"{prop}/gaps/<int:gap_id>", gaps_api.gap_detail, name="gap-detail"),
    path(f"{prop}/gaps/<int:gap_id>/answer", gaps_api.gap_answer, name="gap-answer"),
    path(f"{prop}/gaps/<int:gap_id>/dismiss", gaps_api.gap_dismiss, name="gap-dismiss"),
    path(f"{prop}/gaps/<int:gap_id>/follow-up", gaps_api.gap_follow_up, name="gap-follow-up"),
    # analytics
    path(f"{prop}/analytics", analytics_api.daily, name="analytics-daily"),
    path(f"{prop}/analytics/summary", analytics_api.period_summary, name="analytics-summary"),
    path(f"{prop}/reports", analytics_api.reports, name="analytics-reports"),
    path("widget/visits", analytics_widget.widget_visits, name="widget-visits"),  # the widget (public, keyed)
    # webhooks: a trailing slash is accepted too, never redirected
    re_path(r"^webhook/whatsapp/?$", webhooks.whatsapp_webhook, name="webhook-whatsapp"),
    re_path(r"^webhook/email/?$", webhooks.email_webhook, name="webhook-email"),
    # integrations: a trailing slash is accepted too, never redirected
    path("integrations/<str:property>/events", IntegrationEventsView.as_view(), name="integration-events"),
    # The same door with a trailing slash, left out of the schema (it would document one endpoint twice).
    path("integrations/<str:property>/events/", IntegrationEventsView.as_view(schema=None)),
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

"""URLs of a property's host: staff pages, the property's own admin, its API.

Every app's pages are listed here, grouped by app, each group under its app's namespace.
"""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from analytics import views as analytics_views
from conversations import views as conversation_views
from dashboard import views as dashboard_views
from gaps import views as gaps_views
from nocturn.api import health
from onboarding import views as onboarding_views
from properties.tenant_admin import tenant_admin_site

# dashboard: the staff pages (inbox, conversations, saved replies, leads, after-hours, reviews); one
# conversation's pages stand under conversations/<id>/.
conversation_pages = [
    path("", dashboard_views.conversation, name="conversation"),
    path("live/", dashboard_views.conversation_messages, name="conversation-live"),
    path("files/<int:attachment_id>/", dashboard_views.conversation_media, name="conversation-media"),
    path("takeover/", dashboard_views.conversation_takeover, name="conversation-takeover"),
    path("resolve/", dashboard_views.conversation_resolve, name="conversation-resolve"),
    path("handoff/", dashboard_views.conversation_handoff, name="conversation-handoff"),
    path("reply/", dashboard_views.conversation_reply, name="conversation-reply"),
    path("assign/", dashboard_views.conversation_assign, name="conversation-assign"),
    path("notes/", dashboard_views.conversation_note, name="conversation-note"),
]

dashboard_pages = [
    path("", dashboard_views.home, name="home"),
    path("inbox/list/", dashboard_views.inbox_list, name="inbox-list"),
    path("inbox/next/", dashboard_views.next_waiting, name="next-waiting"),
    path("inbox/waiting/", dashboard_views.waiting_count, name="waiting-count"),
    path("inbox/alerts/", dashboard_views.missed_alerts, name="missed-alerts"),
    path("conversations/<int:conversation_id>/", include(conversation_pages)),
    path("settings/saved-replies/", dashboard_views.saved_replies, name="saved-replies"),
    path("settings/saved-replies/new/", dashboard_views.saved_reply_save, name="saved-reply-new"),
    path("settings/saved-replies/<int:reply_id>/", dashboard_views.saved_reply_save, name="saved-reply-edit"),
    path(
        "settings/saved-replies/<int:reply_id>/delete/", dashboard_views.saved_reply_delete, name="saved-reply-delete"
    ),
    path("leads/", dashboard_views.lead_list, name="leads"),
    path("leads/export.csv", dashboard_views.lead_export, name="leads-csv"),
    path("leads/<int:lead_id>/", dashboard_views.lead_detail, name="lead"),
    path("leads/<int:lead_id>/edit/", dashboard_views.lead_update, name="lead-update"),
    path("leads/<int:lead_id>/undo-rescore/", dashboard_views.lead_undo_rescore, name="lead-undo-rescore"),
    path("after-hours/", dashboard_views.after_hours, name="after-hours"),
    path("reviews/", dashboard_views.reviews, name="reviews"),
    path("reviews/<int:lead_id>/", dashboard_views.review_verdict, name="review-verdict"),
]

# analytics: the GM's figures and daily reports (under /analytics/)
analytics_pages = [
    path("", analytics_views.dashboard, name="dashboard"),
    path("daily.csv", analytics_views.daily_export, name="daily-csv"),
    path("reports/<int:report_id>/", analytics_views.report_detail, name="report"),
    path("reports/<int:report_id>/chart.png", analytics_views.report_chart, name="report-chart"),
]

# gaps: the gap inbox (under /gaps/)
gaps_pages = [
    path("", gaps_views.gap_list, name="inbox"),
    path("<int:gap_id>/", gaps_views.gap_detail, name="gap"),
    path("<int:gap_id>/answer/", gaps_views.gap_answer, name="answer"),
    path("<int:gap_id>/dismiss/", gaps_views.gap_dismiss, name="dismiss"),
    path("<int:gap_id>/follow-up/", gaps_views.gap_follow_up, name="follow-up"),
]

# onboarding: the wizard, settings, staff, the invitation and e-mail confirmation links
onboarding_pages = [
    path("onboarding/", onboarding_views.wizard_home, name="wizard"),
    path("onboarding/<slug:step>/", onboarding_views.wizard_step, name="step"),
    path("settings/", onboarding_views.settings_page, name="settings"),
    path("settings/staff/", onboarding_views.staff_page, name="staff"),
    path("settings/staff/<int:membership_id>/<slug:action>/", onboarding_views.staff_member, name="staff-member"),
    path("settings/widget-keys/<int:key_id>/rotate/", onboarding_views.rotate_key, name="rotate-key"),
    path(
        "settings/email-addresses/<int:pending_id>/<slug:action>/",
        onboarding_views.pending_email_address,
        name="pending-email",
    ),
    path("settings/leads/rates-from-knowledge/", onboarding_views.confirm_room_rates, name="confirm-rates"),
    path("settings/<slug:section>/", onboarding_views.settings_section, name="section"),
    path("invitations/<str:token>/", onboarding_views.accept_invitation, name="accept"),
    path("email-addresses/confirm/<str:token>/", onboarding_views.confirm_email_address, name="confirm-email"),
]

urlpatterns = [
    path("", include((dashboard_pages, "dashboard"))),  # the staff home (/) is the dashboard's live inbox
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", tenant_admin_site.urls),
    path("analytics/", include((analytics_pages, "analytics"))),
    path("gaps/", include((gaps_pages, "gaps"))),
    path("", include((onboarding_pages, "onboarding"))),
    path("api/v1/health", health, name="health"),
    path("widget-demo/", conversation_views.widget_demo, name="widget-demo"),
    path("widget.js", conversation_views.widget_script, name="widget-script"),
]

"""Staff pages on a property's host, under the `dashboard` namespace; included at / by nocturn.urls_tenant."""

from django.urls import path

from dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("inbox/list/", views.inbox_list, name="inbox-list"),
    path("conversations/<int:conversation_id>/", views.conversation, name="conversation"),
    path("conversations/<int:conversation_id>/live/", views.conversation_messages, name="conversation-live"),
    path("conversations/<int:conversation_id>/takeover/", views.conversation_takeover, name="conversation-takeover"),
    path("conversations/<int:conversation_id>/resolve/", views.conversation_resolve, name="conversation-resolve"),
    path("conversations/<int:conversation_id>/handoff/", views.conversation_handoff, name="conversation-handoff"),
    path("conversations/<int:conversation_id>/reply/", views.conversation_reply, name="conversation-reply"),
    path("leads/", views.lead_list, name="leads"),
    path("leads/export.csv", views.lead_export, name="leads-csv"),
    path("leads/<int:lead_id>/", views.lead_detail, name="lead"),
    path("leads/<int:lead_id>/edit/", views.lead_update, name="lead-update"),
    path("leads/<int:lead_id>/undo-rescore/", views.lead_undo_rescore, name="lead-undo-rescore"),
    path("after-hours/", views.after_hours, name="after-hours"),
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/<int:lead_id>/", views.review_verdict, name="review-verdict"),
]

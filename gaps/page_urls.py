"""The gap inbox's pages on a property's host (included at /gaps/ by nocturn.urls_tenant)."""

from django.urls import path

from gaps import views

app_name = "gaps"
urlpatterns = [
    path("", views.gap_list, name="inbox"),
    path("<int:gap_id>/", views.gap_detail, name="gap"),
    path("<int:gap_id>/answer/", views.gap_answer, name="answer"),
    path("<int:gap_id>/dismiss/", views.gap_dismiss, name="dismiss"),
    path("<int:gap_id>/follow-up/", views.gap_follow_up, name="follow-up"),
]

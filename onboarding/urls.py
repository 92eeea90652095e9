"""Pages on a property's host: the onboarding wizard, settings, staff, the invitation link."""

from django.urls import path

from onboarding import views

app_name = "onboarding"
urlpatterns = [
    path("onboarding/", views.wizard_home, name="wizard"),
    path("onboarding/<slug:step>/", views.wizard_step, name="step"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/staff/", views.staff_page, name="staff"),
    path("settings/staff/<int:membership_id>/<slug:action>/", views.staff_member, name="staff-member"),
    path("settings/widget-keys/<int:key_id>/rotate/", views.rotate_key, name="rotate-key"),
    path(
        "settings/email-addresses/<int:pending_id>/<slug:action>/",
        views.pending_email_address,
        name="pending-email",
    ),
    path("settings/leads/rates-from-knowledge/", views.confirm_room_rates, name="confirm-rates"),
    path("settings/<slug:section>/", views.settings_section, name="section"),
    path("invitations/<str:token>/", views.accept_invitation, name="accept"),
    path("email-addresses/confirm/<str:token>/", views.confirm_email_address, name="confirm-email"),
]
